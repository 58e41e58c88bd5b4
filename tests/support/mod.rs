//! Test harness shared by the two integration test binaries (`app` and `system`): a real server
//! on a fresh database (a temporary SQLite file, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` is set), a client with typed helpers, the server binary as a process of
//! its own (`process`), and what a test needs beyond Rust (`needs`).
#![allow(dead_code)]

pub mod events;
pub mod needs;
pub mod process;
pub mod web;

use std::time::Duration;

use dealnest::Server;
use dealnest::auth::TokenKeys;
use dealnest::config::Settings;
use dealnest::domain::{Clock, UserId};
use dealnest::store::DatabaseUrl;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough";

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: DatabaseUrl,
    /// Keeps the SQLite file's directory alive.
    _dir: Option<tempfile::TempDir>,
    /// For PostgreSQL: the server URL and the database to drop.
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(base) => Self::postgres(base).await,
            None => Self::sqlite(),
        }
    }

    /// A temporary SQLite database, whatever `TEST_DATABASE_URL` says.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("dealnest.db");
        Self { url: DatabaseUrl::Sqlite(path), _dir: Some(dir), postgres: None }
    }

    /// A new database on the PostgreSQL server at `base` (its own database's URL).
    pub async fn postgres(base: String) -> Self {
        use sqlx::Connection;
        let name = format!("dealnest_test_{}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&base).await.expect("the PostgreSQL server answers");
        sqlx::query(&format!("create database {name}")).execute(&mut admin).await.expect("create test database");
        admin.close().await.ok();
        let url = with_database(&base, &name);
        Self { url: DatabaseUrl::Postgres(url), _dir: None, postgres: Some((base, name)) }
    }

    /// The `DATABASE_URL` of this database, for a server started as a separate process.
    pub fn connection_url(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// On PostgreSQL: the server's own database (to administer this one from outside it) and
    /// this database's name.
    pub fn postgres_server(&self) -> Option<(&str, &str)> {
        self.postgres.as_ref().map(|(base, name)| (base.as_str(), name.as_str()))
    }

    /// The number a `select count(*) …` of the test's own finds.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.raw().await).await.unwrap()
    }

    /// A raw connection for assertions on rows (the application itself never runs SQL outside
    /// its store).
    pub async fn raw(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let url = match &self.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        };
        sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&url).await.expect("raw connection")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = self.postgres.take() {
            // Drop runs outside async context: use a short-lived runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&base).await {
                        let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                            .execute(&mut admin)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// `base` with its database name replaced by `name`.
pub fn with_database(base: &str, name: &str) -> String {
    let (without_query, query) = base.split_once('?').map_or((base, None), |(a, q)| (a, Some(q)));
    let scheme_end = without_query.find("://").map_or(0, |i| i + 3);
    let path_start = without_query[scheme_end..].find('/').map(|i| i + scheme_end);
    let server = path_start.map_or(without_query, |i| &without_query[..i]);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

/// A running application on a fresh database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub server: Option<Server>,
    pub db: TestDb,
    keys: TokenKeys,
}

impl TestApp {
    /// A server whose clock is `clock`: the test moves time with `Clock::advance_millis`.
    pub async fn with_clock(clock: &Clock) -> Self {
        let clock = clock.clone();
        Self::spawn_with(move |s| s.service.clock = clock).await
    }

    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with settings adjusted by `configure`.
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_on(TestDb::new().await, configure).await
    }

    /// Spawns on a database the test prepared (e.g. one made by an older release).
    pub async fn spawn_on(db: TestDb, configure: impl FnOnce(&mut Settings)) -> Self {
        let server = start_server(&db, configure).await;
        let base = format!("http://{}", server.addr());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self { base, client, server: Some(server), db, keys: TokenKeys::new(JWT_SECRET.as_bytes()) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A valid bearer token for `user`.
    pub fn token(&self, user: i64) -> String {
        self.keys.issue(UserId::parse(user).unwrap(), Duration::from_secs(3600))
    }

    pub async fn get(&self, path: &str, user: Option<i64>) -> (StatusCode, Value) {
        self.send(self.client.get(self.url(path)), user).await
    }

    pub async fn post(&self, path: &str, user: Option<i64>, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(self.url(path)).json(&body), user).await
    }

    pub async fn delete(&self, path: &str, user: Option<i64>) -> (StatusCode, Value) {
        self.send(self.client.delete(self.url(path)), user).await
    }

    /// Sends `request` as `user` (bearer token) and returns the status and the JSON body
    /// (`Value::Null` when the body is empty).
    pub async fn send(&self, request: reqwest::RequestBuilder, user: Option<i64>) -> (StatusCode, Value) {
        let request = match user {
            Some(user) => request.bearer_auth(self.token(user)),
            None => request,
        };
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
        };
        (status, body)
    }

    /// Creates a user named `name` (e-mail `<name>@example.com`) and returns its id.
    pub async fn user(&self, name: &str) -> i64 {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let (status, body) = self.post("/api/v1/users", None, json!({ "email": email, "name": name })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// `from` sends `to` a partner request; returns its id.
    pub async fn request(&self, from: i64, to: i64) -> i64 {
        let (status, body) = self.post("/api/v1/partner-requests", Some(from), json!({ "recipient_id": to })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["request_id"].as_i64().unwrap()
    }

    pub async fn respond(&self, user: i64, request: i64, action: &str) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/partner-requests/{request}/respond"), Some(user), json!({ "action": action })).await
    }

    /// A second server on this app's database, as another instance of the service would be;
    /// it answers at `http://<its addr()>`; the test stops it.
    pub async fn another_instance(&self) -> Server {
        start_server(&self.db, |_| {}).await
    }

    /// Like [`TestApp::another_instance`], with settings adjusted by `configure`.
    pub async fn another_instance_with(&self, configure: impl FnOnce(&mut Settings)) -> Server {
        start_server(&self.db, configure).await
    }

    /// The running server's use cases (to run its background work at a moment the test chooses).
    pub fn service(&self) -> &dealnest::service::Service {
        self.server.as_ref().expect("the server runs").service()
    }

    /// Stops the server (if it runs) and starts a new one on the same database, with settings
    /// adjusted by `configure`: a restart of the process.
    pub async fn restart_with(&mut self, configure: impl FnOnce(&mut Settings)) {
        self.stop().await;
        let server = start_server(&self.db, configure).await;
        self.base = format!("http://{}", server.addr());
        self.server = Some(server);
    }

    /// Stops the server gracefully.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("server stops cleanly");
        }
    }
}

/// A server on `db` at a free port, with the test secret and settings adjusted by `configure`.
async fn start_server(db: &TestDb, configure: impl FnOnce(&mut Settings)) -> Server {
    let mut settings = Settings::for_database(db.url.clone());
    settings.jwt_secret = Some(JWT_SECRET.into());
    configure(&mut settings);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    Server::start_on(settings, listener).await.expect("server starts")
}

/// Asserts the contract's error body with `code`.
#[track_caller]
pub fn assert_error(response: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(response.0, status, "body: {}", response.1);
    assert_eq!(response.1["error"]["code"], code, "body: {}", response.1);
    assert!(response.1["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "body: {}", response.1);
}

/// Every row that a refused call must leave alone (requests and their status, partnerships,
/// blocks, notifications and whether they were read), in a comparable form.
pub async fn snapshot(db: &TestDb) -> Vec<String> {
    let raw = db.raw().await;
    let mut rows = Vec::new();
    for sql in [
        "select 'r' || request_id || ':' || status from partner_requests order by request_id",
        "select 'p' || partnership_id || ':' || user_a_id || '-' || user_b_id from partnerships order by partnership_id",
        "select 'b' || blocker_id || '>' || blocked_id from blocks order by blocker_id, blocked_id",
        "select 'n' || notification_id || ':' || user_id || ':' || coalesce(read_at, 0) from notifications \
         order by notification_id",
    ] {
        let found: Vec<String> = sqlx::query_scalar(sql).fetch_all(&raw).await.expect("snapshot query");
        rows.extend(found);
    }
    rows
}

/// Milliseconds since the epoch of an RFC 3339 value of a JSON body.
pub fn millis(rfc3339: &Value) -> i64 {
    let at = time::OffsetDateTime::parse(rfc3339.as_str().unwrap(), &time::format_description::well_known::Rfc3339);
    (at.unwrap().unix_timestamp_nanos() / 1_000_000) as i64
}
