//! Delivery of notifications from the outbox.
//!
//! The store writes each notification in the same transaction as the change it reports; this
//! worker delivers them after commit, so a slow or failing sink never slows or fails a request.
//! It wakes as soon as a commit wrote a notification, retries failures with exponential backoff
//! and jitter, and gives up after a set number of attempts, leaving the row marked failed.

use std::time::Duration;

use rand::Rng;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::domain::Timestamp;
use crate::store::{PendingDelivery, Store};

/// How the worker retries.
#[derive(Debug, Clone)]
pub struct DeliveryPolicy {
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further one, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a claimed row stays with its worker before another may retry it.
    pub lease: Duration,
    pub batch: i64,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(600),
            lease: Duration::from_secs(120),
            batch: 50,
        }
    }
}

impl DeliveryPolicy {
    /// The wait before attempt `attempt + 1`: base·2^(attempt-1), capped, with ±25 % jitter so
    /// that many failures do not retry in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_backoff.saturating_mul(1 << attempt.saturating_sub(1).min(20));
        let capped = exp.min(self.max_backoff);
        let jitter = rand::rng().random_range(0.75..1.25);
        capped.mul_f64(jitter)
    }
}

/// Where notifications go.
#[derive(Debug, Clone)]
pub enum Sink {
    /// The seed's mock: a structured log event per notification.
    Log,
}

impl Sink {
    async fn deliver(&self, delivery: &PendingDelivery) -> Result<(), String> {
        match self {
            Self::Log => {
                let n = &delivery.notification;
                tracing::info!(
                    target: "dealnest::mail",
                    notification_id = n.id.get(),
                    to = %delivery.email,
                    to_name = %delivery.name,
                    subject = n.kind.subject(),
                    body = %n.text,
                    "📧 EMAIL NOTIFICATION: Sent (mocked)"
                );
                Ok(())
            }
        }
    }
}

/// Starts the delivery worker; it stops when `shutdown` is cancelled, after finishing the
/// delivery in hand.
pub fn spawn_worker(store: Store, sink: Sink, policy: DeliveryPolicy, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            let batch = match store.claim_deliveries(policy.batch, policy.lease).await {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::warn!(%error, "could not read the outbox; retrying shortly");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        () = shutdown.cancelled() => break,
                    }
                }
            };
            let full = batch.len() as i64 == policy.batch;
            for delivery in &batch {
                deliver_one(&store, &sink, &policy, delivery).await;
            }
            if full {
                continue;
            }
            let wait = match store.next_delivery_due().await {
                Ok(Some(due)) => {
                    Duration::from_millis(due.millis().saturating_sub(Timestamp::now().millis()).max(0) as u64)
                }
                _ => Duration::from_secs(60),
            };
            tokio::select! {
                () = store.outbox_written() => {}
                () = tokio::time::sleep(wait.min(Duration::from_secs(60))) => {}
                () = shutdown.cancelled() => break,
            }
        }
    })
}

async fn deliver_one(store: &Store, sink: &Sink, policy: &DeliveryPolicy, delivery: &PendingDelivery) {
    let id = delivery.notification.id;
    let outcome = match sink.deliver(delivery).await {
        Ok(()) => store.mark_delivered(id).await,
        Err(error) => {
            let retry_at = (delivery.attempt < policy.max_attempts).then(|| {
                Timestamp::from_millis(Timestamp::now().millis() + policy.backoff(delivery.attempt).as_millis() as i64)
            });
            if retry_at.is_none() {
                tracing::error!(notification_id = id.get(), attempts = delivery.attempt, %error, "notification delivery failed; giving up");
            } else {
                tracing::warn!(notification_id = id.get(), attempt = delivery.attempt, %error, "notification delivery failed; will retry");
            }
            store.mark_delivery_failed(id, &error, retry_at).await
        }
    };
    if let Err(error) = outcome {
        tracing::warn!(notification_id = id.get(), %error, "could not record the delivery outcome; it will be retried");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = DeliveryPolicy::default();
        let first = policy.backoff(1);
        assert!(first >= Duration::from_millis(1500) && first <= Duration::from_millis(2500));
        let third = policy.backoff(3);
        assert!(third >= Duration::from_secs(6) && third <= Duration::from_secs(10));
        assert!(policy.backoff(30) <= policy.max_backoff.mul_f64(1.25));
    }
}
