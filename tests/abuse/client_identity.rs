//! Who a request is counted against: its user when it names one (bearer scheme in any case, or
//! the session), else its address — the peer's, or behind a trusted proxy the right-most
//! untrusted address of `X-Forwarded-For`. The server listens on 127.0.0.1, which each test
//! declares a trusted proxy or not.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;

async fn directory(app: &TestApp, forwarded_for: Option<&str>) -> StatusCode {
    let mut request = app.client.get(app.url("/api/v1/users"));
    if let Some(chain) = forwarded_for {
        request = request.header("x-forwarded-for", chain);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let app = TestApp::spawn_with(|s| {
        s.read_rate_limit = 2;
        s.trusted_proxies = dealnest::web::client::TrustedProxies::parse("127.0.0.1/32").unwrap();
    })
    .await;
    let one = Some("198.51.100.1");
    assert_eq!(directory(&app, one).await, StatusCode::OK);
    assert_eq!(directory(&app, one).await, StatusCode::OK);
    assert_eq!(directory(&app, one).await, StatusCode::TOO_MANY_REQUESTS);
    // Writing another address to the left changes nothing: only the proxy's entry counts.
    assert_eq!(directory(&app, Some("203.0.113.77, 198.51.100.1")).await, StatusCode::TOO_MANY_REQUESTS);
    // Another visitor behind the same proxy is not refused for the first one's searches.
    assert_eq!(directory(&app, Some("198.51.100.2")).await, StatusCode::OK);
    assert_eq!(directory(&app, Some("2001:db8:1:2::1")).await, StatusCode::OK);
    assert_eq!(directory(&app, Some("2001:db8:1:2::2")).await, StatusCode::OK);
    assert_eq!(directory(&app, Some("2001:db8:1:2:ffff::9")).await, StatusCode::TOO_MANY_REQUESTS, "same /64");
    assert_eq!(directory(&app, Some("2001:db8:1:3::1")).await, StatusCode::OK, "another /64");
}

#[tokio::test]
async fn from_an_untrusted_peer_x_forwarded_for_is_ignored() {
    let app = TestApp::spawn_with(|s| {
        s.read_rate_limit = 2;
        s.trusted_proxies = dealnest::web::client::TrustedProxies::parse("10.0.0.0/8").unwrap();
    })
    .await;
    assert_eq!(directory(&app, Some("198.51.100.1")).await, StatusCode::OK);
    assert_eq!(directory(&app, Some("198.51.100.2")).await, StatusCode::OK);
    assert_eq!(directory(&app, Some("198.51.100.3")).await, StatusCode::TOO_MANY_REQUESTS, "one peer, one allowance");
}

#[tokio::test]
async fn a_lower_case_bearer_client_is_counted_as_its_user() {
    let app = TestApp::spawn_with(|s| s.rate_limit = 3).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    // The address has spent its three writes on the sign-ups; Alice's own allowance is untouched.
    let send = |to: i64| {
        app.client
            .post(app.url("/api/v1/partner-requests"))
            .header("authorization", format!("bearer {}", app.token(alice)))
            .json(&json!({ "recipient_id": to }))
            .send()
    };
    assert_eq!(send(bob).await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(send(carol).await.unwrap().status(), StatusCode::CREATED);
}
