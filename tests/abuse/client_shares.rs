//! One client cannot take every connection or every live stream: each address (an IPv6 client
//! by its /64) has a share of both (by default a quarter of the cap), a connection past its
//! share is closed on arrival, and a request's body must arrive within its own deadline, so a
//! client that declares a body and sends it a byte at a time is answered 408 and let go. The
//! other clients come from another loopback address (127.0.0.2).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use dealnest::web::events::StreamLimits;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

use crate::support::TestApp;

const PATIENCE: Duration = Duration::from_secs(10);
const ELSEWHERE: [u8; 4] = [127, 0, 0, 2];

/// A connection to `server` from the loopback address `from`.
async fn connect_from(from: [u8; 4], server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(server).await.unwrap()
}

/// The head of a POST that declares a 50-byte body, and the first byte of it.
const HELD: &[u8] =
    b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{";

/// Reads until the server closes; what it sent.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buffer).await {
            received.extend_from_slice(&buffer[..n]);
        }
    });
    read.await.expect("the server let go");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_answered_408_and_the_connection_let_go() {
    let timeout = Duration::from_millis(400);
    let app = TestApp::spawn_with(|s| s.body_timeout = timeout).await;
    let started = Instant::now();
    let mut stream = TcpStream::connect(app.server.as_ref().unwrap().addr()).await.unwrap();
    stream.write_all(HELD).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    assert!(took >= timeout && took < timeout + Duration::from_secs(3), "let go after {took:?}");
}

#[tokio::test]
async fn one_address_holding_its_share_of_connections_leaves_the_rest_to_others() {
    let app = TestApp::spawn_with(|s| {
        s.max_connections = 40;
        s.max_connections_per_client = 10;
    })
    .await;
    let addr = app.server.as_ref().unwrap().addr();
    // Forty connections from one address, each holding a request whose body never comes.
    let mut held = Vec::new();
    for _ in 0..40 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let _ = stream.write_all(HELD).await;
        held.push(stream);
    }
    // Those past the address's share were closed on arrival.
    let mut closed = 0;
    for stream in &mut held {
        let mut byte = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut byte)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 30, "{closed} of 40 closed on arrival");

    // Anyone else is served at once.
    let started = Instant::now();
    let mut other = connect_from(ELSEWHERE, addr).await;
    other.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut other).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(2), "served after {:?}", started.elapsed());
}

#[tokio::test]
async fn one_address_signed_in_as_several_users_gets_its_share_of_streams_and_no_more() {
    let limits = StreamLimits { per_user: 4, per_client: 5, per_process: 20 };
    let app = TestApp::spawn_with(|s| s.event_streams = limits).await;
    let mut users = Vec::new();
    for name in ["A", "B", "C", "D", "E", "F"] {
        users.push(app.user(name).await);
    }
    let mut open = Vec::new();
    let mut refused = 0;
    for &user in &users[..5] {
        for _ in 0..4 {
            let response = app.client.get(app.url("/events")).bearer_auth(app.token(user)).send().await.unwrap();
            match response.status() {
                StatusCode::OK => open.push(response),
                StatusCode::TOO_MANY_REQUESTS => {
                    let body: serde_json::Value = response.json().await.unwrap();
                    assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
                    refused += 1;
                }
                other => panic!("{other}"),
            }
        }
    }
    assert_eq!((open.len(), refused), (5, 15));

    // Another address still finds room.
    let elsewhere = reqwest::Client::builder().local_address(IpAddr::from(ELSEWHERE)).build().unwrap();
    let url = format!("http://{}/events", app.server.as_ref().unwrap().addr());
    let response = elsewhere.get(url).bearer_auth(app.token(users[5])).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
