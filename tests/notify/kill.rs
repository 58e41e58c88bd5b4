//! The real binary killed with SIGKILL while a notification is undelivered: the next start
//! delivers it. (Unix only: `Child::kill` sends SIGKILL there.)
#![cfg(unix)]

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dealnest::auth::TokenKeys;
use dealnest::domain::UserId;
use serde_json::{Value, json};

use crate::smtp::{SmtpReceiver, unused_port};
use crate::support::{JWT_SECRET, TestDb};
use crate::wait_outbox;

/// A `dealnest serve` process; killed (SIGKILL) when dropped.
struct Process(Child);

impl Process {
    fn start(db: &TestDb, bind: SocketAddr, smtp_url: &str) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_dealnest"))
            .arg("serve")
            .env("DATABASE_URL", db.connection_url())
            .env("DEALNEST_BIND", bind.to_string())
            .env("DEALNEST_JWT_SECRET", JWT_SECRET)
            .env("DEALNEST_SMTP_URL", smtp_url)
            .env("DEALNEST_SMTP_TIMEOUT", "1")
            .env("DEALNEST_DELIVERY_BACKOFF", "1")
            .env("DEALNEST_DELIVERY_MAX_ATTEMPTS", "100")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the dealnest binary starts");
        Self(child)
    }

    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server at {base} did not become ready");
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
    let mail_server_down = format!("smtp://{}", unused_port());
    let bind = unused_port();
    let base = format!("http://{bind}");
    let mut first = Process::start(&db, bind, &mail_server_down);
    wait_ready(&client, &base).await;
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
    let bind = unused_port();
    let _second = Process::start(&db, bind, &receiver.url());

    // Normally within the retry delay (about a second). Should the kill still have hit an
    // attempt in progress, the row is leased to the dead process for 30 s first.
    let mails = receiver.wait_for(1, Duration::from_secs(45)).await;
    assert_eq!(mails[0].to, ["bob@example.com"]);
    assert_eq!(mails[0].header("Subject").as_deref(), Some("New Partner Request"));
}
