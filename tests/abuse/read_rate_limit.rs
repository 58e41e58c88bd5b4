//! Searches and the user directory spend a per-client read allowance
//! (`DEALNEST_READ_RATE_LIMIT`); past it the API answers 429 `rate_limited` and the pages a
//! message where the results would have gone, both with `Retry-After`. Reads of one's own lists
//! are not limited.

use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::support::{TestApp, assert_error};

fn retry_after(response: &reqwest::Response) -> u64 {
    let wait = response.headers().get("retry-after").expect("Retry-After").to_str().unwrap();
    wait.parse().unwrap()
}

#[tokio::test]
async fn the_user_directory_and_search_share_one_allowance_per_client() {
    let app = TestApp::spawn_with(|s| s.read_rate_limit = 3).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    for path in ["/api/v1/users", "/api/v1/users?q=ali", "/api/v1/users?page=2&size=1"] {
        assert_eq!(app.get(path, None).await.0, StatusCode::OK, "{path}");
    }
    let response = app.client.get(app.url("/api/v1/users?q=bo")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&response)));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("searching too quickly"), "{body}");

    // Cheap reads stay open to the same address, and writes have their own allowance.
    for _ in 0..10 {
        assert_eq!(app.get(&format!("/api/v1/users/{alice}"), None).await.0, StatusCode::OK);
        assert_eq!(app.get(&format!("/api/v1/partner-requests/received/{alice}"), Some(alice)).await.0, StatusCode::OK);
        assert_eq!(app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await.0, StatusCode::OK);
    }
    app.user("Carol").await;
    // A user is a client of its own, whatever its address.
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/users?q=a", Some(bob)).await.0, StatusCode::OK);
    }
    assert_error(&app.get("/api/v1/users?q=a", Some(bob)).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn zero_turns_the_read_limit_off() {
    let app = TestApp::spawn_with(|s| s.read_rate_limit = 0).await;
    // More than the default's 300 a minute.
    for _ in 0..320 {
        assert_eq!(app.get("/api/v1/users?q=x", None).await.0, StatusCode::OK);
    }
}

fn select(html: &str, css: &str) -> Vec<String> {
    let html = Html::parse_fragment(html);
    let selector = Selector::parse(css).unwrap();
    html.select(&selector).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
}

#[tokio::test]
async fn a_refused_search_on_the_pages_says_so_where_the_results_go() {
    let app = TestApp::spawn_with(|s| s.read_rate_limit = 2).await;
    app.user("Alice").await;
    let signed_out = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let search = |target: &'static str| {
        signed_out.get(app.url("/users/search?q=al")).header("HX-Request", "true").header("HX-Target", target).send()
    };
    for _ in 0..2 {
        assert_eq!(search("signin-list").await.unwrap().status(), StatusCode::OK);
    }
    // htmx: the list is replaced by the message under the same id, so the next search still lands.
    let refused = search("signin-list").await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&refused)));
    let html = refused.text().await.unwrap();
    assert!(!html.contains("<html"), "a fragment, not a page: {html}");
    let message = select(&html, "#signin-list [role=alert]");
    assert_eq!(message.len(), 1, "{html}");
    assert!(message[0].contains("searching too quickly"), "{html}");

    // Without htmx: a whole page that says what happened, never a blank one.
    let page = signed_out.get(app.url("/users/search?q=al")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.unwrap();
    assert_eq!(select(&html, "main h1"), ["Slow down"], "{html}");
    assert!(html.contains("searching too quickly"), "{html}");

    // Signed in, the person has an allowance of their own, and "Find partners" shows the message.
    let alice =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed_in = alice.post(app.url("/session")).form(&[("user_id", "1")]).send().await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let find = || {
        alice.get(app.url("/users/search?q=x")).header("HX-Request", "true").header("HX-Target", "find-results").send()
    };
    for _ in 0..2 {
        assert_eq!(find().await.unwrap().status(), StatusCode::OK);
    }
    let refused = find().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = refused.text().await.unwrap();
    assert_eq!(select(&html, "#find-results [role=alert]").len(), 1, "{html}");
}
