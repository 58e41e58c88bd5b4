//! At most `DEALNEST_MAX_CONNECTIONS` connections are open at once. Past the cap a new
//! connection waits in the listen queue, unanswered and costing nothing, and is served as soon
//! as another closes.

use std::time::Duration;

use reqwest::StatusCode;
use tokio::net::TcpStream;

use crate::support::TestApp;

#[tokio::test]
async fn past_the_cap_a_connection_waits_until_another_closes() {
    let app = TestApp::spawn_with(|s| {
        s.max_connections = 2;
        // Long enough that the idle connections below are not closed for being idle.
        s.header_timeout = Duration::from_secs(60);
    })
    .await;
    let addr = app.server.as_ref().unwrap().addr();
    let first = TcpStream::connect(addr).await.unwrap();
    let _second = TcpStream::connect(addr).await.unwrap();

    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let waiting = tokio::spawn(client.get(app.url("/healthz")).send());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "a third connection was served while two were open");

    drop(first);
    let served = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("served once a slot freed");
    assert_eq!(served.unwrap().unwrap().status(), StatusCode::OK);
}
