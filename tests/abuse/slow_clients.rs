//! Connections no client can hold on to: a request's headers must arrive within the header
//! timeout (a client sending them byte by byte is cut off, and so is one that sends nothing),
//! and they must fit in the server's buffer.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::support::TestApp;

const TIMEOUT: Duration = Duration::from_millis(400);
/// Far longer than the server should ever take to cut a slow client off.
const PATIENCE: Duration = Duration::from_secs(10);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.server.as_ref().unwrap().addr()).await.unwrap()
}

/// Reads until the server closes the connection; what it sent, and when it closed.
async fn read_until_closed(reader: &mut (impl AsyncReadExt + Unpin)) -> (Vec<u8>, Instant) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, reader.read(&mut buffer)).await {
            Err(_) => panic!("the server kept the connection open for {PATIENCE:?}"),
            Ok(Ok(0) | Err(_)) => return (received, Instant::now()),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn headers_sent_byte_by_byte_are_cut_off_at_the_header_timeout() {
    let app = TestApp::spawn_with(|s| s.header_timeout = TIMEOUT).await;
    let started = Instant::now();
    let (mut reader, mut writer) = connect(&app).await.into_split();
    let trickle = tokio::spawn(async move {
        let head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        for byte in head.iter().chain(std::iter::repeat(&b'a')) {
            if writer.write_all(&[*byte]).await.is_err() || started.elapsed() > PATIENCE {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        unreachable!()
    });
    let (_, closed) = read_until_closed(&mut reader).await;
    let took = closed - started;
    assert!(took >= TIMEOUT, "cut off after {took:?}, before the timeout");
    assert!(took < TIMEOUT * 5, "cut off only after {took:?}");
    let gave_up = tokio::time::timeout(PATIENCE, trickle).await.expect("the writer stops").unwrap();
    assert!(gave_up < PATIENCE, "the server still took bytes after {gave_up:?}");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_timeout() {
    let app = TestApp::spawn_with(|s| s.header_timeout = TIMEOUT).await;
    let started = Instant::now();
    let mut silent = connect(&app).await;
    let (_, closed) = read_until_closed(&mut silent).await;
    let took = closed - started;
    assert!(took >= TIMEOUT && took < TIMEOUT * 5, "closed after {took:?}");
}

#[tokio::test]
async fn a_prompt_client_is_served_and_oversized_headers_are_refused() {
    let app = TestApp::spawn_with(|s| s.header_timeout = TIMEOUT).await;
    let mut prompt = connect(&app).await;
    prompt.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let (answer, _) = read_until_closed(&mut prompt).await;
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));

    let mut huge = connect(&app).await;
    // The server reads in chunks, so a head a little over the limit may still fit in its last one.
    let padding = "a".repeat(4 * dealnest::web::connections::MAX_HEADER_BYTES);
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {padding}\r\n\r\n");
    // The server may close before it has read everything.
    let _ = huge.write_all(request.as_bytes()).await;
    let (answer, _) = read_until_closed(&mut huge).await;
    assert!(answer.starts_with(b"HTTP/1.1 431"), "{}", String::from_utf8_lossy(&answer));
}
