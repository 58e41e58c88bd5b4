//! Graceful shutdown: a request in flight when the server is told to stop still completes.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_completes_during_shutdown() {
    let mut app = TestApp::spawn().await;
    // The body arrives in two halves 500 ms apart, so the request is mid-flight when stop begins.
    let halves = [r#"{"email": "late@example.com", "#, r#""name": "Late"}"#];
    let body = futures::stream::iter(halves).enumerate().then(|(i, half)| async move {
        if i == 1 {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Ok::<_, std::io::Error>(half)
    });
    let request = app
        .client
        .post(app.url("/api/v1/users"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(150)).await;

    let server = app.server.take().unwrap();
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!stopping.is_finished(), "stop waits for the request in flight");

    let response = in_flight.await.unwrap().expect("the in-flight request gets an answer");
    assert_eq!(response.status(), StatusCode::CREATED);
    stopping.await.unwrap().expect("clean stop");

    let refused = app.client.get(app.url("/healthz")).send().await;
    assert!(refused.is_err(), "no new connections after shutdown");
}
