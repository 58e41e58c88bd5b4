//! The database holds the invariants under simultaneous requests.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_accepts_make_one_partnership() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;

    let statuses = join_all((0..50).map(|_| app.respond(bob, id, "accept"))).await;
    let ok = statuses.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let conflicts =
        statuses.iter().filter(|(s, b)| *s == StatusCode::CONFLICT && b["error"]["code"] == "not_pending").count();
    assert_eq!((ok, conflicts), (1, 49), "{statuses:?}");

    let raw = app.db.raw().await;
    let partnerships: i64 = sqlx::query_scalar("select count(*) from partnerships").fetch_one(&raw).await.unwrap();
    assert_eq!(partnerships, 1);
    let accepted: i64 = sqlx::query_scalar("select count(*) from notifications where kind = 'request_accepted'")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!(accepted, 1, "exactly one acceptance notification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_sends_both_ways_leave_one_pending_request() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let sends = (0..50).map(|i| {
        let (from, to) = if i % 2 == 0 { (alice, bob) } else { (bob, alice) };
        app.post("/api/v1/partner-requests", Some(from), json!({"recipient_id": to}))
    });
    let results = join_all(sends).await;
    let created = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{results:?}");
    for (status, body) in &results {
        if *status != StatusCode::CREATED {
            assert_eq!(*status, StatusCode::CONFLICT);
            let code = body["error"]["code"].as_str().unwrap();
            assert!(code == "duplicate_request" || code == "reverse_request_pending", "{code}");
        }
    }
    let raw = app.db.raw().await;
    let pending: i64 = sqlx::query_scalar("select count(*) from partner_requests where status = 'pending'")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!(pending, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn accept_and_cancel_racing_leave_one_outcome() {
    // Each round asks again right after the last one ended (a withdrawal's cooldown off).
    let app = TestApp::spawn_with(|s| {
        s.service.quotas.new_account = 0;
        s.service.lifecycle.cooldown_days = 0;
    })
    .await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    for _ in 0..10 {
        let id = app.request(alice, bob).await;
        let cancel_path = format!("/api/v1/partner-requests/{id}/cancel");
        let (accept, cancel) =
            tokio::join!(app.respond(bob, id, "accept"), app.post(&cancel_path, Some(alice), json!({})));
        assert!((accept.0 == StatusCode::OK) ^ (cancel.0 == StatusCode::OK), "exactly one wins: {accept:?} {cancel:?}");
        if accept.0 == StatusCode::OK {
            let (_, list) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
            let pid = list["partnerships"][0]["partnership_id"].as_i64().unwrap();
            app.delete(&format!("/api/v1/partnerships/{pid}"), Some(alice)).await;
        }
    }
}

/// Writes that arrive together commit together on SQLite (one commit for the queue); one that
/// fails inside such a group must undo only itself. Here every user sends to the next one twice
/// at the same moment: each pair's second send fails, and every first one must be kept, with
/// its notification, and answered only once it is durable.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failed_writes_among_simultaneous_ones_undo_only_themselves() {
    let app = TestApp::spawn().await;
    let mut users = Vec::new();
    for i in 0..21 {
        users.push(app.user(&format!("User {i}")).await);
    }
    let sends = (0..40).map(|i| {
        let (from, to) = (users[i % 20], users[i % 20 + 1]);
        app.post("/api/v1/partner-requests", Some(from), json!({"recipient_id": to}))
    });
    let results = join_all(sends).await;
    let created: Vec<i64> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b["request_id"].as_i64().unwrap())
        .collect();
    let duplicates =
        results.iter().filter(|(s, b)| *s == StatusCode::CONFLICT && b["error"]["code"] == "duplicate_request").count();
    assert_eq!((created.len(), duplicates), (20, 20), "{results:?}");

    // Every acknowledged request is readable at once, by its recipient.
    for (i, id) in created.iter().enumerate() {
        let request = results.iter().find(|(_, b)| b["request_id"].as_i64() == Some(*id)).unwrap();
        let recipient = request.1["recipient_id"].as_i64().unwrap();
        let (status, _) = app.get(&format!("/api/v1/partner-requests/{id}"), Some(recipient)).await;
        assert_eq!(status, StatusCode::OK, "request {i}");
    }
    let raw = app.db.raw().await;
    let pending: i64 = sqlx::query_scalar("select count(*) from partner_requests where status = 'pending'")
        .fetch_one(&raw)
        .await
        .unwrap();
    let notified: i64 = sqlx::query_scalar("select count(*) from notifications where kind = 'request_received'")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!((pending, notified), (20, 20));
}
