//! A runaway statement takes a reader thread (and a core), never the server; the statement
//! deadline stops it and answers its request with 503.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::support::{TestApp, assert_error};

/// Runaway searches, more of them than may run at once, keep running while `/healthz` and
/// cheap reads answer at once; the deadline stops each of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_searches_hold_up_neither_health_checks_nor_cheap_reads() {
    let app = TestApp::spawn_with(|s| s.database.statement_timeout = Some(Duration::from_millis(2500))).await;
    let alice = app.user("Alice").await;
    let service = app.server.as_ref().unwrap().service().clone();
    let started = Instant::now();
    let runaways: Vec<_> = (0..4)
        .map(|_| {
            let service = service.clone();
            tokio::spawn(async move { service.health().run_runaway_search().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..5 {
        for path in
            ["/healthz".to_owned(), format!("/api/v1/users/{alice}"), format!("/api/v1/users/{alice}/partnerships")]
        {
            let asked = Instant::now();
            let (status, _) = app.get(&path, Some(alice)).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(asked.elapsed() < Duration::from_millis(200), "{path} took {:?}", asked.elapsed());
        }
    }
    assert!(started.elapsed() < Duration::from_millis(2500), "the cheap requests were done while the runaways ran");
    for runaway in runaways {
        let error = runaway.await.unwrap().expect_err("stopped by the deadline");
        assert_eq!(error.unavailable(), Some(dealnest::store::Unavailable::Timeout), "{error}");
    }
}

/// A request whose statement runs past `DEALNEST_DB_STATEMENT_TIMEOUT` is answered 503 with the
/// error body and `Retry-After`, and the next request is served.
#[tokio::test]
async fn a_request_past_the_statement_deadline_gets_503_and_the_next_one_is_served() {
    let mut app = TestApp::spawn().await;
    let plan = dealnest::seed::SeedPlan { users: 20_000, requests: 0, partnerships: 0, hubs: 0, hub_partners: 0 };
    dealnest::seed::load(app.server.as_ref().unwrap().service(), plan).await.unwrap();
    app.restart_with(|s| s.database.statement_timeout = Some(Duration::from_millis(1))).await;
    // Testing 5,000 users' names and e-mails takes far longer than a millisecond.
    let response = app.client.get(app.url("/api/v1/users?q=example.com")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_error(&(StatusCode::SERVICE_UNAVAILABLE, body), StatusCode::SERVICE_UNAVAILABLE, "statement_timeout");
    let (status, user) = app.get("/api/v1/users/1", None).await;
    assert_eq!((status, user["id"].as_i64()), (StatusCode::OK, Some(1)));
}
