use reqwest::StatusCode;

use crate::support::{TestApp, assert_error};

#[tokio::test]
async fn a_new_request_notifies_the_recipient_and_acceptance_the_sender() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;

    let (status, inbox) = app.get(&format!("/api/v1/users/{bob}/notifications"), Some(bob)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(inbox["pagination"]["total"], 1);
    let n = &inbox["notifications"][0];
    assert_eq!(n["kind"], "request_received");
    assert_eq!(n["text"], "You have a new partner request from Alice.");
    assert!(n["read_at"].is_null());

    app.respond(bob, id, "accept").await;
    let (_, inbox) = app.get(&format!("/api/v1/users/{alice}/notifications"), Some(alice)).await;
    assert_eq!(inbox["pagination"]["total"], 1);
    assert_eq!(inbox["notifications"][0]["kind"], "request_accepted");
    assert_eq!(inbox["notifications"][0]["text"], "Bob accepted your partner request.");
}

#[tokio::test]
async fn rejection_and_cancellation_notify_nobody() {
    let app = TestApp::spawn_with(|s| s.service.lifecycle.cooldown_days = 0).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    app.respond(bob, id, "reject").await;
    let id = app.request(alice, bob).await;
    app.post(&format!("/api/v1/partner-requests/{id}/cancel"), Some(alice), serde_json::json!({})).await;
    let (_, alice_inbox) = app.get(&format!("/api/v1/users/{alice}/notifications"), Some(alice)).await;
    assert_eq!(alice_inbox["pagination"]["total"], 0);
    let (_, bob_inbox) = app.get(&format!("/api/v1/users/{bob}/notifications"), Some(bob)).await;
    assert_eq!(bob_inbox["pagination"]["total"], 2, "one per request received");
}

#[tokio::test]
async fn notifications_are_private() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let path = format!("/api/v1/users/{bob}/notifications");
    assert_error(&app.get(&path, Some(alice)).await, StatusCode::FORBIDDEN, "forbidden");
    assert_error(&app.get(&path, None).await, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn the_notification_is_written_with_the_request_in_one_transaction() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    app.request(alice, bob).await;
    let raw = app.db.raw().await;
    let orphans: i64 = sqlx::query_scalar(
        "select count(*) from partner_requests r where not exists \
         (select 1 from notifications n where n.request_id = r.request_id and n.kind = 'request_received')",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
}
