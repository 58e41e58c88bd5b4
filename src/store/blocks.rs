//! Blocks: one user refusing partner requests with another, in both directions.

use super::db::params;
use super::expiry::expired_by;
use super::users::user_in;
use super::{Store, StoreResult};
use crate::domain::{Block, RuleError, Timestamp, UserId, check_block, ordered_pair};

impl Store {
    /// `blocker` blocks `blocked`. A pending request between the two becomes `rejected` without
    /// notifying anyone, and without starting a cooldown; a partnership stays. Blocking again
    /// keeps the first block.
    pub async fn block(&self, blocker: UserId, blocked: UserId) -> StoreResult<Block> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                check_block(blocker, blocked, user_in(conn, blocked).await?.is_some())?;
                conn.execute(
                    "insert into blocks (blocker_id, blocked_id, created_at) values ($1, $2, $3) \
                     on conflict (blocker_id, blocked_id) do nothing",
                    params![blocker.get(), blocked.get(), now.millis()],
                )
                .await?;
                let created_at = conn
                    .fetch_one(
                        "select created_at from blocks where blocker_id = $1 and blocked_id = $2",
                        params![blocker.get(), blocked.get()],
                        &|row| row.int("created_at"),
                    )
                    .await?;
                let (low, high) = ordered_pair(blocker, blocked);
                // One past its time (not yet swept) had already expired, and reads so.
                conn.execute(CLOSE_PAIR, params![now.millis(), low.get(), high.get()]).await?;
                Ok(Block { blocker_id: blocker, blocked_id: blocked, created_at: Timestamp::from_millis(created_at) })
            })
            .await
    }

    /// Lifts a block `blocker` placed on `blocked`.
    pub async fn unblock(&self, blocker: UserId, blocked: UserId) -> StoreResult<()> {
        self.db
            .write(async move |conn| {
                let deleted = conn
                    .execute(
                        "delete from blocks where blocker_id = $1 and blocked_id = $2",
                        params![blocker.get(), blocked.get()],
                    )
                    .await?;
                if deleted == 0 {
                    return Err(RuleError::BlockNotFound.into());
                }
                Ok(())
            })
            .await
    }
}

/// Closes the pair's (`$2`, `$3`) pending request at `$1`: rejected, or expired if it was already
/// past its time.
const CLOSE_PAIR: &str = concat!(
    "update partner_requests set status = case when ",
    expired_by!("", "$1"),
    " then 'expired' else 'rejected' end, responded_at = case when ",
    expired_by!("", "$1"),
    " then expires_at else $1 end where user_low = $2 and user_high = $3 and status = 'pending'"
);
