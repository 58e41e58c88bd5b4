//! The request lifecycle of v1.1: a request expires at creation plus its lifetime, at that very
//! instant and without waiting for the sweep; its recipient is reminded once before. Time is
//! moved with the server's clock, never waited for.

use dealnest::domain::{Clock, DAY_MS, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, TestDb, assert_error, millis};

async fn status_of(db: &TestDb, request: i64) -> String {
    let raw = db.raw().await;
    sqlx::query_scalar(&format!("select status from partner_requests where request_id = {request}"))
        .fetch_one(&raw)
        .await
        .unwrap()
}

async fn notification_kinds(app: &TestApp, user: i64) -> Vec<String> {
    let (status, body) = app.get(&format!("/api/v1/users/{user}/notifications"), Some(user)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut kinds: Vec<String> =
        body["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect();
    kinds.reverse();
    kinds
}

#[tokio::test]
async fn a_request_expires_at_creation_plus_its_lifetime_without_the_sweep() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let (_, sent) = app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": bob})).await;
    let id = sent["request_id"].as_i64().unwrap();
    let lifetime = millis(&sent["expires_at"]) - millis(&sent["created_at"]);
    assert_eq!(lifetime, 30 * DAY_MS, "{sent}");

    // One millisecond before: still pending everywhere.
    let until_expiry = millis(&sent["expires_at"]) - clock.now().millis();
    clock.advance_millis(until_expiry - 1);
    let (_, received) = app.get(&format!("/api/v1/partner-requests/received/{bob}"), Some(bob)).await;
    assert_eq!((received["requests"].as_array().unwrap().len(), &received["pagination"]["total"]), (1, &json!(1)));

    // At the instant: expired, though no sweep ran.
    clock.advance_millis(1);
    let (_, request) = app.get(&format!("/api/v1/partner-requests/{id}"), Some(alice)).await;
    assert_eq!(request["status"], "expired", "{request}");
    assert_eq!(request["responded_at"], sent["expires_at"]);
    for (path, user) in [(format!("received/{bob}"), bob), (format!("sent/{alice}"), alice)] {
        let (_, list) = app.get(&format!("/api/v1/partner-requests/{path}"), Some(user)).await;
        assert_eq!(list["requests"], json!([]), "{path}: {list}");
        assert_eq!(list["pagination"]["total"], 0, "{path}: {list}");
    }
    assert_eq!(status_of(&app.db, id).await, "pending", "the row itself waits for the sweep");
    assert_error(&app.respond(bob, id, "accept").await, StatusCode::CONFLICT, "not_pending");
    assert_error(&app.respond(bob, id, "reject").await, StatusCode::CONFLICT, "not_pending");
    let cancel = app.post(&format!("/api/v1/partner-requests/{id}/cancel"), Some(alice), json!({})).await;
    assert_error(&cancel, StatusCode::CONFLICT, "not_pending");

    // The pair may ask again at once, either way; expiry starts no cooldown.
    let again = app.request(bob, alice).await;
    assert_eq!(status_of(&app.db, id).await, "expired", "the send marked the old row");
    let (_, received) = app.get(&format!("/api/v1/partner-requests/received/{alice}"), Some(alice)).await;
    assert_eq!(received["requests"][0]["request_id"], again);
    assert_eq!(received["pagination"]["total"], 1);
}

#[tokio::test]
async fn the_sweep_marks_expired_rows_and_keeps_the_counts() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let old = app.request(alice, bob).await;
    clock.advance_millis(10 * DAY_MS);
    let young = app.request(carol, bob).await;
    clock.advance_millis(20 * DAY_MS + 1);
    app.service().lifecycle().sweep().await.unwrap();
    assert_eq!(status_of(&app.db, old).await, "expired");
    assert_eq!(status_of(&app.db, young).await, "pending");
    let raw = app.db.raw().await;
    let (responded, expires): (i64, i64) =
        sqlx::query_as(&format!("select responded_at, expires_at from partner_requests where request_id = {old}"))
            .fetch_one(&raw)
            .await
            .unwrap();
    assert_eq!(responded, expires, "expired at its expiry, not at the sweep");
    let (_, received) = app.get(&format!("/api/v1/partner-requests/received/{bob}"), Some(bob)).await;
    assert_eq!(
        (received["pagination"]["total"].as_i64(), &received["requests"][0]["request_id"]),
        (Some(1), &json!(young))
    );
    // A second sweep finds nothing more to do.
    let again = app.service().lifecycle().sweep().await.unwrap();
    assert_eq!(again.expired, 0);
}

#[tokio::test]
async fn a_lifetime_of_zero_never_expires() {
    let clock = Clock::fixed(Timestamp::now());
    let app = {
        let clock = clock.clone();
        TestApp::spawn_with(move |s| {
            s.service.clock = clock;
            s.service.lifecycle.ttl_days = 0;
        })
        .await
    };
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let (_, sent) = app.post("/api/v1/partner-requests", Some(alice), json!({"recipient_id": bob})).await;
    assert_eq!(sent["expires_at"], Value::Null);
    clock.advance_millis(3650 * DAY_MS);
    app.service().lifecycle().sweep().await.unwrap();
    let (_, request) = app.get(&format!("/api/v1/partner-requests/{}", sent["request_id"]), Some(bob)).await;
    assert_eq!(request["status"], "pending");
    assert_eq!(notification_kinds(&app, bob).await, ["request_received"]);
}

#[tokio::test]
async fn the_reminder_comes_once_when_its_days_remain_also_across_a_restart() {
    let clock = Clock::fixed(Timestamp::now());
    let mut app = TestApp::with_clock(&clock).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    app.request(alice, bob).await;
    clock.advance_millis(27 * DAY_MS - 60_000);
    app.service().lifecycle().sweep().await.unwrap();
    assert_eq!(notification_kinds(&app, bob).await, ["request_received"], "more than 3 days remain");
    clock.advance_millis(60_000);
    app.service().lifecycle().sweep().await.unwrap();
    app.service().lifecycle().sweep().await.unwrap();
    assert_eq!(notification_kinds(&app, bob).await, ["request_received", "request_reminder"]);
    let (_, notes) = app.get(&format!("/api/v1/users/{bob}/notifications"), Some(bob)).await;
    assert!(notes["notifications"][0]["text"].as_str().unwrap().contains("from Alice expires on"), "{notes}");
    assert_eq!(notification_kinds(&app, alice).await, Vec::<String>::new(), "only the recipient is reminded");

    let restart_clock = clock.clone();
    app.restart_with(move |s| s.service.clock = restart_clock).await;
    app.service().lifecycle().sweep().await.unwrap();
    assert_eq!(notification_kinds(&app, bob).await, ["request_received", "request_reminder"]);
    // It went through the outbox like every notification.
    assert_eq!(app.db.count("select count(*) from notifications where kind = 'request_reminder'").await, 1);
}

#[tokio::test]
async fn two_instances_sweeping_at_once_remind_once_and_expire_once() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let other = {
        let clock = clock.clone();
        app.another_instance_with(move |s| s.service.clock = clock).await
    };
    let bob = app.user("Bob").await;
    let mut senders = Vec::new();
    for n in 0..12 {
        let sender = app.user(&format!("Sender {n}")).await;
        app.request(sender, bob).await;
        senders.push(sender);
    }
    clock.advance_millis(28 * DAY_MS);
    let (one, two) = tokio::join!(app.service().lifecycle().sweep(), other.service().lifecycle().sweep());
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.reminded + two.reminded, 12, "{one:?} {two:?}");
    let kinds = notification_kinds(&app, bob).await;
    assert_eq!(kinds.iter().filter(|k| *k == "request_reminder").count(), 12);
    clock.advance_millis(3 * DAY_MS);
    let (one, two) = tokio::join!(app.service().lifecycle().sweep(), other.service().lifecycle().sweep());
    assert_eq!(one.unwrap().expired + two.unwrap().expired, 12);
    let kinds = notification_kinds(&app, bob).await;
    assert_eq!(kinds.iter().filter(|k| *k == "request_reminder").count(), 12, "none again after expiry");
    other.stop().await.unwrap();
}

#[tokio::test]
async fn no_reminder_for_a_request_closed_before_or_when_reminders_are_off() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let id = app.request(alice, bob).await;
    app.respond(bob, id, "reject").await;
    let withdrawn = app.request(carol, bob).await;
    app.post(&format!("/api/v1/partner-requests/{withdrawn}/cancel"), Some(carol), json!({})).await;
    clock.advance_millis(28 * DAY_MS);
    app.service().lifecycle().sweep().await.unwrap();
    assert_eq!(notification_kinds(&app, bob).await, ["request_received", "request_received"]);

    let clock = Clock::fixed(Timestamp::now());
    let off = {
        let clock = clock.clone();
        TestApp::spawn_with(move |s| {
            s.service.clock = clock;
            s.service.lifecycle.reminder_days = 0;
        })
        .await
    };
    let (alice, bob) = (off.user("Alice").await, off.user("Bob").await);
    off.request(alice, bob).await;
    clock.advance_millis(29 * DAY_MS);
    assert_eq!(off.service().lifecycle().sweep().await.unwrap().reminded, 0);
    assert_eq!(notification_kinds(&off, bob).await, ["request_received"]);
}

#[tokio::test]
async fn simultaneous_sends_both_ways_on_an_expired_pair_leave_one_pending_request() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let old = app.request(alice, bob).await;
    clock.advance_millis(30 * DAY_MS);
    // The old row still holds the pair's pending slot in the unique index until a send marks it.
    assert_eq!(status_of(&app.db, old).await, "pending");
    let sends = (0..16).map(|n| {
        let (from, to) = if n % 2 == 0 { (alice, bob) } else { (bob, alice) };
        app.post("/api/v1/partner-requests", Some(from), json!({"recipient_id": to}))
    });
    let answers = futures::future::join_all(sends).await;
    let created = answers.iter().filter(|(status, _)| *status == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(status, _)| *status != StatusCode::CREATED) {
        assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        let code = body["error"]["code"].as_str().unwrap();
        assert!(code == "duplicate_request" || code == "reverse_request_pending", "{body}");
    }
    assert_eq!(status_of(&app.db, old).await, "expired");
    assert_eq!(app.db.count("select count(*) from partner_requests where status = 'pending'").await, 1);
}
