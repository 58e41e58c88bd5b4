//! Bearer tokens: HS256 only, `exp` required and checked, the subject must be an existing user.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{JWT_SECRET, TestApp, assert_error};

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn sign(alg: Algorithm, secret: &str, claims: Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

async fn received_with(app: &TestApp, user: i64, authorization: &str) -> (StatusCode, Value) {
    let request = app
        .client
        .get(app.url(&format!("/api/v1/partner-requests/received/{user}")))
        .header("authorization", authorization);
    app.send(request, None).await
}

#[tokio::test]
async fn a_valid_token_with_a_numeric_or_string_subject_is_accepted() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    for sub in [json!(alice), json!(alice.to_string())] {
        let token = sign(Algorithm::HS256, JWT_SECRET, json!({"sub": sub, "exp": now() + 60}));
        let (status, _) = received_with(&app, alice, &format!("Bearer {token}")).await;
        assert_eq!(status, StatusCode::OK, "sub {sub}");
    }
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(json!({"sub": alice, "exp": now() + 60}).to_string());
    let cases = [
        ("no scheme", sign(Algorithm::HS256, JWT_SECRET, json!({"sub": alice, "exp": now() + 60}))),
        ("malformed", "Bearer not-a-jwt".to_owned()),
        ("alg none", format!("Bearer {none_header}.{payload}.")),
        ("HS384", format!("Bearer {}", sign(Algorithm::HS384, JWT_SECRET, json!({"sub": alice, "exp": now() + 60})))),
        (
            "wrong secret",
            format!(
                "Bearer {}",
                sign(Algorithm::HS256, "another-secret-entirely", json!({"sub": alice, "exp": now() + 60}))
            ),
        ),
        ("expired", format!("Bearer {}", sign(Algorithm::HS256, JWT_SECRET, json!({"sub": alice, "exp": now() - 5})))),
        ("no exp", format!("Bearer {}", sign(Algorithm::HS256, JWT_SECRET, json!({"sub": alice})))),
        (
            "unknown user",
            format!("Bearer {}", sign(Algorithm::HS256, JWT_SECRET, json!({"sub": 9999, "exp": now() + 60}))),
        ),
        (
            "non-numeric sub",
            format!("Bearer {}", sign(Algorithm::HS256, JWT_SECRET, json!({"sub": "alice", "exp": now() + 60}))),
        ),
        ("empty", "Bearer ".to_owned()),
    ];
    for (what, header) in cases {
        let response = received_with(&app, alice, &header).await;
        assert_eq!(response.0, StatusCode::UNAUTHORIZED, "{what}: {}", response.1);
        assert_error(&response, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn no_identity_is_401_on_every_protected_route() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    let c = &app.client;
    let requests = [
        c.post(app.url("/api/v1/partner-requests")).json(&json!({"recipient_id": bob})),
        c.get(app.url(&format!("/api/v1/partner-requests/received/{bob}"))),
        c.get(app.url(&format!("/api/v1/partner-requests/sent/{alice}"))),
        c.get(app.url(&format!("/api/v1/partner-requests/{id}"))),
        c.post(app.url(&format!("/api/v1/partner-requests/{id}/respond"))).json(&json!({"action": "accept"})),
        c.post(app.url(&format!("/api/v1/partner-requests/{id}/cancel"))),
        c.get(app.url(&format!("/api/v1/users/{alice}/partnerships"))),
        c.delete(app.url("/api/v1/partnerships/1")),
        c.post(app.url(&format!("/api/v1/users/{alice}/blocks"))).json(&json!({"blocked_user_id": bob})),
        c.delete(app.url(&format!("/api/v1/users/{alice}/blocks/{bob}"))),
        c.get(app.url(&format!("/api/v1/users/{alice}/notifications"))),
    ];
    for request in requests {
        let response = app.send(request, None).await;
        assert_error(&response, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let (_, still) = app.get(&format!("/api/v1/partner-requests/{id}"), Some(bob)).await;
    assert_eq!(still["status"], "pending", "nothing changed");
}
