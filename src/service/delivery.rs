//! The delivery worker's side of the outbox (see `notify/`): which notifications are due, the
//! claim of one (with what its recipient's settings and the hourly cap say to do with it), and
//! how an attempt ended.

use std::time::Duration;

use super::handle::Service;
use crate::domain::{MAIL_CAP_WINDOW_MS, MailWhen, NotificationId, Timestamp, mail_cap_reached};
use crate::store::outbox::{self, Settled};
use crate::store::{DueDelivery, PendingDelivery, StoreResult, settings};

/// What delivery does with a notification it claimed, by the recipient's settings at that moment.
#[derive(Debug, Clone)]
pub enum Claim {
    /// Mail it now.
    Mail(PendingDelivery),
    /// The recipient turned this kind of mail off: nothing is sent (the inbox keeps it).
    Off,
    /// Held for the recipient's next daily digest: their choice, or (`capped`) they have had
    /// their share of immediate mails this hour.
    Held { capped: bool },
}

#[derive(Clone, Copy)]
pub struct Delivery<'a>(pub(super) &'a Service);

impl<'a> Delivery<'a> {
    /// Up to `limit` notifications due for delivery, oldest due first. Nothing is claimed yet:
    /// the worker claims each one just before it delivers it, so a claim's lease has to cover
    /// one delivery only, and rows it never reached (at shutdown) stay due.
    pub async fn due(self, limit: i64) -> StoreResult<Vec<DueDelivery>> {
        let now = self.0.now();
        self.0.0.db.read(async move |conn| Ok(outbox::due(conn, now, limit).await?)).await
    }

    /// Claims `due` for delivery for `lease`: of two workers (in one process or several
    /// instances) exactly one wins; the loser gets `None`. A worker that dies mid-delivery leaves
    /// the row to be retried when the lease runs out.
    ///
    /// The recipient's mail settings are read here, at delivery time, so a change reaches mails
    /// already queued. An immediate mail is let through only while the recipient has had fewer
    /// than `cap` (0: no cap) in the cap's window; the count and the mark that joins it happen in
    /// this one transaction, with the recipient's row locked on PostgreSQL (SQLite has one
    /// writer), so two instances cannot both let the last one through.
    pub async fn claim(self, due: &DueDelivery, lease: Duration, cap: u32) -> StoreResult<Option<Claim>> {
        let now = self.0.now();
        let due = due.clone();
        self.0
            .0
            .db
            .write(async move |conn| {
                let lease_until = now.millis().saturating_add(lease.as_millis() as i64);
                let Some(attempt) = outbox::claim(conn, &due, lease_until).await? else { return Ok(None) };
                let (delivery, mailed) = outbox::delivery(conn, due.id(), attempt).await?;
                let user = delivery.notification.user_id;
                match settings::find(conn, user).await?.email.get(delivery.notification.kind) {
                    MailWhen::Off => {
                        outbox::settle(conn, due.id(), Settled::Off, now).await?;
                        return Ok(Some(Claim::Off));
                    }
                    MailWhen::DailyDigest => {
                        outbox::settle(conn, due.id(), Settled::Digest, now).await?;
                        return Ok(Some(Claim::Held { capped: false }));
                    }
                    MailWhen::Immediately => {}
                }
                // A retry was counted when it was first let through.
                if !mailed {
                    let since = now.minus_millis(MAIL_CAP_WINDOW_MS);
                    if cap > 0 && mail_cap_reached(cap, outbox::mailed_since(conn, user, since, cap).await?) {
                        outbox::settle(conn, due.id(), Settled::Digest, now).await?;
                        return Ok(Some(Claim::Held { capped: true }));
                    }
                    outbox::mark_mailed(conn, due.id(), now).await?;
                }
                Ok(Some(Claim::Mail(delivery)))
            })
            .await
    }

    pub async fn delivered(self, id: NotificationId) -> StoreResult<()> {
        let now = self.0.now();
        self.0.0.db.write(async move |conn| Ok(outbox::mark_delivered(conn, id, now).await?)).await
    }

    /// Records a failed attempt: retry at `retry_at`, or give up (`None`) and keep the row as
    /// failed.
    pub async fn failed(self, id: NotificationId, error: &str, retry_at: Option<Timestamp>) -> StoreResult<()> {
        let (now, error) = (self.0.now(), error.to_owned());
        self.0.0.db.write(async move |conn| Ok(outbox::mark_failed(conn, id, &error, retry_at, now).await?)).await
    }

    /// When the next undelivered notification falls due, if any.
    pub async fn next_due(self) -> StoreResult<Option<Timestamp>> {
        self.0.0.db.read(async |conn| Ok(outbox::next_due(conn).await?)).await
    }

    /// How many notifications wait for delivery (not delivered, not given up on), counted up to
    /// `outbox::BACKLOG_COUNTED_UP_TO`: past that the number only says the backlog is large.
    pub async fn backlog(self) -> StoreResult<i64> {
        self.0.0.db.read(async |conn| Ok(outbox::backlog(conn).await?)).await
    }

    /// Puts every notification that delivery gave up on back in the queue, with a fresh count of
    /// attempts (after the mail server or an address was fixed). Returns how many.
    pub async fn requeue_failed(self) -> StoreResult<u64> {
        let now = self.0.now();
        let done = self.0.0.db.write(async move |conn| Ok(outbox::requeue_failed(conn, now).await?)).await?;
        if done > 0 {
            self.0.wake_outbox();
        }
        Ok(done)
    }

    /// Waits until a commit has written notifications (or returns at once if one did since the
    /// last call).
    pub fn written(self) -> tokio::sync::futures::Notified<'a> {
        self.0.0.outbox.notified()
    }

    /// Wakes the delivery worker now (as a commit that wrote a notification does); tests call it
    /// after moving the clock to a digest hour.
    pub fn wake(self) {
        self.0.wake_outbox();
    }
}
