//! Delivery of notifications from the outbox.
//!
//! A use case writes each notification in the same transaction as the change it reports; this
//! worker delivers them after commit, so a slow or failing sink never slows or fails a request.
//! It wakes as soon as a commit wrote a notification, retries failures with exponential backoff
//! and jitter, and gives up after a set number of attempts, leaving the row marked failed.
//! Delivery is at least once: a crash between sending and recording sends again, with the same
//! `Message-ID`.
//!
//! Before each mail the recipient's settings decide (see [`Claim`]): mail now, hold it for the
//! daily digest (`digest`), or send nothing; and a recipient who had their hourly share of
//! immediate mail gets the rest in the next digest.
//!
//! `sink` says where notifications go (the log or SMTP), `mail` what a mail looks like.

mod digest;
mod error;
mod mail;
mod settings;
mod sink;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::service::{Claim, Service};
use crate::store::DueDelivery;

use digest::DigestProgress;
pub use digest::{DIGEST_SUBJECT, digest_day};
pub use error::DeliveryError;
pub use mail::{MailLinks, message_id};
pub use settings::{DEFAULT_MAIL_FROM, MailSettings, SmtpUrl};
pub use sink::Sink;

/// The longest the worker sleeps without looking at the outbox, in case a wake-up was missed
/// (another instance wrote the row) and to keep the backlog gauge fresh.
const IDLE_RECHECK: Duration = Duration::from_secs(60);

/// Notifications delivered.
const DELIVERED: &str = "dealnest_notifications_delivered_total";
/// Delivery attempts that failed, retried or not.
const ATTEMPT_FAILURES: &str = "dealnest_notification_delivery_failures_total";
/// Notifications given up on (their row has `failed_at`).
const GIVEN_UP: &str = "dealnest_notifications_failed_total";
/// Notifications waiting for delivery, counted in the database after each round.
const BACKLOG: &str = "dealnest_notification_backlog";
/// Notifications not mailed because their recipient turned that kind of mail off.
const TURNED_OFF: &str = "dealnest_mail_turned_off_total";
/// Notifications held for the daily digest by their recipient's choice.
const HELD: &str = "dealnest_mail_held_for_digest_total";
/// Notifications held for the daily digest because their recipient had their hourly share.
const CAPPED: &str = "dealnest_mail_capped_total";
/// Daily digests sent.
const DIGESTS: &str = "dealnest_digests_sent_total";

/// How the worker retries.
#[derive(Debug, Clone)]
pub struct DeliveryPolicy {
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further one, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a claimed row stays with its worker before another may retry it; longer than
    /// one delivery can take.
    pub lease: Duration,
    /// Rows read from the outbox at a time.
    pub batch: i64,
    /// Immediate mails to one recipient per hour at most (0: no cap); the rest wait for the digest.
    pub per_recipient_hour: u32,
    /// The hour (UTC) of the daily digest.
    pub digest_hour: u8,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self::for_send_bound(MailSettings::default().send_bound())
    }
}

impl DeliveryPolicy {
    /// The default policy for a sink that needs at most `send_bound` per message. With 8
    /// attempts 30 s apart at first, a mail server may be down for about an hour before a
    /// notification is given up on.
    pub fn for_send_bound(send_bound: Duration) -> Self {
        Self {
            max_attempts: 8,
            base_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(30 * 60),
            lease: send_bound.saturating_mul(2).max(Duration::from_secs(30)),
            batch: 50,
            per_recipient_hour: 10,
            digest_hour: 8,
        }
    }

    /// After failed `attempt`: the wait before the next one, or `None` when the failure is
    /// permanent or the attempts are spent (the row or digest is given up on).
    pub fn retry_after(&self, error: &DeliveryError, attempt: u32) -> Option<Duration> {
        (!error.permanent && attempt < self.max_attempts).then(|| self.backoff(attempt))
    }

    /// The wait before attempt `attempt + 1`: base·2^(attempt-1), capped, with ±25 % jitter so
    /// that many failures do not retry in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_backoff.saturating_mul(1 << attempt.saturating_sub(1).min(20));
        let capped = exp.min(self.max_backoff);
        let jitter = rand::rng().random_range(0.75..1.25);
        capped.mul_f64(jitter)
    }
}

/// Starts the delivery worker. When `shutdown` is cancelled it finishes the delivery in hand,
/// closes the sink and ends; rows it had not reached stay due for the next start.
pub fn spawn_worker(
    service: Service,
    sink: Sink,
    links: MailLinks,
    policy: DeliveryPolicy,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        // Every series exists from the start, so `rate()` and `increase()` see the first event.
        for counter in [DELIVERED, ATTEMPT_FAILURES, GIVEN_UP, TURNED_OFF, HELD, CAPPED, DIGESTS] {
            metrics::counter!(counter).increment(0);
        }
        let worker = Worker { service, sink, links, policy, digest_progress: Mutex::new(DigestProgress::NOT_STARTED) };
        worker.run(&shutdown).await;
        worker.sink.shutdown().await;
        tracing::info!("delivery worker stopped");
    })
}

struct Worker {
    service: Service,
    sink: Sink,
    links: MailLinks,
    policy: DeliveryPolicy,
    /// How far this worker has gone through the current digest day.
    digest_progress: Mutex<DigestProgress>,
}

impl Worker {
    async fn run(&self, shutdown: &CancellationToken) {
        let mut wait = OUTBOX_FIRST_RETRY;
        while !shutdown.is_cancelled() {
            let due = match self.service.delivery().due(self.policy.batch).await {
                Ok(due) => {
                    wait = OUTBOX_FIRST_RETRY;
                    due
                }
                Err(error) => {
                    // Through an outage, each try waits twice as long as the last (up to half a
                    // minute); nothing is lost, the rows wait in the outbox.
                    log_store_error(&error, "could not read the outbox; trying again");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = shutdown.cancelled() => break,
                    }
                    wait = (wait * 2).min(OUTBOX_LAST_RETRY);
                    continue;
                }
            };
            for item in &due {
                // Shutdown is looked at between deliveries, never during one: a mail in hand
                // is finished (each is bounded by the sink's timeout).
                if shutdown.is_cancelled() {
                    return;
                }
                self.claim_and_deliver(item).await;
            }
            let more_digests = self.send_digests(shutdown).await;
            self.refresh_backlog().await;
            if due.len() as i64 == self.policy.batch || more_digests {
                continue;
            }
            let wait = self.until_next_due().await;
            tokio::select! {
                () = self.service.delivery().written() => {}
                () = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => break,
            }
        }
    }

    async fn claim_and_deliver(&self, due: &DueDelivery) {
        let claim = self.service.delivery().claim(due, self.policy.lease, self.policy.per_recipient_hour).await;
        let delivery = match claim {
            Ok(Some(Claim::Mail(delivery))) => delivery,
            Ok(Some(Claim::Off)) => {
                metrics::counter!(TURNED_OFF).increment(1);
                tracing::debug!(notification_id = due.id().get(), "not mailed: the recipient turned it off");
                return;
            }
            Ok(Some(Claim::Held { capped: false })) => {
                metrics::counter!(HELD).increment(1);
                return;
            }
            Ok(Some(Claim::Held { capped: true })) => {
                metrics::counter!(CAPPED).increment(1);
                tracing::info!(
                    notification_id = due.id().get(),
                    per_hour = self.policy.per_recipient_hour,
                    "the recipient had their hourly share of mail; held for the next daily digest"
                );
                return;
            }
            // Another worker claimed it first.
            Ok(None) => return,
            Err(error) => {
                log_store_error(&error, "could not claim a notification; it stays due");
                return;
            }
        };
        let id = delivery.notification.id.get();
        let attempt = delivery.attempt;
        let started = Instant::now();
        let sent = match mail::compose(&delivery, self.sink.from(), &self.links) {
            Ok(letter) => self.sink.send(&letter).await,
            Err(error) => Err(error),
        };
        let outcome = match sent {
            Ok(()) => {
                metrics::counter!(DELIVERED).increment(1);
                metrics::histogram!("dealnest_notification_delivery_seconds").record(started.elapsed().as_secs_f64());
                if attempt > 1 {
                    tracing::info!(notification_id = id, attempt, "notification delivered after retrying");
                } else {
                    tracing::debug!(notification_id = id, "notification delivered");
                }
                self.service.delivery().delivered(delivery.notification.id).await
            }
            Err(error) => {
                metrics::counter!(ATTEMPT_FAILURES).increment(1);
                let retry_at = self.policy.retry_after(&error, attempt).map(|wait| {
                    tracing::warn!(
                        notification_id = id,
                        attempt,
                        max_attempts = self.policy.max_attempts,
                        retry_in_ms = wait.as_millis() as u64,
                        %error,
                        "notification delivery failed; will retry"
                    );
                    self.service.now().plus_millis(wait.as_millis() as i64)
                });
                if retry_at.is_none() {
                    metrics::counter!(GIVEN_UP).increment(1);
                    tracing::error!(
                        notification_id = id,
                        attempts = attempt,
                        permanent = error.permanent,
                        %error,
                        "notification delivery failed; giving up (the row keeps failed_at and last_error)"
                    );
                }
                self.service.delivery().failed(delivery.notification.id, &error.message, retry_at).await
            }
        };
        if let Err(error) = outcome {
            // The lease runs out and the row is tried again: at least once, never lost.
            tracing::warn!(notification_id = id, %error, "could not record the delivery outcome; it will be retried");
        }
    }

    async fn refresh_backlog(&self) {
        match self.service.delivery().backlog().await {
            Ok(count) => metrics::gauge!(BACKLOG).set(count as f64),
            Err(error) => log_store_error(&error, "could not count the outbox backlog"),
        }
    }

    /// How long until the next undelivered row falls due (a retry, or a lease running out).
    async fn until_next_due(&self) -> Duration {
        let now = self.service.now();
        // The next digest day starts one day after the current one did.
        let (_, day_start) = digest_day(now, self.policy.digest_hour);
        let next_digests = day_start.plus_millis(crate::domain::DAY_MS);
        let next = match self.service.delivery().next_due().await {
            Ok(Some(due)) => due.min(next_digests),
            _ => next_digests,
        };
        let millis = next.millis().saturating_sub(now.millis()).max(0);
        Duration::from_millis(millis as u64).min(IDLE_RECHECK)
    }
}

/// How long the worker waits before reading the outbox again after a failure, and at most.
const OUTBOX_FIRST_RETRY: Duration = Duration::from_secs(1);
const OUTBOX_LAST_RETRY: Duration = Duration::from_secs(30);

/// A failure of the database: while it is unavailable the store logs the outage (once when it
/// starts, once when it ends), so each failed round says so only at debug level.
fn log_store_error(error: &crate::store::StoreError, what: &str) {
    if error.unavailable().is_some() {
        tracing::debug!(%error, "{what}");
    } else {
        tracing::warn!(%error, "{what}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = DeliveryPolicy { base_backoff: Duration::from_secs(2), ..DeliveryPolicy::default() };
        let first = policy.backoff(1);
        assert!(first >= Duration::from_millis(1500) && first <= Duration::from_millis(2500));
        let third = policy.backoff(3);
        assert!(third >= Duration::from_secs(6) && third <= Duration::from_secs(10));
        assert!(policy.backoff(30) <= policy.max_backoff.mul_f64(1.25));
    }

    #[test]
    fn a_failure_is_retried_unless_permanent_or_the_last_attempt() {
        let policy = DeliveryPolicy::default();
        assert!(policy.retry_after(&DeliveryError::transient("down"), 1).is_some());
        assert!(policy.retry_after(&DeliveryError::permanent("no such user"), 1).is_none());
        assert!(policy.retry_after(&DeliveryError::transient("down"), policy.max_attempts).is_none());
    }

    #[test]
    fn the_lease_outlasts_one_delivery() {
        let policy = DeliveryPolicy::for_send_bound(Duration::from_secs(60));
        assert_eq!(policy.lease, Duration::from_secs(120));
        assert_eq!(policy.max_attempts, 8);
        assert!(DeliveryPolicy::for_send_bound(Duration::from_secs(1)).lease >= Duration::from_secs(30));
    }
}
