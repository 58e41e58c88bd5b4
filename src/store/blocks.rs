//! Blocks: one user refusing partner requests with another, in both directions.

use sqlx::Row;

use super::requests::user_in;
use super::{Store, StoreResult};
use crate::domain::{Block, RuleError, Timestamp, UserId, ordered_pair};

impl Store {
    /// `blocker` blocks `blocked`. A pending request between the two becomes `rejected` without
    /// notifying anyone; a partnership stays. Blocking again keeps the first block.
    pub async fn block(&self, blocker: UserId, blocked: UserId) -> StoreResult<Block> {
        if blocker == blocked {
            return Err(RuleError::SelfBlock.into());
        }
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        if user_in(&mut tx, blocked).await?.is_none() {
            return Err(RuleError::UserNotFound.into());
        }
        sqlx::query(
            "insert into blocks (blocker_id, blocked_id, created_at) values ($1, $2, $3) \
             on conflict (blocker_id, blocked_id) do nothing",
        )
        .bind(blocker.get())
        .bind(blocked.get())
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        let created_at: i64 = sqlx::query("select created_at from blocks where blocker_id = $1 and blocked_id = $2")
            .bind(blocker.get())
            .bind(blocked.get())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let (low, high) = ordered_pair(blocker, blocked);
        sqlx::query(
            "update partner_requests set status = 'rejected', responded_at = $1 \
             where user_low = $2 and user_high = $3 and status = 'pending'",
        )
        .bind(now.millis())
        .bind(low.get())
        .bind(high.get())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Block { blocker_id: blocker, blocked_id: blocked, created_at: Timestamp::from_millis(created_at) })
    }

    /// Lifts a block `blocker` placed on `blocked`.
    pub async fn unblock(&self, blocker: UserId, blocked: UserId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("delete from blocks where blocker_id = $1 and blocked_id = $2")
            .bind(blocker.get())
            .bind(blocked.get())
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(RuleError::BlockNotFound.into());
        }
        tx.commit().await?;
        Ok(())
    }
}
