use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, assert_error};

#[tokio::test]
async fn sending_creates_a_pending_request_with_its_message() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let (status, body) = app
        .post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": bob, "message": "  Let's team up  "}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["sender_id"], alice);
    assert_eq!(body["recipient_id"], bob);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["message"], "Let's team up");
    assert_eq!(body["responded_at"], json!(null));
}

#[tokio::test]
async fn sender_id_must_be_the_caller() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let forged =
        app.post("/api/v1/partner-requests", Some(alice), json!({"sender_id": carol, "recipient_id": bob})).await;
    assert_error(&forged, StatusCode::FORBIDDEN, "forbidden");
    let (status, _) =
        app.post("/api/v1/partner-requests", Some(alice), json!({"sender_id": alice, "recipient_id": bob})).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_recipient_must_exist() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let response = app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": 4242})).await;
    assert_error(&response, StatusCode::NOT_FOUND, "user_not_found");
}

#[tokio::test]
async fn no_request_to_oneself() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let response = app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": alice})).await;
    assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "self_request");
}

#[tokio::test]
async fn a_second_request_the_same_way_is_a_duplicate() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    app.request(alice, bob).await;
    let again = app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": bob})).await;
    assert_error(&again, StatusCode::CONFLICT, "duplicate_request");
}

#[tokio::test]
async fn a_request_the_other_way_names_the_pending_one() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let first = app.request(alice, bob).await;
    let reverse = app.post("/api/v1/partner-requests", Some(bob), json!({"recipient_id": alice})).await;
    assert_error(&reverse, StatusCode::CONFLICT, "reverse_request_pending");
    assert!(reverse.1["error"]["message"].as_str().unwrap().contains(&first.to_string()));
}

#[tokio::test]
async fn partners_cannot_ask_again() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    assert_eq!(app.respond(bob, id, "accept").await.0, StatusCode::OK);
    for (from, to) in [(alice, bob), (bob, alice)] {
        let response = app.post("/api/v1/partner-requests", Some(from), json!({"recipient_id": to})).await;
        assert_error(&response, StatusCode::CONFLICT, "already_partners");
    }
}

#[tokio::test]
async fn a_message_over_500_characters_is_refused() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let long = "ä".repeat(501);
    let response =
        app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": bob, "message": long})).await;
    assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_message");
    let (status, _) = app
        .post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": bob, "message": "ä".repeat(500)}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn lists_show_pending_requests_newest_first_with_totals() {
    let app = TestApp::spawn().await;
    let bob = app.user("Bob").await;
    let mut senders = Vec::new();
    for name in ["A1", "A2", "A3", "A4"] {
        senders.push(app.user(name).await);
    }
    // Sent back to back, most within the same millisecond: the order must still be exact.
    let mut ids = Vec::new();
    for &s in &senders {
        ids.push(app.request(s, bob).await);
    }
    // One answered request leaves the pending list.
    app.respond(bob, ids[0], "reject").await;

    let (status, page) = app.get(&format!("/api/v1/partner-requests/received/{bob}?size=2"), Some(bob)).await;
    assert_eq!(status, StatusCode::OK);
    let got: Vec<i64> =
        page["requests"].as_array().unwrap().iter().map(|r| r["request_id"].as_i64().unwrap()).collect();
    assert_eq!(got, [ids[3], ids[2]]);
    assert_eq!(page["pagination"], json!({"page": 1, "size": 2, "total": 3, "total_exact": true}));

    let (_, page2) = app.get(&format!("/api/v1/partner-requests/received/{bob}?size=2&page=2"), Some(bob)).await;
    assert_eq!(page2["requests"][0]["request_id"], ids[1]);
    let (_, past_end) = app.get(&format!("/api/v1/partner-requests/received/{bob}?size=2&page=3"), Some(bob)).await;
    assert_eq!(past_end["requests"], json!([]));
    assert_eq!(
        past_end["pagination"],
        json!({"page": 3, "size": 2, "total": 3, "total_exact": true}),
        "a page past the end still counts"
    );

    let (status, sent) = app.get(&format!("/api/v1/partner-requests/sent/{}", senders[3]), Some(senders[3])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sent["requests"][0]["request_id"], ids[3]);
    assert_eq!(sent["pagination"]["total"], 1);
}

#[tokio::test]
async fn lists_belong_to_their_user_only() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    for path in [format!("/api/v1/partner-requests/received/{bob}"), format!("/api/v1/partner-requests/sent/{bob}")] {
        assert_error(&app.get(&path, Some(alice)).await, StatusCode::FORBIDDEN, "forbidden");
        assert_error(&app.get(&path, None).await, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn a_request_is_visible_to_its_two_parties_only() {
    let app = TestApp::spawn().await;
    let (alice, bob, eve) = (app.user("Alice").await, app.user("Bob").await, app.user("Eve").await);
    let id = app.request(alice, bob).await;
    for user in [alice, bob] {
        let (status, body) = app.get(&format!("/api/v1/partner-requests/{id}"), Some(user)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["request_id"], id);
    }
    assert_error(
        &app.get(&format!("/api/v1/partner-requests/{id}"), Some(eve)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &app.get("/api/v1/partner-requests/9999", Some(eve)).await,
        StatusCode::NOT_FOUND,
        "request_not_found",
    );
}

#[tokio::test]
async fn accepting_creates_the_partnership() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    let (status, body) = app.respond(bob, id, "accept").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "accepted");
    assert!(body["responded_at"].is_string());
    for (me, other) in [(alice, bob), (bob, alice)] {
        let (_, list) = app.get(&format!("/api/v1/users/{me}/partnerships"), Some(me)).await;
        assert_eq!(list["pagination"]["total"], 1);
        assert_eq!(list["partnerships"][0]["partner"]["id"], other);
    }
    let (_, received) = app.get(&format!("/api/v1/partner-requests/received/{bob}"), Some(bob)).await;
    assert_eq!(received["pagination"]["total"], 0);
}

#[tokio::test]
async fn only_the_recipient_responds() {
    let app = TestApp::spawn().await;
    let (alice, bob, eve) = (app.user("Alice").await, app.user("Bob").await, app.user("Eve").await);
    let id = app.request(alice, bob).await;
    for user in [alice, eve] {
        assert_error(&app.respond(user, id, "accept").await, StatusCode::FORBIDDEN, "forbidden");
    }
    let (_, still) = app.get(&format!("/api/v1/partner-requests/{id}"), Some(bob)).await;
    assert_eq!(still["status"], "pending");
}

#[tokio::test]
async fn only_pending_requests_change() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    app.respond(bob, id, "reject").await;
    assert_error(&app.respond(bob, id, "accept").await, StatusCode::CONFLICT, "not_pending");
    let cancel = app.post(&format!("/api/v1/partner-requests/{id}/cancel"), Some(alice), json!({})).await;
    assert_error(&cancel, StatusCode::CONFLICT, "not_pending");
    let (_, body) = app.get(&format!("/api/v1/partner-requests/{id}"), Some(alice)).await;
    assert_eq!(body["status"], "rejected");
}

#[tokio::test]
async fn the_action_must_be_accept_or_reject() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    for action in ["maybe", "ACCEPT", "cancel", ""] {
        assert_error(&app.respond(bob, id, action).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_action");
    }
    assert_error(&app.respond(bob, 777, "accept").await, StatusCode::NOT_FOUND, "request_not_found");
}

#[tokio::test]
async fn only_the_sender_cancels() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    let path = format!("/api/v1/partner-requests/{id}/cancel");
    assert_error(&app.post(&path, Some(bob), json!({})).await, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.post(&path, Some(alice), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "cancelled");
    assert_error(
        &app.post("/api/v1/partner-requests/4040/cancel", Some(alice), json!({})).await,
        StatusCode::NOT_FOUND,
        "request_not_found",
    );
}

#[tokio::test]
async fn after_reject_or_cancel_a_new_request_is_allowed() {
    // The seed's behaviour: asking again at once, with the cooldown switched off.
    let app = TestApp::spawn_with(|s| s.service.lifecycle.cooldown_days = 0).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let first = app.request(alice, bob).await;
    app.respond(bob, first, "reject").await;
    let second = app.request(alice, bob).await;
    app.post(&format!("/api/v1/partner-requests/{second}/cancel"), Some(alice), json!({})).await;
    let third = app.request(bob, alice).await;
    assert!(third > second && second > first);
}
