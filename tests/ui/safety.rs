//! Cross-site request refusal, the content security policy, caching, static files, error pages,
//! labels, and the API's acceptance of the browser session.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use crate::support::web::Browser;

#[tokio::test]
async fn a_cross_site_post_is_refused_with_403() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;
    let form = [("recipient_id", bob.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();

    for header in [("Origin", "http://evil.example"), ("Origin", "null"), ("Sec-Fetch-Site", "cross-site")] {
        let page = browser.post_with("/requests", header, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{header:?}");
        assert_eq!(page.text("main h1"), "Request refused");
    }
    assert!(crate::support::web::received(&app, bob).await.is_empty(), "a refused request changed something");

    let own_origin = browser.base.clone();
    let page = browser.post_with("/requests", ("Origin", &own_origin), &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(crate::support::web::received(&app, bob).await.len(), 1);
}

#[tokio::test]
async fn only_a_bearer_token_on_the_api_skips_the_cross_site_check() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;
    // A page is never exempt, whatever the Authorization header says.
    let page = browser
        .client
        .post(browser.url("/requests"))
        .header("Origin", "http://evil.example")
        .bearer_auth(app.token(alice))
        .form(&[("recipient_id", bob.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    // On the API, another scheme is no exemption either: the session cookie would still act.
    let basic = browser
        .client
        .post(browser.url("/api/v1/partner-requests"))
        .header("Origin", "http://evil.example")
        .header("Authorization", "Basic YWxpY2U6eA==")
        .json(&json!({ "recipient_id": bob }))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::FORBIDDEN);
    assert!(crate::support::web::received(&app, bob).await.is_empty(), "a refused request changed something");
    // The scheme's case does not matter (RFC 9110).
    let lower = browser
        .client
        .post(browser.url("/api/v1/partner-requests"))
        .header("Origin", "http://elsewhere.example")
        .header("Authorization", format!("bearer {}", app.token(alice)))
        .json(&json!({ "recipient_id": bob }))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_api_accepts_the_browser_session_and_refuses_it_cross_site() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;

    let mine = browser.client.get(browser.url(&format!("/api/v1/partner-requests/sent/{alice}"))).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    let theirs = browser.client.get(browser.url(&format!("/api/v1/partner-requests/sent/{bob}"))).send().await.unwrap();
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);

    let forged = browser
        .client
        .post(browser.url("/api/v1/partner-requests"))
        .header("Origin", "http://evil.example")
        .json(&json!({ "recipient_id": bob }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = forged.json().await.unwrap();
    assert_eq!(body["error"]["code"], "cross_site_request");

    // A bearer token is not ambient authority: API clients are not affected by the check.
    let bearer = browser
        .client
        .post(browser.url("/api/v1/partner-requests"))
        .header("Origin", "http://elsewhere.example")
        .bearer_auth(app.token(alice))
        .json(&json!({ "recipient_id": bob }))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::CREATED);

    let signed_out =
        reqwest::Client::new().get(app.url(&format!("/api/v1/partner-requests/sent/{alice}"))).send().await;
    assert_eq!(signed_out.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pages_have_a_strict_csp_and_no_inline_script_or_style() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    app.user("Bob").await;
    let signed_out = Browser::new(&app).get("/").await;
    let browser = Browser::signed_in(&app, alice).await;
    for page in [signed_out, browser.get("/").await, browser.get("/notifications").await] {
        let csp = page.header("content-security-policy").expect("a CSP");
        assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(page.select("script").iter().all(|s| s.value().attr("src").is_some()), "an inline script");
        assert_eq!(page.count("style"), 0, "an inline style element");
        assert_eq!(page.count("[style]"), 0, "a style attribute");
        for handler in ["onclick", "onload", "onsubmit", "onerror"] {
            assert_eq!(page.count(&format!("[{handler}]")), 0);
        }
        assert_eq!(page.header("cache-control").as_deref(), Some("no-store"), "personal data must not be cached");
        assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
    }
}

#[tokio::test]
async fn every_control_has_a_label_and_every_button_a_name() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    app.request(bob, alice).await;
    let browser = Browser::signed_in(&app, alice).await;
    for page in [Browser::new(&app).get("/").await, browser.get("/").await] {
        for input in page.select("input:not([type=hidden])") {
            let id = input.value().attr("id").expect("an input without an id");
            assert_eq!(page.count(&format!("label[for='{id}']")), 1, "no label for #{id}");
        }
        assert!(page.texts("button").iter().all(|t| !t.is_empty()));
        assert!(page.count("[role=status][aria-live=polite]#status") == 1, "the live region");
    }
}

#[tokio::test]
async fn static_files_have_versioned_addresses_and_a_year_of_cache() {
    let app = TestApp::spawn().await;
    let page = Browser::new(&app).get("/").await;
    let css = page.attr("link[rel=stylesheet]", "href").unwrap();
    let scripts: Vec<String> =
        page.select("script").iter().filter_map(|s| s.value().attr("src")).map(str::to_owned).collect();
    let htmx = scripts.iter().find(|s| s.contains("htmx")).unwrap();
    assert_eq!(htmx, "/static/vendor/htmx-2.0.11/htmx.min.js");
    let client = reqwest::Client::new();
    for (path, kind) in
        [(css.as_str(), "text/css"), (htmx.as_str(), "text/javascript"), (scripts[1].as_str(), "text/javascript")]
    {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        assert!(header("content-type").starts_with(kind), "{path}");
        assert_eq!(header("cache-control"), "public, max-age=31536000, immutable", "{path}");
    }
    let license = client.get(app.url("/static/vendor/htmx-2.0.11/LICENSE")).send().await.unwrap();
    assert!(license.text().await.unwrap().contains("Zero-Clause BSD"));
    let meta = page.attr("meta[name=htmx-config]", "content").unwrap();
    assert!(meta.contains("\"includeIndicatorStyles\":false"), "{meta}");
}

#[tokio::test]
async fn an_unknown_page_is_a_friendly_404_page_and_the_api_stays_json() {
    let app = TestApp::spawn().await;
    let page = Browser::new(&app).get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(page.text("main h1"), "Page not found");
    let api = reqwest::get(app.url("/api/v1/nothing")).await.unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(api.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
}

#[tokio::test]
async fn every_htmx_form_disables_its_button_while_in_flight() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    app.request(bob, alice).await;
    app.request(alice, carol).await;
    let page = Browser::signed_in(&app, alice).await.get("/").await;
    let forms = page.select("form[hx-post]");
    assert!(forms.len() >= 6);
    for form in forms {
        assert_eq!(form.value().attr("hx-disabled-elt"), Some("find button"), "{:?}", form.value());
        let action = form.value().attr("action");
        assert_eq!(action, form.value().attr("hx-post"), "the same address with and without JavaScript");
        assert_eq!(form.value().attr("method"), Some("post"));
    }
}

#[tokio::test]
async fn a_database_gone_away_is_a_friendly_page_or_message_never_json_or_blank() {
    let mut app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;
    // The database goes away under the running server.
    app.server.as_ref().unwrap().service().close().await;
    let sentence = "The database is not reachable right now; nothing was changed. Please try again shortly.";

    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(page.text("main h1"), "Not available right now");
    assert_eq!(page.text("main p.lead"), sentence);

    let fragment = browser.hx_get("/users/search?q=a").await;
    assert_eq!(fragment.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!fragment.is_full_page());
    assert_eq!(fragment.text(".inline-error"), sentence);
    app.stop().await;
}

#[tokio::test]
async fn the_server_stops_promptly_with_the_session_cleanup_running() {
    let mut app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    Browser::signed_in(&app, alice).await;
    tokio::time::timeout(std::time::Duration::from_secs(10), app.stop()).await.expect("stopped in time");
}
