//! A database made by the previous release (migrations up to 0012, with requests in every state)
//! upgrades in place when the new server starts on it: each request gets its expiry (creation
//! plus the default lifetime of 30 days), the counts stay right, and the new rules apply.

use std::path::Path;

use dealnest::domain::{Clock, DAY_MS, Timestamp};
use dealnest::store::DatabaseUrl;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection;
use sqlx::migrate::Migrator;

use crate::support::{TestApp, TestDb};

/// The last migration the previous release shipped.
const PREVIOUS_RELEASE: &str = "0012";

/// Applies the migrations of the previous release to `db`, through a copy of them.
async fn migrate_as_previous_release(db: &TestDb) {
    let backend = if db.is_postgres() { "postgres" } else { "sqlite" };
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    let old = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() <= PREVIOUS_RELEASE {
            std::fs::copy(&path, old.path().join(name)).unwrap();
        }
    }
    let migrator = Migrator::new(old.path()).await.unwrap();
    match &db.url {
        DatabaseUrl::Sqlite(path) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
            migrator.run(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            migrator.run(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_database_of_the_previous_release_upgrades_in_place() {
    let db = TestDb::new().await;
    migrate_as_previous_release(&db).await;
    let now = Timestamp::now().millis();
    let (ten_days_ago, forty_days_ago) = (now - 10 * DAY_MS, now - 40 * DAY_MS);
    {
        let raw = db.raw().await;
        for statement in [
            format!(
                "insert into users (email, name, name_key, created_at) values \
                 ('alice@example.com', 'Alice', 'alice', {forty_days_ago}), \
                 ('bob@example.com', 'Bob', 'bob', {forty_days_ago}), ('carol@example.com', 'Carol', 'carol', {forty_days_ago})"
            ),
            format!(
                "insert into partner_requests (sender_id, recipient_id, user_low, user_high, status, created_at) \
                 values (1, 2, 1, 2, 'pending', {ten_days_ago})"
            ),
            format!(
                "insert into partner_requests (sender_id, recipient_id, user_low, user_high, status, created_at) \
                 values (3, 2, 2, 3, 'pending', {forty_days_ago})"
            ),
            format!(
                "insert into partner_requests (sender_id, recipient_id, user_low, user_high, status, created_at, \
                 responded_at) values (1, 3, 1, 3, 'rejected', {ten_days_ago}, {ten_days_ago})"
            ),
            format!(
                "insert into notifications (user_id, kind, text, request_id, created_at, next_attempt_at, delivered_at) \
                 values (2, 'request_received', 'You have a new partner request from Alice.', 1, {ten_days_ago}, \
                 {ten_days_ago}, {ten_days_ago})"
            ),
        ] {
            sqlx::query(&statement).execute(&raw).await.unwrap();
        }
        raw.close().await;
    }

    let clock = Clock::fixed(Timestamp::from_millis(now));
    let app = TestApp::spawn_on(db, move |s| s.service.clock = clock).await;
    let (alice, bob, carol) = (1, 2, 3);
    let (_, young) = app.get("/api/v1/partner-requests/1", Some(alice)).await;
    assert_eq!(young["status"], "pending", "{young}");
    assert_eq!(young["expires_at"], Timestamp::from_millis(ten_days_ago + 30 * DAY_MS).rfc3339());
    let (_, old) = app.get("/api/v1/partner-requests/2", Some(carol)).await;
    assert_eq!(old["status"], "expired", "older than the lifetime at the upgrade: {old}");
    let (_, received) = app.get(&format!("/api/v1/partner-requests/received/{bob}"), Some(bob)).await;
    assert_eq!(
        (received["pagination"]["total"].as_i64(), &received["requests"][0]["request_id"]),
        (Some(1), &json!(1))
    );
    let (_, notes) = app.get(&format!("/api/v1/users/{bob}/notifications"), Some(bob)).await;
    assert_eq!(notes["pagination"]["total"], 1, "{notes}");

    app.service().lifecycle().sweep().await.unwrap();
    let raw = app.db.raw().await;
    let statuses: Vec<String> =
        sqlx::query_scalar("select status from partner_requests order by request_id").fetch_all(&raw).await.unwrap();
    assert_eq!(statuses, ["pending", "expired", "rejected"]);
    let pending: i64 =
        sqlx::query_scalar("select pending_received from user_counts where user_id = 2").fetch_one(&raw).await.unwrap();
    assert_eq!(pending, 1);
    // The expired pair may ask again; a rejection from before the upgrade starts no cooldown.
    assert_eq!(app.request(carol, bob).await, 4);
    let (status, body) = app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": carol})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.respond(bob, 1, "accept").await.0, StatusCode::OK);
}
