//! Settings of v1.1: `GET/PUT /users/{id}/settings` (only one's own), and who may ask me
//! (`accepts_requests_from`), enforced in the send's own transaction.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, assert_error};

fn settings(accepts: &str) -> Value {
    json!({"accepts_requests_from": accepts,
           "email": {"request_received": "immediately", "request_accepted": "daily_digest", "request_reminder": "off"}})
}

async fn put(app: &TestApp, user: i64, body: Value) -> (StatusCode, Value) {
    app.send(app.client.put(app.url(&format!("/api/v1/users/{user}/settings"))).json(&body), Some(user)).await
}

async fn ask(app: &TestApp, from: i64, to: i64) -> (StatusCode, Value) {
    app.post("/api/v1/partner-requests", Some(from), json!({"recipient_id": to})).await
}

async fn partners(app: &TestApp, a: i64, b: i64) {
    let id = app.request(a, b).await;
    assert_eq!(app.respond(b, id, "accept").await.0, StatusCode::OK);
}

#[tokio::test]
async fn settings_default_to_everyone_and_immediately_and_save_whole() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let (status, body) = app.get(&format!("/api/v1/users/{alice}/settings"), Some(alice)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"accepts_requests_from": "everyone",
               "email": {"request_received": "immediately", "request_accepted": "immediately",
                         "request_reminder": "immediately"}})
    );
    let (status, saved) = put(&app, alice, settings("partners_of_partners")).await;
    assert_eq!((status, &saved), (StatusCode::OK, &settings("partners_of_partners")));
    let (_, read) = app.get(&format!("/api/v1/users/{alice}/settings"), Some(alice)).await;
    assert_eq!(read, settings("partners_of_partners"));
}

#[tokio::test]
async fn another_users_settings_are_forbidden_and_signing_in_is_required() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let path = format!("/api/v1/users/{bob}/settings");
    assert_error(&app.get(&path, Some(alice)).await, StatusCode::FORBIDDEN, "forbidden");
    let forged = app.send(app.client.put(app.url(&path)).json(&settings("nobody")), Some(alice)).await;
    assert_error(&forged, StatusCode::FORBIDDEN, "forbidden");
    assert_error(&app.get(&path, None).await, StatusCode::UNAUTHORIZED, "unauthorized");
    let (_, unchanged) = app.get(&path, Some(bob)).await;
    assert_eq!(unchanged["accepts_requests_from"], "everyone");
}

#[tokio::test]
async fn bad_settings_are_refused_whole_with_422() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let mut unknown_mail = settings("everyone");
    unknown_mail["email"]["request_reminder"] = json!("weekly");
    let mut missing_mail = settings("everyone");
    missing_mail["email"].as_object_mut().unwrap().remove("request_accepted");
    for bad in [
        settings("friends"),
        settings("Everyone"),
        unknown_mail,
        missing_mail,
        json!({"accepts_requests_from": "nobody"}),
        json!({"accepts_requests_from": 3, "email": {}}),
        json!([]),
        json!(null),
    ] {
        assert_error(&put(&app, alice, bad.clone()).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_settings");
    }
    let (_, unchanged) = app.get(&format!("/api/v1/users/{alice}/settings"), Some(alice)).await;
    assert_eq!(unchanged["accepts_requests_from"], "everyone");
    let bad_id = app.get("/api/v1/users/0/settings", Some(alice)).await;
    assert_error(&bad_id, StatusCode::UNPROCESSABLE_ENTITY, "invalid_id");
}

#[tokio::test]
async fn nobody_refuses_every_new_request_and_leaves_pending_ones_alone() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let pending = app.request(alice, bob).await;
    assert_eq!(put(&app, bob, settings("nobody")).await.0, StatusCode::OK);
    assert_error(&ask(&app, carol, bob).await, StatusCode::CONFLICT, "not_accepting_requests");
    // Bob may still ask others, and answer what was already pending.
    assert_eq!(ask(&app, bob, carol).await.0, StatusCode::CREATED);
    assert_eq!(app.respond(bob, pending, "accept").await.0, StatusCode::OK);
    assert_eq!(put(&app, bob, settings("everyone")).await.0, StatusCode::OK);
    let (status, _) = ask(&app, app.user("Dan").await, bob).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn partners_of_partners_takes_requests_from_those_sharing_exactly_one_partner() {
    let app = TestApp::spawn_with(|s| s.service.quotas.new_account = 0).await;
    let (alice, bob, carol, dan) =
        (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Dan").await);
    partners(&app, alice, bob).await;
    partners(&app, carol, bob).await;
    partners(&app, dan, app.user("Erin").await).await;
    assert_eq!(put(&app, carol, settings("partners_of_partners")).await.0, StatusCode::OK);
    // Dan shares no partner with Carol; Alice shares exactly one (Bob).
    assert_error(&ask(&app, dan, carol).await, StatusCode::CONFLICT, "not_accepting_requests");
    let (status, body) = ask(&app, alice, carol).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.post(&format!("/api/v1/partner-requests/{}/cancel", body["request_id"]), Some(alice), json!({})).await;

    // Once Alice and Bob part, she shares none.
    let (_, list) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    let partnership = list["partnerships"][0]["partnership_id"].as_i64().unwrap();
    app.delete(&format!("/api/v1/partnerships/{partnership}"), Some(alice)).await;
    // (Her setting answers before her day of cooldown after withdrawing.)
    assert_error(&ask(&app, alice, carol).await, StatusCode::CONFLICT, "not_accepting_requests");
    let frank = app.user("Frank").await;
    partners(&app, frank, bob).await;
    assert_eq!(ask(&app, frank, carol).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn a_block_refuses_whatever_the_setting() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    assert_eq!(put(&app, bob, settings("everyone")).await.0, StatusCode::OK);
    app.post(&format!("/api/v1/users/{bob}/blocks"), Some(bob), json!({"blocked_user_id": alice})).await;
    assert_error(&ask(&app, alice, bob).await, StatusCode::CONFLICT, "blocked");
    // Blocked by Bob, Alice with partners_of_partners and a shared partner still refuses Bob.
    let carol = app.user("Carol").await;
    partners(&app, alice, carol).await;
    partners(&app, bob, carol).await;
    assert_eq!(put(&app, alice, settings("partners_of_partners")).await.0, StatusCode::OK);
    assert_error(&ask(&app, bob, alice).await, StatusCode::CONFLICT, "blocked");
}
