//! PostgreSQL outages: the database refusing connections, every connection killed under load,
//! the live-event relay cut off, and (ignored by default: it stops the shared server) a restart.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

use super::metric;
use crate::support::events::{EventStream, SOON};
use crate::support::needs::postgres_url;
use crate::support::web::Browser;
use crate::support::{TestApp, TestDb, assert_error};

const DOWN: &str = "The database is not reachable right now; nothing was changed. Please try again shortly.";

/// A server on a fresh database of the PostgreSQL server (each test needs `Need::Postgres`),
/// with settings adjusted by `configure`.
async fn postgres_app(configure: impl FnOnce(&mut dealnest::config::Settings)) -> TestApp {
    let db = TestDb::postgres(postgres_url().expect("a PostgreSQL server")).await;
    TestApp::spawn_on(db, configure).await
}

/// A connection to the PostgreSQL server from outside the test's database, and that database's
/// name.
async fn admin(app: &TestApp) -> (sqlx::AnyConnection, String) {
    let (server, database) = app.db.postgres_server().expect("a database on PostgreSQL");
    sqlx::any::install_default_drivers();
    (sqlx::AnyConnection::connect(server).await.unwrap(), database.to_owned())
}

/// Ends every connection to `database` but the caller's own (`query_like`: only those whose
/// query matches).
async fn terminate(admin: &mut sqlx::AnyConnection, database: &str, query_like: &str) -> i64 {
    let sql = format!(
        "select count(pg_terminate_backend(pid)) from pg_stat_activity \
         where datname = '{database}' and pid <> pg_backend_pid() and query like '{query_like}'"
    );
    sqlx::query_scalar(&sql).fetch_one(admin).await.unwrap()
}

/// Waits until the instance at `base` is ready again: at most a couple of probe intervals after
/// the database is back.
async fn back_within_a_probe(base: &str) {
    let started = std::time::Instant::now();
    while !reqwest::get(format!("{base}/readyz")).await.is_ok_and(|r| r.status() == StatusCode::OK) {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "not ready {:?} after the database came back",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// While the database refuses connections every request that needs it is 503
/// `database_unavailable` (the pages too), `/readyz` fails, and the first requests after it
/// accepts them again succeed on fresh connections.
pub async fn while_the_database_refuses_connections_requests_are_503_and_none_fails_after() {
    let app = postgres_app(|_| {}).await;
    let (mut admin, database) = admin(&app).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;
    let request = app.request(alice, bob).await;

    sqlx::query(&format!("alter database {database} allow_connections false")).execute(&mut admin).await.unwrap();
    terminate(&mut admin, &database, "%").await;
    let write = app.post("/api/v1/partner-requests", Some(bob), json!({ "recipient_id": alice })).await;
    assert_error(&write, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable");
    let read = app.get(&format!("/api/v1/partner-requests/received/{bob}"), Some(bob)).await;
    assert_error(&read, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable");
    let (status, ready) = app.get("/readyz", None).await;
    assert_eq!((status, ready["cause"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("database_unavailable")));
    let page = browser.get("/").await;
    assert_eq!((page.status, page.text("main p.lead")), (StatusCode::SERVICE_UNAVAILABLE, DOWN.to_owned()));
    let inline = browser.hx_post("/requests", "find-2-err", &[("recipient_id", &bob.to_string())]).await;
    assert_eq!((inline.status, inline.text(".inline-error")), (StatusCode::SERVICE_UNAVAILABLE, DOWN.to_owned()));

    sqlx::query(&format!("alter database {database} allow_connections true")).execute(&mut admin).await.unwrap();
    // Requests are refused at once while the database is out of reach; a probe finds it again.
    back_within_a_probe(&app.base).await;
    let (status, received) = app.get(&format!("/api/v1/partner-requests/received/{bob}"), Some(bob)).await;
    assert_eq!((status, received["requests"][0]["request_id"].as_i64()), (StatusCode::OK, Some(request)));
    let carol = app.user("Carol").await;
    app.request(carol, alice).await;
    assert_eq!(app.get("/readyz", None).await.0, StatusCode::OK);
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    // The write, the read, the page and the htmx action above.
    assert!(metric(&metrics, r#"dealnest_requests_refused_total{cause="database_unavailable"}"#) >= 4.0);
}

/// Every connection killed, three times, under a load of writes: a request whose connection
/// dies runs again on a fresh one, so nearly all succeed; the others (killed twice, or while
/// committing) are 503, never 500, and every acknowledged write is there.
pub async fn connections_killed_under_load_cost_no_request_and_lose_no_write() {
    let app = postgres_app(|s| s.service.quotas.new_account = 0).await;
    let (mut admin, database) = admin(&app).await;
    let mut users = Vec::new();
    for i in 0..41 {
        users.push(app.user(&format!("U{i}")).await);
    }
    let sends = (0..40).map(|i| {
        let (from, to) = (users[i], users[i + 1]);
        let app = &app;
        async move {
            tokio::time::sleep(Duration::from_millis(5 * i as u64)).await;
            app.post("/api/v1/partner-requests", Some(from), json!({ "recipient_id": to })).await
        }
    });
    let kills = async {
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(60)).await;
            terminate(&mut admin, &database, "%").await;
        }
    };
    let (answers, ()) = tokio::join!(futures::future::join_all(sends), kills);
    let mut acknowledged = Vec::new();
    let mut refused = std::collections::BTreeMap::<String, usize>::new();
    for (status, body) in &answers {
        match *status {
            StatusCode::CREATED => acknowledged.push(body["request_id"].as_i64().unwrap()),
            StatusCode::SERVICE_UNAVAILABLE => {
                let code = body["error"]["code"].as_str().unwrap();
                assert!(["outcome_unknown", "database_unavailable"].contains(&code), "{body}");
                *refused.entry(code.to_owned()).or_default() += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    eprintln!("40 sends, every connection killed three times: {} acknowledged, 503s {refused:?}", acknowledged.len());
    assert!(acknowledged.len() >= 35, "{} of 40 acknowledged", acknowledged.len());
    let raw = app.db.raw().await;
    for id in acknowledged {
        let found: i64 = sqlx::query_scalar(&format!("select count(*) from partner_requests where request_id = {id}"))
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(found, 1, "acknowledged request {id}");
    }
}

/// The relay's `LISTEN` connection cut off: it connects again, tells open streams to resync
/// (events of the gap are lost), and relays events again, across instances.
pub async fn a_relay_cut_off_connects_again_tells_streams_to_resync_and_relays_again() {
    let app = postgres_app(|_| {}).await;
    let (mut admin, database) = admin(&app).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let two = app.another_instance().await;
    let mut stream = EventStream::open_at(&app, &format!("http://{}", two.addr()), bob).await;
    stream.block(SOON).await.expect("connected");
    // Each instance's relay listens once it has connected, soon after it starts.
    let listening =
        format!("select count(*) from pg_stat_activity where datname = '{database}' and query like 'LISTEN%'");
    for _ in 0..100 {
        if sqlx::query_scalar::<_, i64>(&listening).fetch_one(&mut admin).await.unwrap() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cut = terminate(&mut admin, &database, "LISTEN%").await;
    assert!(cut >= 2, "each instance listens ({cut} cut)");
    let (name, data) = stream.next(Duration::from_secs(10)).await.expect("a resync");
    assert_eq!((name.as_str(), data), ("resync", json!({ "reason": "reconnected" })));
    let request = app.request(alice, bob).await;
    let (name, data) = stream.next(SOON).await.expect("the event made on instance one");
    assert_eq!((name.as_str(), &data["request_id"]), ("request_received", &Value::from(request)));
    two.stop().await.unwrap();
}

/// A real restart of the PostgreSQL server under two instances: once it is back, no request
/// fails for the connections it killed. Ignored by default: it stops the server every other
/// test uses (`.ci/run` runs it on its own).
pub async fn after_a_restart_of_the_server_no_request_fails() {
    let app = postgres_app(|_| {}).await;
    let (admin, _) = admin(&app).await;
    drop(admin);
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let two = app.another_instance().await;
    let two_url = |path: &str| format!("http://{}{path}", two.addr());
    // Every pooled connection of both instances in use once, so each holds several.
    for _ in 0..4 {
        app.get(&format!("/api/v1/users/{alice}"), None).await;
        app.client.get(two_url("/api/v1/users")).send().await.unwrap();
    }
    let version = std::fs::read_dir("/etc/postgresql").unwrap().next().unwrap().unwrap().file_name();
    let restarted = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", version.to_str().unwrap(), "main", "restart", "-m", "fast"])
        .status()
        .unwrap();
    assert!(restarted.success());
    // Background work may have found the server gone during the restart; then requests are
    // refused at once until a probe finds it back.
    back_within_a_probe(&app.base).await;
    back_within_a_probe(&format!("http://{}", two.addr())).await;
    for (i, instance) in [app.base.clone(), format!("http://{}", two.addr())].into_iter().enumerate() {
        let body = json!({ "email": format!("after{i}@example.com"), "name": "After" });
        let send = app.client.post(format!("{instance}/api/v1/users")).json(&body);
        let response = send.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{instance}: {}", response.text().await.unwrap());
    }
    let sent = app
        .send(app.client.post(two_url("/api/v1/partner-requests")).json(&json!({ "recipient_id": bob })), Some(alice));
    assert_eq!(sent.await.0, StatusCode::CREATED);
    two.stop().await.unwrap();
}
