//! The cross-site check compares `Origin` with the host the browser asked for. A proxy that
//! rewrites `Host` names that host in `X-Forwarded-Host`, so the header is believed only from
//! `DEALNEST_TRUSTED_PROXIES`; from anyone else it is the client's own word, and naming the
//! attacker's host in it lets nothing through.

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::web::Browser;

/// A form post as `browser`, with `Origin` and `X-Forwarded-Host` as given.
async fn post(browser: &Browser, path: &str, origin: &str, forwarded_host: &str, host: Option<&str>) -> StatusCode {
    let mut request = browser
        .client
        .post(browser.url(path))
        .header("origin", origin)
        .header("x-forwarded-host", forwarded_host)
        .form(&[("action", "accept"), ("accepts_requests_from", "everyone")]);
    if let Some(host) = host {
        request = request.header("host", host);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn a_forwarded_host_from_a_peer_that_is_no_trusted_proxy_does_not_vouch_for_another_site() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;
    for path in ["/settings", "/requests/bulk", "/api/v1/partner-requests", "/session/end"] {
        let status = post(&browser, path, "http://evil.example", "evil.example", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // Still signed in: the sign-out above was refused too.
    assert_eq!(browser.get("/settings").await.status, StatusCode::OK);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_host_is_the_one_the_browser_asked_for() {
    let trusted = dealnest::web::client::TrustedProxies::parse("127.0.0.1/32").unwrap();
    let app = TestApp::spawn_with(|s| s.trusted_proxies = trusted).await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;
    // The proxy reached us as 10.0.0.5:8004; the browser asked for deals.example.
    let proxied = Some("10.0.0.5:8004");
    let status = post(&browser, "/requests/bulk", "https://deals.example", "deals.example", proxied).await;
    assert_ne!(status, StatusCode::FORBIDDEN);
    let status = post(&browser, "/requests/bulk", "https://evil.example", "deals.example", proxied).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
