//! Notifications end to end: mail through a real SMTP conversation (a receiver in the test), retries
//! while the mail server is down, restarts and shutdown with undelivered rows, and the live event
//! stream. Runs on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set.

mod delivery;
mod digest;
mod events;
mod kill;
mod preferences;
mod smtp;

use std::time::Duration;

use crate::support::TestApp;
use dealnest::config::Settings;
use dealnest::notify::{DeliveryPolicy, SmtpUrl};
use sqlx::{AnyPool, Row};

/// Retries fast enough for a test.
pub fn fast_retries(max_attempts: u32) -> DeliveryPolicy {
    DeliveryPolicy {
        max_attempts,
        base_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(250),
        lease: Duration::from_secs(10),
        batch: 50,
        ..DeliveryPolicy::default()
    }
}

/// Settings that mail through `url` under `policy`.
pub fn mailing(url: &str, policy: DeliveryPolicy) -> impl FnOnce(&mut Settings) + use<> {
    let url = SmtpUrl::parse(url).expect("a valid test SMTP URL");
    move |settings| {
        settings.mail.smtp_url = Some(url);
        settings.mail.smtp_timeout = Duration::from_secs(2);
        settings.delivery = policy;
    }
}

/// One notification row, as far as delivery goes.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub user_id: i64,
    #[allow(dead_code, reason = "shown through Debug in wait_outbox's failure message")]
    pub kind: String,
    pub delivered: bool,
    pub failed: bool,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub async fn outbox(raw: &AnyPool) -> Vec<OutboxRow> {
    sqlx::query(
        "select notification_id, user_id, kind, delivered_at, failed_at, attempts, last_error \
         from notifications order by notification_id",
    )
    .fetch_all(raw)
    .await
    .expect("read the outbox")
    .iter()
    .map(|row| OutboxRow {
        id: row.get("notification_id"),
        user_id: row.get("user_id"),
        kind: row.get("kind"),
        delivered: row.get::<Option<i64>, _>("delivered_at").is_some(),
        failed: row.get::<Option<i64>, _>("failed_at").is_some(),
        attempts: row.get("attempts"),
        last_error: row.get("last_error"),
    })
    .collect()
}

/// Polls the outbox until `done` holds; panics with `what` and the rows after `within`.
pub async fn wait_outbox(
    raw: &AnyPool,
    within: Duration,
    what: &str,
    done: impl Fn(&[OutboxRow]) -> bool,
) -> Vec<OutboxRow> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let rows = outbox(raw).await;
        if done(&rows) {
            return rows;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within {within:?}; outbox: {rows:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The sum of every series of metric `name` on `/metrics` (the recorder is shared by all the
/// tests of this binary, so callers compare with "at least").
pub async fn metric(app: &TestApp, name: &str) -> Option<f64> {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let values: Vec<f64> = text
        .lines()
        .filter(|line| line.strip_prefix(name).is_some_and(|rest| rest.starts_with([' ', '{'])))
        .filter_map(|line| line.rsplit(' ').next()?.parse().ok())
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}
