//! A request refused before its body was read (401, 403, 413, 415, 429) must not cost the
//! client its connection: the body still on its way is read and dropped, so the answer arrives
//! whole and the next request on the same connection is served, as a client that pools
//! connections expects; a body over the size limit is answered with `Connection: close` and the
//! connection closes without a reset. Raw TCP, headers and body sent in separate writes, as
//! real clients do.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::TestApp;

const PATIENCE: Duration = Duration::from_secs(10);

/// Sends `head` (request line and headers, without the blank line), then after a pause `body`.
async fn send(stream: &mut TcpStream, head: &str, body: &[u8]) {
    let head = format!("{head}\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n", body.len());
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The server may already have answered; what it does with the rest is the point.
    let _ = stream.write_all(body).await;
}

/// Reads one answer: its head (status line and headers, lower-cased names) and body.
async fn answer(stream: &mut TcpStream) -> (String, String) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).to_lowercase();
            let length: usize =
                head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().unwrap());
            if received.len() >= end + 4 + length {
                let body = String::from_utf8_lossy(&received[end + 4..end + 4 + length]).into_owned();
                return (head, body);
            }
        }
        match tokio::time::timeout(PATIENCE, stream.read(&mut buffer)).await {
            Ok(Ok(0)) => panic!("closed before a whole answer: {}", String::from_utf8_lossy(&received)),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Ok(Err(error)) => panic!("{error} before a whole answer: {}", String::from_utf8_lossy(&received)),
            Err(_) => panic!("no answer within {PATIENCE:?}"),
        }
    }
}

/// The connection still serves: `/healthz` on it answers 200.
async fn still_serves(stream: &mut TcpStream) {
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let (head, _) = answer(stream).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
}

#[tokio::test]
async fn a_request_refused_before_its_body_was_read_leaves_the_connection_serving() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let token = app.token(alice);
    let addr = app.server.as_ref().unwrap().addr();
    let json = serde_json::to_vec(&json!({ "recipient_id": bob, "message": "x".repeat(400) })).unwrap();
    let post = "POST /api/v1/partner-requests HTTP/1.1\r\nContent-Type: application/json";
    let cases: Vec<(String, StatusCode)> = vec![
        (
            format!(
                "POST /api/v1/partner-requests HTTP/1.1\r\nContent-Type: text/plain\r\nAuthorization: Bearer {token}"
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (post.to_owned(), StatusCode::UNAUTHORIZED),
        (format!("{post}\r\nAuthorization: Bearer {}", app.token(bob + 100)), StatusCode::UNAUTHORIZED),
        (
            "POST /settings HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nOrigin: http://evil.example"
                .to_owned(),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (head, status) in cases {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        send(&mut stream, &head, &json).await;
        let (answer_head, body) = answer(&mut stream).await;
        assert!(answer_head.starts_with(&format!("http/1.1 {}", status.as_u16())), "{answer_head}\n{body}");
        assert!(!answer_head.contains("connection: close"), "{answer_head}");
        still_serves(&mut stream).await;
    }
}

#[tokio::test]
async fn a_request_over_the_rate_limit_leaves_the_connection_serving() {
    let app = TestApp::spawn_with(|s| s.rate_limit = 2).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let json = serde_json::to_vec(&json!({ "recipient_id": bob, "message": "x".repeat(400) })).unwrap();
    let head = format!(
        "POST /api/v1/partner-requests HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Bearer {}",
        app.token(alice)
    );
    let mut stream = TcpStream::connect(app.server.as_ref().unwrap().addr()).await.unwrap();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        send(&mut stream, &head, &json).await;
        statuses.push(answer(&mut stream).await.0[9..12].to_owned());
    }
    assert_eq!(statuses, ["201", "409", "429"]);
    still_serves(&mut stream).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_answered_413_with_connection_close_and_no_reset() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let addr = app.server.as_ref().unwrap().addr();
    let body = vec![b'x'; dealnest::web::BODY_LIMIT + 50_000];
    let head = format!(
        "POST /api/v1/partner-requests HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Bearer {}",
        app.token(alice)
    );
    let mut stream = TcpStream::connect(addr).await.unwrap();
    send(&mut stream, &head, &body).await;
    let (answer_head, _) = answer(&mut stream).await;
    assert!(answer_head.starts_with("http/1.1 413"), "{answer_head}");
    assert!(answer_head.contains("connection: close"), "{answer_head}");
    // Then the server closes its side, and the client reads an orderly end, never a reset.
    let mut rest = Vec::new();
    let end = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut rest)).await.expect("closed");
    assert!(end.is_ok(), "{end:?}");
}

#[tokio::test]
async fn a_pooling_client_survives_a_refusal_and_sends_its_next_request_on_the_same_connection() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    // One connection at most, kept between requests.
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    for _ in 0..5 {
        let refused = client
            .post(app.url("/api/v1/partner-requests"))
            .bearer_auth(app.token(alice))
            .header("content-type", "text/plain")
            .body("x".repeat(20_000))
            .send()
            .await
            .expect("answered");
        assert_eq!(refused.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let next = client.get(app.url(&format!("/api/v1/users/{bob}"))).send().await.expect("the next request");
        assert_eq!(next.status(), StatusCode::OK);
    }
}
