//! The request lifecycle's background work (run by `lib.rs` once a minute): marking requests
//! past their time `expired`, and reminding recipients once before a request expires. The reads
//! already treat a request past its time as expired; the sweep makes the rows say so and frees
//! the pair's pending slot. Each batch is one transaction (see `store/lifecycle.rs`).

use super::events::UserEventKind;
use super::handle::{Published, Service};
use crate::domain::{NotificationKind, RequestStatus, Timestamp, UserId};
use crate::store::lifecycle::{self, Claimed};
use crate::store::{Conn, StoreResult, notifications, users};

/// Rows one transaction of the sweep marks at most: small enough that SQLite's single writer is
/// never held long by one batch, so other writes queue only briefly behind it.
pub const SWEEP_BATCH: i64 = 100;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    pub expired: u64,
    pub reminded: u64,
}

#[derive(Clone, Copy)]
pub struct Sweep<'a>(pub(super) &'a Service);

impl Sweep<'_> {
    /// Expires and reminds everything due now, a batch per transaction, until a batch comes back
    /// short.
    pub async fn sweep(self) -> StoreResult<SweepOutcome> {
        let mut outcome = SweepOutcome::default();
        loop {
            let expired = self.expire_due(SWEEP_BATCH).await?;
            outcome.expired += expired;
            if expired < SWEEP_BATCH as u64 {
                break;
            }
        }
        if self.0.0.lifecycle.reminder_lead_ms().is_none() {
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

    /// Marks up to `batch` pending requests past their time `expired`, telling both parties;
    /// returns how many.
    async fn expire_due(self, batch: i64) -> StoreResult<u64> {
        let now = self.0.now();
        let expired = self
            .0
            .write(async move |conn| {
                let rows = lifecycle::expire_due(conn, now, batch).await?;
                let mut events = Published::with_capacity(rows.len() * 2);
                for (request_id, sender, recipient) in &rows {
                    let kind =
                        UserEventKind::RequestAnswered { request_id: *request_id, status: RequestStatus::Expired };
                    events.push((*sender, kind.clone()));
                    events.push((*recipient, kind));
                }
                Ok((rows.len() as u64, events))
            })
            .await?;
        if expired > 0 {
            metrics::counter!("dealnest_partner_requests_total", "event" => "expired").increment(expired);
        }
        Ok(expired)
    }

    /// Claims up to `batch` pending requests that entered their reminder window and notifies
    /// each one's recipient, in the claim's transaction; returns how many.
    async fn remind_due(self, batch: i64) -> StoreResult<u64> {
        let Some(lead) = self.0.0.lifecycle.reminder_lead_ms() else { return Ok(0) };
        let now = self.0.now();
        let reminded = self
            .0
            .write(async move |conn| {
                let claimed = lifecycle::claim_reminders(conn, now, now.plus_millis(lead), batch).await?;
                let mut events = Published::with_capacity(claimed.len());
                for request in &claimed {
                    events.push(remind(conn, request, now).await?);
                }
                Ok((claimed.len() as u64, events))
            })
            .await?;
        if reminded > 0 {
            self.0.wake_outbox();
        }
        Ok(reminded)
    }
}

/// Writes the reminder of one claimed request to its recipient's inbox and the outbox.
async fn remind(conn: &mut Conn<'_>, request: &Claimed, now: Timestamp) -> StoreResult<(UserId, UserEventKind)> {
    let sender = users::find(conn, request.sender).await?;
    let name = sender.as_ref().map_or("someone", |user| user.name.as_str());
    let kind = NotificationKind::RequestReminder;
    let text = format!(
        "The partner request from {name} expires on {}; accept or reject it before then.",
        request.expires_at.day_month()
    );
    let notification_id = notifications::insert(conn, request.recipient, kind, &text, request.id, now).await?;
    Ok((request.recipient, UserEventKind::Notification { notification_id, kind }))
}
