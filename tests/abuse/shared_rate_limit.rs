//! Rate limits counted in Redis (`DEALNEST_REDIS_URL`) that get no answer from it: each instance
//! counts alone again, at once and without failing a request. That they hold across instances
//! when Redis answers is the `system` binary's `shared_limits` (it needs a Redis server).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;

/// A write that spends the writes allowance whatever it is answered (here 422: to oneself).
async fn write(client: &reqwest::Client, base: &str, token: &str) -> StatusCode {
    let request = client.post(format!("{base}/api/v1/partner-requests")).bearer_auth(token);
    request.json(&json!({ "recipient_id": 1 })).send().await.unwrap().status()
}

#[tokio::test]
async fn without_an_answer_from_redis_each_instance_counts_alone_and_no_request_waits() {
    // Nothing listens on port 1.
    let app = TestApp::spawn_with(|s| {
        s.rate_limit = 3;
        s.redis_url = Some("redis://127.0.0.1:1".to_owned());
    })
    .await;
    let alice = app.user("Alice").await;
    let token = app.token(alice);
    let started = Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(write(&app.client, &app.base, &token).await);
    }
    assert_eq!(&statuses[3..], [StatusCode::TOO_MANY_REQUESTS; 2], "{statuses:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}
