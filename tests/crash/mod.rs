//! Crash safety on SQLite: a release build is killed with SIGKILL several times while writes are
//! in flight; after each restart every write that was acknowledged with a 2xx is present, the
//! invariants hold, and `PRAGMA integrity_check` says `ok`.
//!
//! Ignored by default (it needs a release build); `.ci/run` runs it with
//! `cargo build --release && cargo test --test system -- --ignored crash::`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::JWT_SECRET;
use crate::support::needs::Test;
use crate::support::process::{ServerProcess, Spawn, free_port};
use crate::trial;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub fn tests() -> Vec<Test> {
    vec![
        trial!(acknowledged_writes_survive_sigkill)
            .worker_threads(2)
            .ignored("needs a release build (`cargo build --release`); .ci/run runs it"),
    ]
}

fn release_binary() -> PathBuf {
    let path = std::env::var_os("DEALNEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/dealnest"));
    assert!(path.exists(), "{} is missing: run `cargo build --release` first", path.display());
    path
}

/// The release build on the SQLite file `db`, at `addr`, limits and quotas off.
async fn start(db: &Path, addr: SocketAddr) -> ServerProcess {
    Spawn::binary(release_binary(), &format!("sqlite://{}", db.display()))
        .at(addr)
        .env("DEALNEST_RATE_LIMIT", "0")
        .env("DEALNEST_DAILY_REQUEST_QUOTA", "0")
        .env("DEALNEST_NEW_USER_REQUEST_QUOTA", "0")
        .env("RUST_LOG", "warn")
        .start()
        .await
}

/// What the server acknowledged.
#[derive(Default)]
struct Acknowledged {
    users: Vec<i64>,
    requests: Vec<i64>,
    accepted: Vec<i64>,
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    path: impl AsRef<str>,
    user: Option<i64>,
    body: Value,
) -> Option<Value> {
    let path = path.as_ref();
    let mut request = client.post(format!("{base}{path}")).json(&body).timeout(Duration::from_secs(5));
    if let Some(user) = user {
        let keys = dealnest::auth::TokenKeys::new(JWT_SECRET.as_bytes());
        request =
            request.bearer_auth(keys.issue(dealnest::domain::UserId::parse(user).unwrap(), Duration::from_secs(600)));
    }
    let response = request.send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json().await.ok()
}

async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let addr = free_port();
    let client = reqwest::Client::new();
    let mut acked = Acknowledged::default();

    for round in 0..5 {
        let mut process = start(&db, addr).await;
        let base = process.base.clone();
        let pid = process.child.id();
        // Kill the process at a random moment while a burst of writes is in flight.
        let killer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150 + 70 * round)).await;
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        });
        let mut i = 0;
        loop {
            let names: Vec<String> = (0..8).map(|k| format!("r{round}u{i}k{k}")).collect();
            let created = join_all(names.iter().map(|n| {
                post(&client, &base, "/api/v1/users", None, json!({"email": format!("{n}@example.com"), "name": n}))
            }))
            .await;
            let new_users: Vec<i64> = created.iter().flatten().filter_map(|u| u["id"].as_i64()).collect();
            acked.users.extend(&new_users);
            if new_users.len() < 2 {
                break; // the process is gone
            }
            let sends =
                join_all(new_users.windows(2).map(|w| {
                    post(&client, &base, "/api/v1/partner-requests", Some(w[0]), json!({"recipient_id": w[1]}))
                }))
                .await;
            let sent: Vec<(i64, i64)> = sends
                .iter()
                .flatten()
                .map(|r| (r["request_id"].as_i64().unwrap(), r["recipient_id"].as_i64().unwrap()))
                .collect();
            acked.requests.extend(sent.iter().map(|(id, _)| id));
            let accepts = join_all(sent.iter().step_by(2).map(|&(id, recipient)| {
                post(
                    &client,
                    &base,
                    format!("/api/v1/partner-requests/{id}/respond"),
                    Some(recipient),
                    json!({"action": "accept"}),
                )
            }))
            .await;
            acked.accepted.extend(accepts.iter().flatten().filter_map(|r| r["request_id"].as_i64()));
            i += 1;
        }
        killer.await.unwrap();
        process.kill();
    }
    assert!(acked.requests.len() > 50, "enough writes were acknowledged ({})", acked.requests.len());

    // Restart once more (recovering the WAL), then check everything acknowledged is there.
    let mut process = start(&db, addr).await;
    let raw = {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&format!("sqlite://{}", db.display())).await.unwrap()
    };
    let integrity: String = sqlx::query_scalar("pragma integrity_check").fetch_one(&raw).await.unwrap();
    assert_eq!(integrity, "ok");
    for &user in &acked.users {
        let n: i64 = sqlx::query_scalar("select count(*) from users where user_id = $1")
            .bind(user)
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(n, 1, "acknowledged user {user} lost");
    }
    for &request in &acked.requests {
        let n: i64 = sqlx::query_scalar(
            "select count(*) from partner_requests where request_id = $1 and exists \
                (select 1 from notifications where request_id = $1 and kind = 'request_received')",
        )
        .bind(request)
        .fetch_one(&raw)
        .await
        .unwrap();
        assert_eq!(n, 1, "acknowledged request {request} (or its notification) lost");
    }
    for &request in &acked.accepted {
        let status: String = sqlx::query_scalar("select status from partner_requests where request_id = $1")
            .bind(request)
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(status, "accepted", "acknowledged acceptance of {request} lost");
    }
    let accepted: i64 = sqlx::query_scalar("select count(*) from partner_requests where status = 'accepted'")
        .fetch_one(&raw)
        .await
        .unwrap();
    let partnerships: i64 = sqlx::query_scalar("select count(*) from partnerships").fetch_one(&raw).await.unwrap();
    assert_eq!(accepted, partnerships, "every acceptance has exactly its partnership");
    let (status, _) = (reqwest::get(format!("{}/readyz", process.base)).await.unwrap().status(), ());
    assert_eq!(status, StatusCode::OK);
    process.kill();
}
