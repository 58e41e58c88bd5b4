//! Several app processes on one PostgreSQL database behave as one. Runs on the server
//! `TEST_DATABASE_URL` names; under CI (`CI` set) without it, on the local server CI starts, so
//! these tests fail there rather than pass unseen when it is missing; elsewhere without it each
//! is reported as ignored, with the reason.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::needs::{Need, Test, postgres_url};
use crate::support::process::{ServerProcess, Spawn};
use crate::support::{JWT_SECRET, TestDb};
use crate::trial;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The tests of this module, each needing PostgreSQL.
pub fn tests() -> Vec<Test> {
    vec![
        trial!(fifty_accepts_across_two_instances_make_one_partnership),
        trial!(opposite_sends_on_two_instances_leave_one_pending_request),
        trial!(each_notification_is_delivered_once_by_two_workers),
        trial!(killing_one_instance_mid_load_loses_no_acknowledged_write),
        trial!(live_events_reach_a_user_connected_to_the_other_instance),
        trial!(a_session_made_on_one_instance_works_on_the_other),
    ]
    .into_iter()
    .map(|test| test.needs(Need::Postgres).worker_threads(4))
    .collect()
}

/// One `dealnest serve` process, logging JSON to a file of its own.
struct Instance {
    process: ServerProcess,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Instance {
    async fn start(db: &TestDb) -> Self {
        let dealnest::store::DatabaseUrl::Postgres(url) = &db.url else { panic!("needs PostgreSQL") };
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        let process = Spawn::new(url)
            .env("DEALNEST_LOG_FORMAT", "json")
            // Each test user sends more requests on its first day than a new account may.
            .env("DEALNEST_NEW_USER_REQUEST_QUOTA", "0")
            .env("RUST_LOG", "info")
            .stdout(std::fs::File::create(&log).unwrap())
            .start()
            .await;
        Self { base: process.base.clone(), process, log, _dir: dir }
    }

    /// The notification ids this instance's log says it delivered.
    fn delivered(&self) -> Vec<i64> {
        let file = std::fs::File::open(&self.log).unwrap();
        BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
            .filter(|event| event["target"] == "dealnest::mail")
            .filter_map(|event| event["notification_id"].as_i64())
            .collect()
    }
}

/// A client speaking to any instance as any user.
struct Client {
    http: reqwest::Client,
    keys: dealnest::auth::TokenKeys,
}

impl Client {
    fn new() -> Self {
        Self { http: reqwest::Client::new(), keys: dealnest::auth::TokenKeys::new(JWT_SECRET.as_bytes()) }
    }

    async fn post(&self, instance: &Instance, path: &str, user: Option<i64>, body: Value) -> (StatusCode, Value) {
        let mut request = self.http.post(format!("{}{}", instance.base, path)).json(&body);
        if let Some(user) = user {
            let token = self.keys.issue(dealnest::domain::UserId::parse(user).unwrap(), Duration::from_secs(600));
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                (status, response.json().await.unwrap_or(Value::Null))
            }
            Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Value::Null),
        }
    }

    async fn user(&self, instance: &Instance, name: &str) -> i64 {
        let (status, body) = self
            .post(instance, "/api/v1/users", None, json!({"email": format!("{name}@example.com"), "name": name}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }
}

/// A fresh database on the PostgreSQL server (each test needs `Need::Postgres`).
async fn postgres_db() -> TestDb {
    TestDb::postgres(postgres_url().expect("a PostgreSQL server")).await
}

async fn fifty_accepts_across_two_instances_make_one_partnership() {
    let db = postgres_db().await;
    let (one, two) = (Instance::start(&db).await, Instance::start(&db).await);
    let client = Client::new();
    let (alice, bob) = (client.user(&one, "alice").await, client.user(&two, "bob").await);
    let (_, request) = client.post(&one, "/api/v1/partner-requests", Some(alice), json!({"recipient_id": bob})).await;
    let id = request["request_id"].as_i64().unwrap();

    let path = format!("/api/v1/partner-requests/{id}/respond");
    let answers = join_all((0..50).map(|i| {
        let instance = if i % 2 == 0 { &one } else { &two };
        client.post(instance, &path, Some(bob), json!({"action": "accept"}))
    }))
    .await;
    assert_eq!(answers.iter().filter(|(s, _)| *s == StatusCode::OK).count(), 1);
    assert_eq!(answers.iter().filter(|(s, _)| *s == StatusCode::CONFLICT).count(), 49);
    assert_eq!(db.count("select count(*) from partnerships").await, 1);
}

async fn opposite_sends_on_two_instances_leave_one_pending_request() {
    let db = postgres_db().await;
    let (one, two) = (Instance::start(&db).await, Instance::start(&db).await);
    let client = Client::new();
    let (alice, bob) = (client.user(&one, "alice").await, client.user(&two, "bob").await);
    let sends = join_all((0..50).map(|i| {
        let (instance, from, to) = if i % 2 == 0 { (&one, alice, bob) } else { (&two, bob, alice) };
        client.post(instance, "/api/v1/partner-requests", Some(from), json!({"recipient_id": to}))
    }))
    .await;
    assert_eq!(sends.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 1);
    assert!(sends.iter().all(|(s, _)| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT));
    assert_eq!(db.count("select count(*) from partner_requests where status = 'pending'").await, 1);
}

async fn each_notification_is_delivered_once_by_two_workers() {
    let db = postgres_db().await;
    let (one, two) = (Instance::start(&db).await, Instance::start(&db).await);
    let client = Client::new();
    let mut users = Vec::new();
    for i in 0..21 {
        users.push(client.user(&one, &format!("u{i}")).await);
    }
    // 210 distinct pairs; the first 200 become requests, sent through both instances at once.
    let pairs: Vec<(i64, i64)> =
        (0..21).flat_map(|a| (a + 1..21).map(move |b| (a, b))).take(200).map(|(a, b)| (users[a], users[b])).collect();
    let sends = join_all(pairs.iter().enumerate().map(|(i, &(from, to))| {
        let instance = if i % 2 == 0 { &one } else { &two };
        client.post(instance, "/api/v1/partner-requests", Some(from), json!({"recipient_id": to}))
    }))
    .await;
    assert!(sends.iter().all(|(s, _)| *s == StatusCode::CREATED));

    let deadline = Instant::now() + Duration::from_secs(30);
    while db.count("select count(*) from notifications where delivered_at is null").await > 0 {
        assert!(Instant::now() < deadline, "deliveries did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for id in one.delivered().into_iter().chain(two.delivered()) {
        *seen.entry(id).or_default() += 1;
    }
    // Some users receive up to 20 requests: past the hourly cap of 10 mails per recipient (held
    // by the two instances together), the rest wait for the daily digest.
    let held = db.count("select count(*) from notifications where mail = 'digest'").await;
    assert_eq!(seen.len() as i64 + held, 200, "every notification mailed or held for the digest");
    assert!(seen.values().all(|&n| n == 1), "none delivered twice: {seen:?}");
    assert!(!one.delivered().is_empty() && !two.delivered().is_empty(), "both workers took part");
    let most = db
        .count(
            "select coalesce(max(mailed), 0) from (select count(*) as mailed from notifications \
         where mail = 'sent' group by user_id) per_recipient",
        )
        .await;
    assert!(most <= 10, "at most 10 mails to one recipient, across both instances: {most}");
    assert!(held > 0, "the cap held some back");
}

async fn killing_one_instance_mid_load_loses_no_acknowledged_write() {
    let db = postgres_db().await;
    let (one, two) = (Instance::start(&db).await, Instance::start(&db).await);
    let victim = one.process.child.id().to_string();
    let client = Client::new();
    let mut users = Vec::new();
    for i in 0..30 {
        users.push(client.user(&two, &format!("k{i}")).await);
    }
    let pairs: Vec<(i64, i64)> =
        (0..30).flat_map(|a| (a + 1..30).map(move |b| (a, b))).map(|(a, b)| (users[a], users[b])).collect();

    let load = async {
        let mut acknowledged = Vec::new();
        for chunk in pairs.chunks(20) {
            let results = join_all(chunk.iter().enumerate().map(|(i, &(from, to))| {
                let instance = if i % 2 == 0 { &one } else { &two };
                client.post(instance, "/api/v1/partner-requests", Some(from), json!({"recipient_id": to}))
            }))
            .await;
            acknowledged.extend(
                results
                    .into_iter()
                    .filter(|(s, _)| *s == StatusCode::CREATED)
                    .map(|(_, b)| b["request_id"].as_i64().unwrap()),
            );
        }
        acknowledged
    };
    let killer = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let killed = Command::new("kill").args(["-KILL", &victim]).status().unwrap();
        assert!(killed.success());
    };
    let (acknowledged, ()) = tokio::join!(load, killer);
    assert!(acknowledged.len() > 20, "some writes were acknowledged");

    let raw = db.raw().await;
    for id in &acknowledged {
        let found: i64 = sqlx::query_scalar("select count(*) from partner_requests where request_id = $1")
            .bind(id)
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(found, 1, "acknowledged request {id} is missing");
    }
    let pending_pairs: i64 = db
        .count(
            "select count(*) from (select user_low, user_high from partner_requests where status = 'pending' \
         group by user_low, user_high having count(*) > 1) d",
        )
        .await;
    assert_eq!(pending_pairs, 0);
}

async fn live_events_reach_a_user_connected_to_the_other_instance() {
    let db = postgres_db().await;
    let (one, two) = (Instance::start(&db).await, Instance::start(&db).await);
    let client = Client::new();
    let (alice, bob) = (client.user(&one, "alice").await, client.user(&one, "bob").await);

    // Bob listens on instance two; Alice acts through instance one.
    let token = client.keys.issue(dealnest::domain::UserId::parse(bob).unwrap(), Duration::from_secs(600));
    let mut stream = client.http.get(format!("{}/events", two.base)).bearer_auth(token).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    // Give the stream a moment to subscribe before the event is published.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = client.post(&one, "/api/v1/partner-requests", Some(alice), json!({"recipient_id": bob})).await;
    assert_eq!(status, StatusCode::CREATED);

    let mut seen = String::new();
    let heard = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(Some(chunk)) = stream.chunk().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: request_received") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(heard, Ok(true), "Bob's stream on instance two heard nothing within 2 s: {seen:?}");
}

async fn a_session_made_on_one_instance_works_on_the_other() {
    let db = postgres_db().await;
    let (one, two) = (Instance::start(&db).await, Instance::start(&db).await);
    let client = Client::new();
    let alice = client.user(&one, "alice").await;

    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed_in = browser
        .post(format!("{}/session", one.base))
        .header("Origin", one.base.as_str())
        .form(&[("user_id", alice.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("dealnest_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();

    let page = browser.get(format!("{}/", two.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Hello, alice"), "instance two knows the session: {html}");
    let api = browser.get(format!("{}/api/v1/users/{alice}/notifications", two.base)).header("cookie", &cookie);
    assert_eq!(api.send().await.unwrap().status(), StatusCode::OK, "the API accepts the same session");
}
