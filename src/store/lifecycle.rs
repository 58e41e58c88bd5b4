//! The request lifecycle's background work: marking requests past their time `expired` (the
//! reads already treat them so; this makes the rows say it and frees the pair's pending slot),
//! and reminding recipients once before a request expires.
//!
//! Both take a bounded batch of the due rows, oldest expiry first, through partial indexes that
//! hold only what can still be due, so a round with nothing due is two index lookups. Each batch
//! is a compare-and-set in one transaction: on PostgreSQL rows another instance is working on
//! are skipped (`for update skip locked`), and a row once marked is never taken again, so every
//! reminder is written once across restarts and instances (in the same transaction as its claim).

use super::db::{Conn, params};
use super::expiry::{expiring_after, overdue};
use super::requests::insert_notification;
use super::users::user_in;
use super::{Store, StoreResult, UserEventKind};
use crate::domain::{Id, NotificationKind, RequestId, RequestStatus, Timestamp, UserId};

/// Rows one transaction of the sweep marks at most: small enough that SQLite's single writer is
/// never held long by one batch, so other writes queue only briefly behind it.
pub const SWEEP_BATCH: i64 = 100;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    pub expired: u64,
    pub reminded: u64,
}

/// A request the reminder claimed.
struct Claimed {
    id: RequestId,
    sender: UserId,
    recipient: UserId,
    expires_at: Timestamp,
}

impl Store {
    /// Expires and reminds everything due now, a batch per transaction, until a batch comes back
    /// short.
    pub async fn sweep_lifecycle(&self) -> StoreResult<SweepOutcome> {
        let mut outcome = SweepOutcome::default();
        loop {
            let expired = self.expire_due(SWEEP_BATCH).await?;
            outcome.expired += expired;
            if expired < SWEEP_BATCH as u64 {
                break;
            }
        }
        if self.lifecycle.reminder_lead_ms().is_none() {
            return Ok(outcome);
        }
        loop {
            let reminded = self.remind_due(SWEEP_BATCH).await?;
            outcome.reminded += reminded;
            if reminded < SWEEP_BATCH as u64 {
                break;
            }
        }
        Ok(outcome)
    }

    /// Marks up to `batch` pending requests past their time `expired` (expired at their
    /// `expires_at`); returns how many.
    pub async fn expire_due(&self, batch: i64) -> StoreResult<u64> {
        let now = self.now();
        let events = self
            .db
            .write(async move |conn| {
                let sql = if conn.is_postgres() { EXPIRE_DUE_POSTGRES } else { EXPIRE_DUE };
                let rows = conn
                    .fetch_all(sql, params![now.millis(), batch], &|row| {
                        Ok((Id::new(row.int("request_id")?), Id::new(row.int("sender_id")?), row.int("recipient_id")?))
                    })
                    .await?;
                let mut events = Vec::with_capacity(rows.len() * 2);
                for (request_id, sender, recipient) in rows {
                    let kind = UserEventKind::RequestAnswered { request_id, status: RequestStatus::Expired };
                    events.push((sender, kind.clone()));
                    events.push((Id::new(recipient), kind));
                }
                super::event_relay::announce(conn, &events).await?;
                Ok(events)
            })
            .await?;
        let expired = (events.len() / 2) as u64;
        if expired > 0 {
            metrics::counter!("dealnest_partner_requests_total", "event" => "expired").increment(expired);
            self.committed(events);
        }
        Ok(expired)
    }

    /// Claims up to `batch` pending requests that entered their reminder window and notifies
    /// each one's recipient, in the claim's transaction; returns how many.
    pub async fn remind_due(&self, batch: i64) -> StoreResult<u64> {
        let Some(lead) = self.lifecycle.reminder_lead_ms() else { return Ok(0) };
        let now = self.now();
        let events = self
            .db
            .write(async move |conn| {
                let sql = if conn.is_postgres() { REMIND_DUE_POSTGRES } else { REMIND_DUE };
                let claimed = conn
                    .fetch_all(sql, params![now.millis(), now.plus_millis(lead).millis(), batch], &|row| {
                        Ok(Claimed {
                            id: Id::new(row.int("request_id")?),
                            sender: Id::new(row.int("sender_id")?),
                            recipient: Id::new(row.int("recipient_id")?),
                            expires_at: Timestamp::from_millis(row.int("expires_at")?),
                        })
                    })
                    .await?;
                let mut events = Vec::with_capacity(claimed.len());
                for request in claimed {
                    events.push(remind(conn, &request, now).await?);
                }
                super::event_relay::announce(conn, &events).await?;
                Ok(events)
            })
            .await?;
        let reminded = events.len() as u64;
        if reminded > 0 {
            self.committed(events);
            self.wake_outbox();
        }
        Ok(reminded)
    }
}

/// Writes the reminder of one claimed request to its recipient's inbox and the outbox.
async fn remind(conn: &mut Conn<'_>, request: &Claimed, now: Timestamp) -> StoreResult<(UserId, UserEventKind)> {
    let sender = user_in(conn, request.sender).await?;
    let name = sender.as_ref().map_or("someone", |user| user.name.as_str());
    let kind = NotificationKind::RequestReminder;
    let text = format!(
        "The partner request from {name} expires on {}; accept or reject it before then.",
        request.expires_at.day_month()
    );
    let notification_id = insert_notification(conn, request.recipient, kind, &text, request.id, now).await?;
    Ok((request.recipient, UserEventKind::Notification { notification_id, kind }))
}

/// `$1` now, `$2` the batch: the due rows by `partner_requests_to_expire`, oldest first.
macro_rules! expire_due {
    ($lock:literal) => {
        concat!(
            "update partner_requests set status = 'expired', responded_at = expires_at \
             where request_id in (select request_id from partner_requests where ",
            overdue!("", "$1"),
            " order by expires_at limit $2",
            $lock,
            ") and ",
            overdue!("", "$1"),
            " returning request_id, sender_id, recipient_id"
        )
    };
}

const EXPIRE_DUE: &str = expire_due!("");
const EXPIRE_DUE_POSTGRES: &str = expire_due!(" for update skip locked");

/// `$1` now, `$2` now plus the reminder's lead, `$3` the batch: the rows not yet reminded whose
/// expiry falls in the window, by `partner_requests_to_remind`.
macro_rules! remind_due {
    ($lock:literal) => {
        concat!(
            "update partner_requests set reminded_at = $1 \
             where request_id in (select request_id from partner_requests where ",
            expiring_after!("", "$1"),
            " and reminded_at is null and expires_at <= $2 order by expires_at limit $3",
            $lock,
            ") and ",
            expiring_after!("", "$1"),
            " and reminded_at is null returning request_id, sender_id, recipient_id, expires_at"
        )
    };
}

const REMIND_DUE: &str = remind_due!("");
const REMIND_DUE_POSTGRES: &str = remind_due!(" for update skip locked");
