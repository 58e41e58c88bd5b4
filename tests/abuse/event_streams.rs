//! `GET /events` holds a connection for as long as it is open, so each user may have a few
//! streams and the process a bounded number: past the first cap 429 `too_many_streams`, past the
//! second 503, both with `Retry-After`; a closed stream gives its place back.

use std::time::Duration;

use dealnest::web::events::StreamLimits;
use reqwest::StatusCode;

use crate::support::TestApp;

async fn open(app: &TestApp, user: i64) -> reqwest::Response {
    app.client.get(app.url("/events")).bearer_auth(app.token(user)).send().await.unwrap()
}

async fn refused(app: &TestApp, user: i64, status: StatusCode, code: &str) {
    let response = open(app, user).await;
    assert_eq!(response.status(), status);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
}

#[tokio::test]
async fn streams_are_capped_per_user_and_per_process() {
    let app =
        TestApp::spawn_with(|s| s.event_streams = StreamLimits { per_user: 2, per_client: 10, per_process: 3 }).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let first = open(&app, alice).await;
    let _second = open(&app, alice).await;
    assert_eq!((first.status(), _second.status()), (StatusCode::OK, StatusCode::OK));
    refused(&app, alice, StatusCode::TOO_MANY_REQUESTS, "too_many_streams").await;
    let bob_stream = open(&app, bob).await;
    assert_eq!(bob_stream.status(), StatusCode::OK);
    refused(&app, carol, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;

    // A stream the client closes gives its place back.
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let again = open(&app, carol).await;
        if again.status() == StatusCode::OK {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the closed stream's place never came back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
