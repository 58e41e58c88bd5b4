//! Write rate limit per client and the daily quota of new requests, both held server-side.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, assert_error};

#[tokio::test]
async fn writes_over_the_rate_limit_get_429_with_retry_after() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limit = 3;
        s.service.lifecycle.cooldown_days = 0;
    })
    .await;
    let mut users = Vec::new();
    for name in ["A", "B", "C"] {
        users.push(app.user(name).await);
    }
    // Anonymous writes count against the IP address: the fourth is refused.
    let response = app.client.post(app.url("/api/v1/users")).json(&json!({"email": "d@example.com", "name": "D"}));
    let response = response.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");

    // A signed-in user has an allowance of their own, and reads are never limited.
    let (a, b) = (users[0], users[1]);
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/users", None).await.0, StatusCode::OK);
    }
    let id = app.request(a, b).await;
    app.post(&format!("/api/v1/partner-requests/{id}/cancel"), Some(a), json!({})).await;
    app.request(a, b).await;
    let limited = app.post("/api/v1/partner-requests", Some(a), json!({"recipient_id": users[2]})).await;
    assert_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let (status, _) = app.post("/api/v1/partner-requests", Some(users[2]), json!({"recipient_id": b})).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_daily_quota_of_new_requests_is_enforced_in_the_store() {
    let app = TestApp::spawn_with(|s| s.service.quotas.daily = 3).await;
    let alice = app.user("Alice").await;
    let mut others = Vec::new();
    for i in 0..4 {
        others.push(app.user(&format!("Other{i}")).await);
    }
    for &other in &others[..3] {
        let id = app.request(alice, other).await;
        // Withdrawn requests still count: the quota is about requests created.
        app.post(&format!("/api/v1/partner-requests/{id}/cancel"), Some(alice), json!({})).await;
    }
    let over = app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": others[3]})).await;
    assert_error(&over, StatusCode::TOO_MANY_REQUESTS, "request_quota_exceeded");
    // Others are not affected.
    app.request(others[3], alice).await;
}

#[tokio::test]
async fn a_new_account_may_send_only_a_few_requests_in_its_first_day() {
    let app = TestApp::spawn_with(|s| s.service.quotas.new_account = 2).await;
    let alice = app.user("Alice").await;
    let [bob, carol, dan] = [app.user("Bob").await, app.user("Carol").await, app.user("Dan").await];
    app.request(alice, bob).await;
    app.request(alice, carol).await;
    let over = app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": dan})).await;
    assert_error(&over, StatusCode::TOO_MANY_REQUESTS, "request_quota_exceeded");
    assert!(over.1["error"]["message"].as_str().unwrap().contains("New accounts can send 2"), "{}", over.1);
    // A day old, the account has the daily quota of everyone else.
    let raw = app.db.raw().await;
    sqlx::query(&format!("update users set created_at = created_at - 86400001 where user_id = {alice}"))
        .execute(&raw)
        .await
        .unwrap();
    app.request(alice, dan).await;
}

/// Every limit at 0 lets one client write more than any of their defaults would allow (120
/// writes a minute, 50 and 5 requests a day): 150 requests, far faster than the 30 the rate limit
/// would refill in the test's time.
#[tokio::test]
async fn zero_turns_every_limit_off() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limit = 0;
        s.service.quotas.daily = 0;
        s.service.quotas.new_account = 0;
    })
    .await;
    let alice = app.user("Alice").await;
    for i in 0..150 {
        let other = app.user(&format!("U{i}")).await;
        app.request(alice, other).await;
    }
}
