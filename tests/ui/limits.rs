//! The write limits in the browser: a message beside the button (htmx) or a flash on the page
//! (plain form), never an error page.

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::web::Browser;

#[tokio::test]
async fn the_rate_limit_is_shown_inline_and_counted_per_signed_in_user() {
    // Five writes a minute: the address spends its five on three sign-ups and two sign-ins.
    let app = TestApp::spawn_with(|s| s.rate_limit = 5).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    // Signing in counts against the address; after that, writes count against Alice.
    let browser = Browser::signed_in(&app, alice).await;
    let bob_browser = Browser::signed_in(&app, bob).await;
    let target = format!("find-{bob}-error");
    for _ in 0..5 {
        let page = browser.hx_post("/blocks", &target, &[("user_id", &bob.to_string())]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }

    let htmx = browser.hx_post("/requests", &target, &[("recipient_id", &carol.to_string())]).await;
    assert_eq!(htmx.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!htmx.is_full_page(), "a fragment, not a page");
    assert!(htmx.body.contains("You are making changes too quickly"), "{}", htmx.body);
    assert!(htmx.header("retry-after").is_some());

    let plain = browser.post("/requests", &[("recipient_id", &carol.to_string())]).await;
    assert_eq!(plain.status, StatusCode::SEE_OTHER);
    assert_eq!(plain.location().as_deref(), Some("/"));
    let home = browser.get("/").await;
    assert!(home.text("#status .flash-error").contains("You are making changes too quickly"));

    // Bob, signed in from the same address, has an allowance of his own.
    let page = bob_browser.post("/requests", &[("recipient_id", &carol.to_string())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(bob_browser.get("/").await.text("#status .flash-success").contains("Request sent"));
}

#[tokio::test]
async fn the_daily_quota_is_shown_inline() {
    let app = TestApp::spawn_with(|s| s.service.quotas.daily = 1).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let browser = Browser::signed_in(&app, alice).await;
    browser.post("/requests", &[("recipient_id", &bob.to_string())]).await;
    let target = format!("find-{carol}-error");
    let over = browser.hx_post("/requests", &target, &[("recipient_id", &carol.to_string())]).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.body.contains("limit of 1 new partner requests in 24 hours"), "{}", over.body);
    assert!(!over.is_full_page());
}
