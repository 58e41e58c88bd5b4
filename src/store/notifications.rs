//! Notifications: the in-app inbox and the delivery outbox (one table).
//!
//! Delivery claims a row by moving its `next_attempt_at` forward with a compare-and-set, so
//! several workers (in one process or several instances) never deliver the same row at once,
//! and a worker that dies mid-delivery leaves the row to be retried when its lease runs out.

use std::time::Duration;

use sqlx::Row;

use super::rows::{self, NOTIFICATION_COLUMNS};
use super::{Store, StoreResult};
use crate::domain::{Email, Notification, NotificationId, PageRequest, Paged, Timestamp, UserId, UserName};

/// A notification claimed for delivery, with where to send it.
#[derive(Debug, Clone)]
pub struct PendingDelivery {
    pub notification: Notification,
    pub email: Email,
    pub name: UserName,
    /// Attempts including this one.
    pub attempt: u32,
}

impl Store {
    /// The notifications of `user`, newest first.
    pub async fn notifications(&self, user: UserId, page: PageRequest) -> StoreResult<Paged<Notification>> {
        let items = sqlx::query(&format!(
            "select {NOTIFICATION_COLUMNS} from notifications where user_id = $1 \
             order by created_at desc, notification_id desc limit $2 offset $3"
        ))
        .bind(user.get())
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(rows::notification)
        .collect::<Result<Vec<_>, _>>()?;
        let total: i64 = sqlx::query_scalar("select count(*) from notifications where user_id = $1")
            .bind(user.get())
            .fetch_one(&self.reader)
            .await?;
        Ok(Paged { items, page, total })
    }

    pub async fn unread_notifications(&self, user: UserId) -> StoreResult<i64> {
        let count = sqlx::query_scalar("select count(*) from notifications where user_id = $1 and read_at is null")
            .bind(user.get())
            .fetch_one(&self.reader)
            .await?;
        Ok(count)
    }

    /// Marks every unread notification of `user` read; returns how many changed.
    pub async fn mark_notifications_read(&self, user: UserId) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("update notifications set read_at = $1 where user_id = $2 and read_at is null")
            .bind(Timestamp::now().millis())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Claims up to `limit` notifications that are due for delivery, leasing each for `lease`.
    pub async fn claim_deliveries(&self, limit: i64, lease: Duration) -> StoreResult<Vec<PendingDelivery>> {
        let now = Timestamp::now();
        let due = sqlx::query(
            "select notification_id, next_attempt_at from notifications \
             where delivered_at is null and failed_at is null and next_attempt_at <= $1 \
             order by next_attempt_at limit $2",
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        let lease_until = now.millis().saturating_add(lease.as_millis() as i64);
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            let id: i64 = row.try_get("notification_id")?;
            let seen_next: i64 = row.try_get("next_attempt_at")?;
            let mut tx = self.begin().await?;
            let won = sqlx::query(
                "update notifications set next_attempt_at = $1, attempts = attempts + 1 \
                 where notification_id = $2 and next_attempt_at = $3 and delivered_at is null and failed_at is null \
                 returning attempts",
            )
            .bind(lease_until)
            .bind(id)
            .bind(seen_next)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(won) = won else { continue };
            let attempt: i64 = won.try_get(0)?;
            let row = sqlx::query(
                "select n.notification_id, n.user_id, n.kind, n.text, n.request_id, n.created_at, n.read_at, \
                        u.email, u.name \
                 from notifications n join users u on u.user_id = n.user_id where n.notification_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            claimed.push(PendingDelivery {
                notification: rows::notification(&row)?,
                email: Email::from_trusted(row.try_get("email")?),
                name: UserName::from_trusted(row.try_get("name")?),
                attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
            });
        }
        Ok(claimed)
    }

    pub async fn mark_delivered(&self, id: NotificationId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("update notifications set delivered_at = $1, last_error = null where notification_id = $2")
            .bind(Timestamp::now().millis())
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt: retry at `retry_at`, or give up (`None`) and keep the row as failed.
    pub async fn mark_delivery_failed(
        &self,
        id: NotificationId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        sqlx::query(
            "update notifications set last_error = $1, next_attempt_at = $2, failed_at = $3 where notification_id = $4",
        )
        .bind(error)
        .bind(retry_at.unwrap_or(now).millis())
        .bind(if retry_at.is_none() { Some(now.millis()) } else { None })
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// When the next undelivered notification falls due, if any.
    pub async fn next_delivery_due(&self) -> StoreResult<Option<Timestamp>> {
        let next: Option<i64> = sqlx::query_scalar(
            "select min(next_attempt_at) from notifications where delivered_at is null and failed_at is null",
        )
        .fetch_one(&self.reader)
        .await?;
        Ok(next.map(Timestamp::from_millis))
    }
}
