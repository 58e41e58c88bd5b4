use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, assert_error};

#[tokio::test]
async fn blocking_refuses_requests_both_ways() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let (status, body) =
        app.post(&format!("/api/v1/users/{alice}/blocks"), Some(alice), json!({"blocked_user_id": bob})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["blocked_user_id"], bob);
    for (from, to) in [(alice, bob), (bob, alice)] {
        let response = app.post("/api/v1/partner-requests", Some(from), json!({"recipient_id": to})).await;
        assert_error(&response, StatusCode::CONFLICT, "blocked");
    }
}

#[tokio::test]
async fn blocking_rejects_a_pending_request_silently_and_keeps_partnerships() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let pending = app.request(bob, alice).await;
    let partnered = app.request(carol, alice).await;
    app.respond(alice, partnered, "accept").await;
    let (_, before) = app.get(&format!("/api/v1/users/{bob}/notifications"), Some(bob)).await;

    app.post(&format!("/api/v1/users/{alice}/blocks"), Some(alice), json!({"blocked_user_id": bob})).await;
    app.post(&format!("/api/v1/users/{alice}/blocks"), Some(alice), json!({"blocked_user_id": carol})).await;

    let (_, request) = app.get(&format!("/api/v1/partner-requests/{pending}"), Some(bob)).await;
    assert_eq!(request["status"], "rejected");
    let (_, after) = app.get(&format!("/api/v1/users/{bob}/notifications"), Some(bob)).await;
    assert_eq!(after["pagination"]["total"], before["pagination"]["total"], "nobody is told of a block");
    let (_, partnerships) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    assert_eq!(partnerships["pagination"]["total"], 1);
}

#[tokio::test]
async fn blocking_again_is_harmless_and_unblocking_allows_requests() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let path = format!("/api/v1/users/{alice}/blocks");
    let (_, first) = app.post(&path, Some(alice), json!({"blocked_user_id": bob})).await;
    let (status, second) = app.post(&path, Some(alice), json!({"blocked_user_id": bob})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first["created_at"], second["created_at"]);
    let (status, _) = app.delete(&format!("{path}/{bob}"), Some(alice)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(&app.delete(&format!("{path}/{bob}"), Some(alice)).await, StatusCode::NOT_FOUND, "block_not_found");
    app.request(bob, alice).await;
}

#[tokio::test]
async fn block_errors() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let path = format!("/api/v1/users/{alice}/blocks");
    assert_error(
        &app.post(&path, Some(alice), json!({"blocked_user_id": alice})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "self_block",
    );
    assert_error(
        &app.post(&path, Some(alice), json!({"blocked_user_id": 999})).await,
        StatusCode::NOT_FOUND,
        "user_not_found",
    );
    assert_error(
        &app.post(&path, Some(bob), json!({"blocked_user_id": bob})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    app.post(&path, Some(alice), json!({"blocked_user_id": bob})).await;
    assert_error(&app.delete(&format!("{path}/{bob}"), Some(bob)).await, StatusCode::FORBIDDEN, "forbidden");
}
