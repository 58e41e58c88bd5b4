//! Blocks: one user refusing partner requests with another, in both directions.

use super::handle::Service;
use crate::domain::{Block, RuleError, UserId, check_block};
use crate::store::{StoreResult, blocks, requests, users};

#[derive(Clone, Copy)]
pub struct Blocks<'a>(pub(super) &'a Service);

impl Blocks<'_> {
    /// `blocker` blocks `blocked`. A pending request between the two becomes `rejected` without
    /// notifying anyone, and without starting a cooldown; a partnership stays. Blocking again
    /// keeps the first block.
    pub async fn block(self, blocker: UserId, blocked: UserId) -> StoreResult<Block> {
        let now = self.0.now();
        self.0
            .0
            .db
            .write(async move |conn| {
                check_block(blocker, blocked, users::find(conn, blocked).await?.is_some())?;
                let created_at = blocks::insert(conn, blocker, blocked, now).await?;
                requests::reject_pending_of_pair(conn, blocker, blocked, now).await?;
                Ok(Block { blocker_id: blocker, blocked_id: blocked, created_at })
            })
            .await
    }

    /// Lifts a block `blocker` placed on `blocked`.
    pub async fn unblock(self, blocker: UserId, blocked: UserId) -> StoreResult<()> {
        self.0
            .0
            .db
            .write(async move |conn| {
                if !blocks::delete(conn, blocker, blocked).await? {
                    return Err(RuleError::BlockNotFound.into());
                }
                Ok(())
            })
            .await
    }
}
