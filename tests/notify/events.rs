//! `GET /events`: each user's live stream carries what others did to them, and nothing else.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use crate::support::events::{EventStream, SOON};

async fn notification_ids(app: &TestApp, user: i64) -> Vec<i64> {
    let (_, body) = app.get(&format!("/api/v1/users/{user}/notifications"), Some(user)).await;
    body["notifications"].as_array().unwrap().iter().map(|n| n["notification_id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_request_is_announced_to_its_recipient_only() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    let carol = app.user("Carol").await;
    let mut alice_events = EventStream::open(&app, alice).await;
    let mut bob_events = EventStream::open(&app, bob).await;
    let mut carol_events = EventStream::open(&app, carol).await;
    alice_events.drain().await;
    bob_events.drain().await;
    carol_events.drain().await;

    let request = app.request(alice, bob).await;

    bob_events.expect("request_received", json!({ "request_id": request, "sender_id": alice })).await;
    let notification = notification_ids(&app, bob).await[0];
    bob_events.expect("notification", json!({ "notification_id": notification, "kind": "request_received" })).await;
    carol_events.expect_nothing().await;
    alice_events.expect_nothing().await;
}

#[tokio::test]
async fn an_answer_is_announced_to_the_sender() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    let carol = app.user("Carol").await;
    let accepted = app.request(alice, bob).await;
    let rejected = app.request(carol, bob).await;
    let mut alice_events = EventStream::open(&app, alice).await;
    let mut bob_events = EventStream::open(&app, bob).await;
    let mut carol_events = EventStream::open(&app, carol).await;
    alice_events.drain().await;
    bob_events.drain().await;
    carol_events.drain().await;

    assert_eq!(app.respond(bob, accepted, "accept").await.0, StatusCode::OK);
    assert_eq!(app.respond(bob, rejected, "reject").await.0, StatusCode::OK);

    alice_events.expect("request_answered", json!({ "request_id": accepted, "status": "accepted" })).await;
    let notification = notification_ids(&app, alice).await[0];
    alice_events.expect("notification", json!({ "notification_id": notification, "kind": "request_accepted" })).await;
    carol_events.expect("request_answered", json!({ "request_id": rejected, "status": "rejected" })).await;
    carol_events.expect_nothing().await;
    bob_events.expect_nothing().await;
}

#[tokio::test]
async fn a_cancelled_request_is_announced_to_its_recipient() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    let request = app.request(alice, bob).await;
    let mut alice_events = EventStream::open(&app, alice).await;
    let mut bob_events = EventStream::open(&app, bob).await;
    alice_events.drain().await;
    bob_events.drain().await;

    let (status, _) = app.post(&format!("/api/v1/partner-requests/{request}/cancel"), Some(alice), json!({})).await;
    assert_eq!(status, StatusCode::OK);

    bob_events.expect("request_answered", json!({ "request_id": request, "status": "cancelled" })).await;
    alice_events.expect_nothing().await;
}

#[tokio::test]
async fn an_ended_partnership_is_announced_to_the_other_member() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    let request = app.request(alice, bob).await;
    app.respond(bob, request, "accept").await;
    let (_, body) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    let partnership = body["partnerships"][0]["partnership_id"].as_i64().unwrap();
    let mut alice_events = EventStream::open(&app, alice).await;
    let mut bob_events = EventStream::open(&app, bob).await;
    alice_events.drain().await;
    bob_events.drain().await;

    let (status, _) = app.delete(&format!("/api/v1/partnerships/{partnership}"), Some(alice)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    bob_events.expect("partnership_ended", json!({ "partnership_id": partnership, "ended_by": alice })).await;
    alice_events.expect_nothing().await;
}

#[tokio::test]
async fn blocking_is_announced_to_nobody() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    app.request(alice, bob).await;
    let mut alice_events = EventStream::open(&app, alice).await;
    let mut bob_events = EventStream::open(&app, bob).await;
    alice_events.drain().await;
    bob_events.drain().await;

    let (status, _) =
        app.post(&format!("/api/v1/users/{bob}/blocks"), Some(bob), json!({ "blocked_user_id": alice })).await;
    assert_eq!(status, StatusCode::CREATED);

    alice_events.expect_nothing().await;
    bob_events.expect_nothing().await;
}

#[tokio::test]
async fn the_stream_needs_an_identity() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/events")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_stream_is_event_stream_with_a_reconnect_hint() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let mut stream = EventStream::open(&app, alice).await;
    let headers = stream.response.headers().clone();
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-cache");
    let first = stream.block(SOON).await.expect("a first block");
    assert!(first.lines().any(|l| l == "retry: 3000"), "{first:?}");
}

#[tokio::test]
async fn open_streams_do_not_hold_up_shutdown() {
    let mut app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let mut stream = EventStream::open(&app, alice).await;
    stream.block(SOON).await.expect("connected");

    tokio::time::timeout(SOON, app.stop()).await.expect("the server stops while a stream is open");

    assert_eq!(stream.next(SOON).await, None);
    assert!(stream.ended, "the stream ended with the server");
}
