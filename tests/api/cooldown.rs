//! Cooldowns of v1.1: after a rejection the same sender waits `DEALNEST_REQUEST_COOLDOWN_DAYS`
//! before asking the same recipient again, after a withdrawal one day; `0` turns both off; a
//! block's silent rejection starts none.

use dealnest::domain::{Clock, DAY_MS, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, assert_error, millis};

async fn ask(app: &TestApp, from: i64, to: i64) -> (StatusCode, Value) {
    app.post("/api/v1/partner-requests", Some(from), json!({"recipient_id": to})).await
}

#[tokio::test]
async fn after_a_rejection_the_sender_waits_the_cooldown_with_retry_at() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    let (_, rejected) = app.respond(bob, id, "reject").await;
    let retry_at = millis(&rejected["responded_at"]) + 30 * DAY_MS;

    let refused = ask(&app, alice, bob).await;
    assert_error(&refused, StatusCode::CONFLICT, "cooldown");
    assert_eq!(millis(&refused.1["error"]["retry_at"]), retry_at, "{}", refused.1);
    assert!(refused.1["error"]["message"].as_str().unwrap().starts_with("You can ask again after "));
    // The one who rejected may still ask; the cooldown is the sender's.
    let (status, body) = ask(&app, bob, alice).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.post(&format!("/api/v1/partner-requests/{}/cancel", body["request_id"]), Some(bob), json!({})).await;

    clock.advance_millis(retry_at - clock.now().millis() - 1);
    assert_error(&ask(&app, alice, bob).await, StatusCode::CONFLICT, "cooldown");
    clock.advance_millis(1);
    let (status, body) = ask(&app, alice, bob).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn after_a_withdrawal_the_sender_waits_one_day() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    let (_, cancelled) = app.post(&format!("/api/v1/partner-requests/{id}/cancel"), Some(alice), json!({})).await;
    let refused = ask(&app, alice, bob).await;
    assert_error(&refused, StatusCode::CONFLICT, "cooldown");
    let retry_at = millis(&refused.1["error"]["retry_at"]);
    assert_eq!(retry_at, millis(&cancelled["responded_at"]) + DAY_MS);
    clock.advance_millis(retry_at - clock.now().millis());
    assert_eq!(ask(&app, alice, bob).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn a_cooldown_of_zero_lets_the_sender_ask_again_at_once() {
    let app = TestApp::spawn_with(|s| s.service.lifecycle.cooldown_days = 0).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    app.respond(bob, id, "reject").await;
    let id = app.request(alice, bob).await;
    app.post(&format!("/api/v1/partner-requests/{id}/cancel"), Some(alice), json!({})).await;
    assert_eq!(ask(&app, alice, bob).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn a_blocks_silent_rejection_starts_no_cooldown() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    app.post(&format!("/api/v1/users/{bob}/blocks"), Some(bob), json!({"blocked_user_id": alice})).await;
    let (_, request) = app.get(&format!("/api/v1/partner-requests/{id}"), Some(alice)).await;
    assert_eq!(request["status"], "rejected");
    assert_error(&ask(&app, alice, bob).await, StatusCode::CONFLICT, "blocked");
    let (status, _) = app.delete(&format!("/api/v1/users/{bob}/blocks/{alice}"), Some(bob)).await;
    assert!(status.is_success());
    assert_eq!(ask(&app, alice, bob).await.0, StatusCode::CREATED);
}
