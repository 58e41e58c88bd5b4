//! `POST /partner-requests/bulk`: each id as its single endpoint would handle it, in the order
//! given; and the same invariants as single answers under concurrency.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::network::roomy_app;
use crate::support::{TestApp, assert_error};

async fn bulk(app: &TestApp, user: i64, action: &str, ids: &[i64]) -> (StatusCode, Value) {
    app.post("/api/v1/partner-requests/bulk", Some(user), json!({"action": action, "request_ids": ids})).await
}

#[tokio::test]
async fn bulk_accept_answers_each_id_in_order_as_the_single_endpoint_would() {
    let app = roomy_app().await;
    let (alice, bob, carol, dan) =
        (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Dan").await);
    let from_bob = app.request(bob, alice).await;
    let from_carol = app.request(carol, alice).await;
    let foreign = app.request(bob, dan).await;
    let closed = app.request(dan, alice).await;
    app.respond(alice, closed, "reject").await;

    let (status, body) = bulk(&app, alice, "accept", &[from_carol, 999_999, foreign, from_bob, closed, 0]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().unwrap();
    let ids: Vec<i64> = results.iter().map(|r| r["request_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [from_carol, 999_999, foreign, from_bob, closed, 0], "in the order given");
    assert_eq!(results[0], json!({"request_id": from_carol, "status": "accepted"}));
    assert_eq!(results[3], json!({"request_id": from_bob, "status": "accepted"}));
    let codes: Vec<&str> = [1, 2, 4, 5].iter().map(|&i| results[i]["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["request_not_found", "forbidden", "not_pending", "invalid_id"]);
    assert!(results[1]["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(results[1].get("status").is_none());

    let (_, partners) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    assert_eq!(partners["pagination"]["total"], 2);
    let (_, untouched) = app.get(&format!("/api/v1/partner-requests/{foreign}"), Some(bob)).await;
    assert_eq!(untouched["status"], "pending", "someone else's request is left alone");
    let told = app.db.count("select count(*) from notifications where kind = 'request_accepted'").await;
    assert_eq!(told, 2, "each accepted sender is told, once");
}

#[tokio::test]
async fn bulk_reject_and_cancel_each_need_the_right_side() {
    let app = roomy_app().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let to_bob = app.request(alice, bob).await;
    let to_carol = app.request(alice, carol).await;
    let (_, body) = bulk(&app, bob, "cancel", &[to_bob]).await;
    assert_eq!(body["results"][0]["error"]["code"], "forbidden", "only the sender withdraws");
    let (_, body) = bulk(&app, alice, "reject", &[to_bob]).await;
    assert_eq!(body["results"][0]["error"]["code"], "forbidden", "only the recipient answers");
    let (_, body) = bulk(&app, alice, "cancel", &[to_bob, to_carol]).await;
    let statuses: Vec<&str> =
        body["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["cancelled", "cancelled"]);
    // A withdrawn pair waits a day (the cooldown), so the recipient's side is tried on another.
    let from_carol = app.request(carol, bob).await;
    let (_, body) = bulk(&app, bob, "reject", &[from_carol]).await;
    assert_eq!(body["results"][0]["status"], "rejected");
}

#[tokio::test]
async fn bulk_refuses_no_ids_over_a_hundred_repeated_ids_and_unknown_actions() {
    let app = roomy_app().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(bob, alice).await;
    let before = crate::support::snapshot(&app.db).await;
    let hundred_and_one: Vec<i64> = (1..=101).collect();
    for (action, ids) in [("accept", vec![]), ("accept", hundred_and_one), ("accept", vec![id, 5, id])] {
        let response = bulk(&app, alice, action, &ids).await;
        assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request_ids");
    }
    for action in ["Accept", "withdraw", ""] {
        assert_error(&bulk(&app, alice, action, &[id]).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_action");
    }
    let body = json!({"action": "accept", "request_ids": "7"});
    assert_eq!(app.post("/api/v1/partner-requests/bulk", Some(alice), body).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.post("/api/v1/partner-requests/bulk", None, json!({})).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(crate::support::snapshot(&app.db).await, before, "nothing was touched");

    let hundred: Vec<i64> = (1..=100).map(|n| n + 1000).collect();
    let (status, body) = bulk(&app, alice, "accept", &hundred).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["results"].as_array().unwrap().len(), 100, "a hundred is allowed");
}

/// Requests from `senders` to `recipient`.
async fn requests_to(app: &TestApp, senders: &[i64], recipient: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for &sender in senders {
        ids.push(app.request(sender, recipient).await);
    }
    ids
}

async fn users(app: &TestApp, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.user(&format!("Sender {i}")).await);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bulk_accept_racing_the_senders_cancels_gives_each_request_one_outcome() {
    let app = roomy_app().await;
    let alice = app.user("Alice").await;
    let senders = users(&app, 20).await;
    let ids = requests_to(&app, &senders, alice).await;
    let paths: Vec<String> = ids.iter().map(|id| format!("/api/v1/partner-requests/{id}/cancel")).collect();
    let cancels = senders.iter().zip(&paths).map(|(&sender, path)| app.post(path, Some(sender), json!({})));
    let (accepted, cancelled) = tokio::join!(bulk(&app, alice, "accept", &ids), join_all(cancels));
    assert_eq!(accepted.0, StatusCode::OK, "{}", accepted.1);
    for ((result, (cancel_status, _)), id) in accepted.1["results"].as_array().unwrap().iter().zip(&cancelled).zip(&ids)
    {
        let accept_won = result["status"] == "accepted";
        let cancel_won = *cancel_status == StatusCode::OK;
        assert!(accept_won ^ cancel_won, "request {id}: exactly one wins: {result} {cancel_status}");
        if !accept_won {
            assert_eq!(result["error"]["code"], "not_pending");
        }
    }
    let won = accepted.1["results"].as_array().unwrap().iter().filter(|r| r["status"] == "accepted").count() as i64;
    assert_eq!(app.db.count("select count(*) from partnerships").await, won, "one partnership per accepted pair");
    assert_eq!(app.db.count("select count(*) from partner_requests where status = 'pending'").await, 0);
    let told = app.db.count("select count(*) from notifications where kind = 'request_accepted'").await;
    assert_eq!(told, won);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_bulk_accepts_of_overlapping_ids_accept_each_once() {
    let app = roomy_app().await;
    let alice = app.user("Alice").await;
    let senders = users(&app, 30).await;
    let ids = requests_to(&app, &senders, alice).await;
    let (first, second) = (&ids[..20], &ids[10..]);
    let (a, b) = tokio::join!(bulk(&app, alice, "accept", first), bulk(&app, alice, "accept", second));
    let mut won = std::collections::HashMap::new();
    for response in [&a, &b] {
        assert_eq!(response.0, StatusCode::OK, "{}", response.1);
        for result in response.1["results"].as_array().unwrap() {
            let id = result["request_id"].as_i64().unwrap();
            if result["status"] == "accepted" {
                *won.entry(id).or_insert(0) += 1;
            } else {
                assert_eq!(result["error"]["code"], "not_pending", "{result}");
            }
        }
    }
    assert_eq!(won.len(), 30, "every request was accepted by one of the two");
    assert!(won.values().all(|n| *n == 1), "and by one only: {won:?}");
    assert_eq!(app.db.count("select count(*) from partnerships").await, 30);
    assert_eq!(app.db.count("select count(*) from notifications where kind = 'request_accepted'").await, 30);
}
