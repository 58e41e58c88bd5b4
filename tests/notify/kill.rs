//! The real binary killed with SIGKILL while a notification is undelivered: the next start
//! delivers it. (Unix only: `Child::kill` sends SIGKILL there.)
#![cfg(unix)]

use std::time::Duration;

use dealnest::auth::TokenKeys;
use dealnest::domain::UserId;
use serde_json::{Value, json};

use super::smtp::SmtpReceiver;
use super::wait_outbox;
use crate::support::process::{ServerProcess, Spawn, free_port};
use crate::support::{JWT_SECRET, TestDb};

/// A `dealnest serve` process mailing through `smtp_url`, retrying every second.
async fn start(db: &TestDb, smtp_url: &str) -> ServerProcess {
    Spawn::new(&db.connection_url())
        .env("DEALNEST_SMTP_URL", smtp_url)
        .env("DEALNEST_SMTP_TIMEOUT", "1")
        .env("DEALNEST_DELIVERY_BACKOFF", "1")
        .env("DEALNEST_DELIVERY_MAX_ATTEMPTS", "100")
        .start()
        .await
}

async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let request = client.post(url).json(&body);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().await.expect("request sent");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("JSON body")
}

#[tokio::test]
async fn a_killed_server_delivers_on_its_next_start() {
    let db = TestDb::new().await;
    let client = reqwest::Client::new();
    let mail_server_down = format!("smtp://{}", free_port());
    let mut first = start(&db, &mail_server_down).await;
    let base = first.base.clone();
    // After the server created the database.
    let raw = db.raw().await;

    let alice =
        post(&client, format!("{base}/api/v1/users"), None, json!({"email": "alice@example.com", "name": "Alice"}))
            .await["id"]
            .as_i64()
            .unwrap();
    let bob = post(&client, format!("{base}/api/v1/users"), None, json!({"email": "bob@example.com", "name": "Bob"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let token = TokenKeys::new(JWT_SECRET.as_bytes()).issue(UserId::parse(alice).unwrap(), Duration::from_secs(600));
    post(&client, format!("{base}/api/v1/partner-requests"), Some(&token), json!({ "recipient_id": bob })).await;
    // Committed, tried, not delivered: the mail server is down. Waiting for the recorded error
    // (not only the count of attempts, which the claim raises) kills the process between two
    // attempts rather than during one.
    wait_outbox(&raw, Duration::from_secs(10), "a delivery attempt fails", |rows| {
        rows.len() == 1 && rows[0].last_error.is_some() && !rows[0].delivered
    })
    .await;

    first.kill();
    let receiver = SmtpReceiver::start().await;
    let _second = start(&db, &receiver.url()).await;

    // Normally within the retry delay (about a second). Should the kill still have hit an
    // attempt in progress, the row is leased to the dead process for 30 s first.
    let mails = receiver.wait_for(1, Duration::from_secs(45)).await;
    assert_eq!(mails[0].to, ["bob@example.com"]);
    assert_eq!(mails[0].header("Subject").as_deref(), Some("New Partner Request"));
}
