//! The authorization matrix: for every route that takes an identity, every identity that may not
//! act (a stranger, the other party where not allowed, nobody, a bad token) gets 401 or 403, and
//! nothing in the database changes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, snapshot};

enum Caller {
    User(i64),
    Nobody,
    BadToken,
}

#[tokio::test]
async fn every_protected_route_refuses_everyone_it_should() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, eve) =
        (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Eve").await);
    let request = app.request(alice, bob).await;
    let to_carol = app.request(carol, alice).await;
    app.respond(alice, to_carol, "accept").await;
    let (_, list) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    let partnership = list["partnerships"][0]["partnership_id"].as_i64().unwrap();
    app.post(&format!("/api/v1/users/{alice}/blocks"), Some(alice), json!({"blocked_user_id": eve})).await;

    // (method, path, body, who may act)
    let routes: Vec<(Method, String, Value, Vec<i64>)> = vec![
        (
            Method::POST,
            "/api/v1/partner-requests".into(),
            json!({"sender_id": alice, "recipient_id": carol}),
            vec![alice],
        ),
        (Method::GET, format!("/api/v1/partner-requests/received/{bob}"), Value::Null, vec![bob]),
        (Method::GET, format!("/api/v1/partner-requests/sent/{alice}"), Value::Null, vec![alice]),
        (Method::GET, format!("/api/v1/partner-requests/{request}"), Value::Null, vec![alice, bob]),
        (Method::POST, format!("/api/v1/partner-requests/{request}/respond"), json!({"action": "accept"}), vec![bob]),
        (Method::POST, format!("/api/v1/partner-requests/{request}/cancel"), json!({}), vec![alice]),
        (Method::GET, format!("/api/v1/users/{alice}/partnerships"), Value::Null, vec![alice]),
        (Method::DELETE, format!("/api/v1/partnerships/{partnership}"), Value::Null, vec![alice, carol]),
        (Method::POST, format!("/api/v1/users/{alice}/blocks"), json!({"blocked_user_id": bob}), vec![alice]),
        (Method::DELETE, format!("/api/v1/users/{alice}/blocks/{eve}"), Value::Null, vec![alice]),
        (Method::GET, format!("/api/v1/users/{alice}/notifications"), Value::Null, vec![alice]),
    ];

    let before = snapshot(&app.db).await;
    let mut checked = 0;
    for (method, path, body, allowed) in &routes {
        let mut callers: Vec<Caller> =
            [alice, bob, carol, eve].into_iter().filter(|u| !allowed.contains(u)).map(Caller::User).collect();
        callers.push(Caller::Nobody);
        callers.push(Caller::BadToken);
        for caller in callers {
            let mut request = app.client.request(method.clone(), app.url(path));
            if !body.is_null() {
                request = request.json(body);
            }
            let (user, expected) = match caller {
                Caller::User(user) => (Some(user), StatusCode::FORBIDDEN),
                Caller::Nobody => (None, StatusCode::UNAUTHORIZED),
                Caller::BadToken => {
                    request = request.bearer_auth("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.bad");
                    (None, StatusCode::UNAUTHORIZED)
                }
            };
            let (status, response) = app.send(request, user).await;
            assert_eq!(status, expected, "{method} {path} as {user:?}: {response}");
            assert!(response["error"]["code"].is_string());
            checked += 1;
        }
    }
    assert!(checked > 40);
    assert_eq!(snapshot(&app.db).await, before, "refused calls changed nothing");
}
