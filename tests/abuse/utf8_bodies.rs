//! A JSON body that is not UTF-8 is 400 with the contract's error body, even when the bad bytes
//! sit in a field the route ignores, and nothing is written.

use reqwest::StatusCode;

use crate::support::{TestApp, assert_error, snapshot};

/// `{"<field>": <value>, "note": "<bytes that are not UTF-8>"}`.
fn with_bad_bytes(fields: &str) -> Vec<u8> {
    let mut body = format!("{{{fields}, \"note\": \"").into_bytes();
    body.extend_from_slice(b"\xff\xfe\xc3(");
    body.extend_from_slice(b"\"}");
    body
}

async fn post_raw(app: &TestApp, path: &str, user: i64, body: Vec<u8>) -> (StatusCode, serde_json::Value) {
    let request = app.client.post(app.url(path)).header("content-type", "application/json").body(body);
    app.send(request, Some(user)).await
}

#[tokio::test]
async fn a_partner_request_with_bad_bytes_in_an_ignored_field_is_400_and_not_sent() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let before = snapshot(&app.db).await;
    let body = with_bad_bytes(&format!("\"recipient_id\": {bob}"));
    let response = post_raw(&app, "/api/v1/partner-requests", alice, body).await;
    assert_error(&response, StatusCode::BAD_REQUEST, "invalid_json");
    assert_eq!(snapshot(&app.db).await, before, "nothing was written");
}

#[tokio::test]
async fn an_answer_with_bad_bytes_in_an_ignored_field_is_400_and_not_applied() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let request = app.request(alice, bob).await;
    let before = snapshot(&app.db).await;
    let path = format!("/api/v1/partner-requests/{request}/respond");
    let response = post_raw(&app, &path, bob, with_bad_bytes("\"action\": \"accept\"")).await;
    assert_error(&response, StatusCode::BAD_REQUEST, "invalid_json");
    assert_eq!(snapshot(&app.db).await, before, "the request is still pending");
    // The same body in valid UTF-8 is accepted.
    let fine = br#"{"action": "accept", "note": "fine"}"#.to_vec();
    assert_eq!(post_raw(&app, &path, bob, fine).await.0, StatusCode::OK);
}
