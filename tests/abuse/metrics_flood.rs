//! A flood of requests with made-up methods and paths leaves `/metrics` small and the server's
//! memory where it was: methods outside the standard set count as `other`, addresses no route
//! claims share one label, and histogram samples are folded in without anyone scraping. Every
//! metric carries a `# HELP` line.
//!
//! The server runs as its own process here, so its memory is not mixed with the test's
//! (`DEALNEST_BIN` names another build to measure).

use std::time::Duration;

use futures::StreamExt;
use rand::Rng;
use reqwest::{Method, StatusCode};

use crate::support::process::{ServerProcess, Spawn};
use crate::support::{TestApp, TestDb};

const FLOOD: usize = 10_000;
const WARM_UP: usize = 2_000;
const IN_FLIGHT: usize = 32;

/// The server binary on `db` (`DEALNEST_BIN` names another build), limits off.
async fn start(db: &TestDb) -> ServerProcess {
    Spawn::new(&db.connection_url()).env("DEALNEST_RATE_LIMIT", "0").env("DEALNEST_READ_RATE_LIMIT", "0").start().await
}

/// Resident memory of `server`, in kB.
fn rss_kb(server: &ServerProcess) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn word(rng: &mut impl Rng, letters: &[u8], len: std::ops::RangeInclusive<usize>) -> String {
    let len = rng.random_range(len);
    (0..len).map(|_| letters[rng.random_range(0..letters.len())] as char).collect()
}

/// A request no client would normally send: a made-up method (or a standard one) at a made-up
/// address under any part of the site.
fn random_request(rng: &mut impl Rng) -> (Method, String) {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const PATH: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_.~";
    let method = match rng.random_range(0..4) {
        0 => Method::GET,
        1 => Method::POST,
        _ => Method::from_bytes(word(rng, UPPER, 3..=12).as_bytes()).unwrap(),
    };
    let prefix = ["", "/api", "/api/v1", "/api/v1/users", "/static", "/users", "/requests"][rng.random_range(0..7)];
    let mut path = prefix.to_owned();
    for _ in 0..rng.random_range(1..=3) {
        path.push('/');
        path.push_str(&word(rng, PATH, 1..=16));
    }
    if rng.random_bool(0.3) {
        path.push_str(&format!("?{}={}", word(rng, PATH, 1..=8), word(rng, PATH, 0..=8)));
    }
    (method, path)
}

async fn flood(client: &reqwest::Client, base: &str, count: usize) {
    let requests: Vec<_> = {
        let mut rng = rand::rng();
        (0..count).map(|_| random_request(&mut rng)).collect()
    };
    let mut answers = futures::stream::iter(requests)
        .map(|(method, path)| {
            let request = client.request(method.clone(), format!("{base}{path}"));
            async move { (method, path, request.send().await.map(|r| r.status())) }
        })
        .buffer_unordered(IN_FLIGHT);
    while let Some((method, path, status)) = answers.next().await {
        let status = status.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(!status.is_server_error(), "{method} {path}: {status}");
    }
}

pub async fn metrics_text(client: &reqwest::Client, base: &str) -> String {
    client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_made_up_methods_and_paths_leaves_metrics_and_memory_bounded() {
    let db = TestDb::new().await;
    let server = start(&db).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // Warm up, so buffers and allocator arenas reach their working size before the baseline.
    flood(&client, &server.base, WARM_UP).await;
    let rss_before = rss_kb(&server);
    let metrics_before = metrics_text(&client, &server.base).await.len();

    flood(&client, &server.base, FLOOD).await;
    let text = metrics_text(&client, &server.base).await;
    let rss_after = rss_kb(&server);
    eprintln!(
        "flood of {FLOOD}: /metrics {metrics_before} -> {} bytes, RSS {rss_before} -> {rss_after} kB",
        text.len()
    );

    assert!(text.len() < 100_000, "/metrics is {} bytes after the flood", text.len());
    assert!(text.contains(r#"method="other""#), "made-up methods are counted as other");
    assert!(text.contains(r#"route="unmatched""#), "unclaimed addresses share one label");
    assert!(!text.contains("XYZ") && !text.contains(r#"route="/users/"#), "no label from a request's own text");
    let grown = rss_after.saturating_sub(rss_before);
    assert!(grown < 8 * 1024, "RSS grew by {grown} kB ({rss_before} -> {rss_after} kB)");
}

#[tokio::test]
async fn every_metric_has_a_help_line() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    app.respond(bob, id, "accept").await;
    let events = app.client.get(app.url("/events")).bearer_auth(app.token(alice)).send().await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let typed: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()).collect();
    assert!(typed.len() >= 5, "{text}");
    for name in typed {
        assert!(text.contains(&format!("# HELP {name} ")), "{name} has no # HELP line");
    }
}
