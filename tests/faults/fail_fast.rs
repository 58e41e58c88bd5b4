//! While the database is out of reach, requests are answered 503 at once instead of each
//! waiting out the acquire timeout: the first request that finds it gone waits, the rest are
//! refused in well under 100 ms, readiness says so, and one probe finds the database again
//! within a probe interval or two of its return. PostgreSQL only: the app reaches it through a
//! TCP relay of the test's, which the test closes (connections refused, those open cut) and
//! opens again.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use dealnest::store::DatabaseUrl;
use reqwest::StatusCode;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::support::needs::postgres_url;
use crate::support::web::Browser;
use crate::support::{TestApp, TestDb, assert_error, with_database};

/// Relays connections from a local port to the PostgreSQL server, until told to stop.
struct Relay {
    addr: SocketAddr,
    upstream: SocketAddr,
    running: Option<JoinSet<()>>,
}

impl Relay {
    async fn start(upstream: SocketAddr) -> Self {
        let mut relay = Self { addr: SocketAddr::from(([127, 0, 0, 1], 0)), upstream, running: None };
        relay.open().await;
        relay
    }

    /// Accepts connections again, on the same port.
    async fn open(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("the relay's port");
        self.addr = listener.local_addr().unwrap();
        let upstream = self.upstream;
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut pipes = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                pipes.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        self.running = Some(tasks);
    }

    /// Refuses new connections and cuts those open (their tasks are dropped with the set).
    async fn close(&mut self) {
        if let Some(mut tasks) = self.running.take() {
            tasks.shutdown().await;
        }
    }
}

/// `url` with its host and port replaced by `addr`.
fn through(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (credentials, host_and_path) = rest.rsplit_once('@').map_or(("", rest), |(c, h)| (c, h));
    let path = host_and_path.find('/').map_or("", |i| &host_and_path[i..]);
    let at = if credentials.is_empty() { "" } else { "@" };
    format!("{scheme}://{credentials}{at}{addr}{path}")
}

/// The PostgreSQL server's address in `url`, e.g. `127.0.0.1:5432`.
async fn server_addr(url: &str) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = host.split(['/', '?']).next().unwrap();
    let host = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
    tokio::net::lookup_host(host).await.unwrap().next().unwrap()
}

pub async fn while_the_database_is_out_of_reach_requests_are_refused_at_once_and_a_probe_finds_it_again() {
    let db = TestDb::postgres(postgres_url().expect("a PostgreSQL server")).await;
    let (server, name) = db.postgres_server().expect("a database on PostgreSQL");
    let direct = with_database(server, name);
    let mut relay = Relay::start(server_addr(server).await).await;
    let url = through(&direct, relay.addr);
    let app = TestApp::spawn_on(db, |s| {
        s.database.url = DatabaseUrl::Postgres(url);
        s.database.acquire_timeout = Duration::from_secs(2);
    })
    .await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;

    relay.close().await;
    // The first request finds the database gone, after the acquire timeout at most.
    let started = Instant::now();
    let first = app.get(&format!("/api/v1/partner-requests/received/{alice}"), Some(alice)).await;
    assert_error(&first, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());

    // From then on every request that needs it is refused at once, with Retry-After.
    for i in 0..20 {
        let started = Instant::now();
        let (status, body) = if i % 2 == 0 {
            app.post("/api/v1/partner-requests", Some(alice), json!({ "recipient_id": bob })).await
        } else {
            app.get(&format!("/api/v1/partner-requests/received/{bob}"), Some(bob)).await
        };
        let took = started.elapsed();
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("database_unavailable"))
        );
        assert!(took < Duration::from_millis(100), "request {i} took {took:?}");
    }
    let started = Instant::now();
    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(200), "{:?}", started.elapsed());
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let ready: serde_json::Value = response.json().await.unwrap();
    assert_eq!(ready["cause"], "database_unavailable");

    // Back: a probe finds it within a probe interval or two, and requests go through again.
    relay.open().await;
    let back = Instant::now();
    loop {
        let (status, _) = app.get(&format!("/api/v1/partner-requests/received/{alice}"), Some(alice)).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(3), "still {status} after {:?}", back.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("served again {:?} after the database came back", back.elapsed());
    app.request(alice, bob).await;
    assert_eq!(app.get("/readyz", None).await.0, StatusCode::OK);
}
