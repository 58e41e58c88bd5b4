//! Every request's cost is bounded whatever its parameters: lists page no deeper than 10,000
//! items, and a user search looks at 5,000 users at most, saying so when it stopped there.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::web::Browser;
use crate::support::{TestApp, assert_error};

#[tokio::test]
async fn no_list_pages_deeper_than_ten_thousand_items() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    for list in [
        format!("/api/v1/partner-requests/received/{alice}"),
        format!("/api/v1/partner-requests/sent/{alice}"),
        format!("/api/v1/users/{alice}/partnerships"),
        format!("/api/v1/users/{alice}/notifications"),
        "/api/v1/users".to_owned(),
        "/api/v1/users?q=ali".to_owned(),
    ] {
        let join = if list.contains('?') { '&' } else { '?' };
        let (status, page) = app.get(&format!("{list}{join}page=100&size=100"), Some(alice)).await;
        assert_eq!(status, StatusCode::OK, "{list}: {page}");
        let deeper = app.get(&format!("{list}{join}page=101&size=100"), Some(alice)).await;
        assert_error(&deeper, StatusCode::UNPROCESSABLE_ENTITY, "page_too_deep");
        let deeper = app.get(&format!("{list}{join}page=501"), Some(alice)).await;
        assert_error(&deeper, StatusCode::UNPROCESSABLE_ENTITY, "page_too_deep");
    }
}

/// 6,000 seeded users named "<first> <last> <n>" with e-mails at example.com.
async fn crowd() -> TestApp {
    let app = TestApp::spawn().await;
    let plan = dealnest::seed::SeedPlan { users: 6_000, requests: 0, partnerships: 0, hubs: 0, hub_partners: 0 };
    dealnest::seed::load(app.server.as_ref().unwrap().service(), plan).await.unwrap();
    app
}

async fn search(app: &TestApp, q: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/users?q={q}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_search_looks_at_five_thousand_users_at_most_and_says_when_it_stopped_there() {
    let app = crowd().await;
    // Every user matches: the search stopped at its bound, and the total is a lower bound.
    let everyone = search(&app, "example.com").await;
    assert_eq!(everyone["pagination"]["total_exact"], false, "{everyone}");
    assert!(everyone["pagination"]["total"].as_i64().unwrap() >= 5_000);
    assert_eq!(everyone["users"].as_array().unwrap().len(), 20);
    // One or two characters: no index narrows them, so the longest-standing users are looked at.
    let short = search(&app, "a").await;
    assert_eq!(short["pagination"]["total_exact"], false, "{short}");
    let names: Vec<&str> = short["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|name| name.to_lowercase());
    assert_eq!(names, sorted, "matches come in name order");
    // A search that finds fewer than that is exact: "Alice" is one first name in 26.
    let alice = search(&app, "alice").await;
    assert_eq!(alice["pagination"]["total_exact"], true, "{alice}");
    assert_eq!(alice["pagination"]["total"], 231);
    assert!(alice["users"].as_array().unwrap().iter().all(|u| u["name"].as_str().unwrap().starts_with("Alice")));
    // The directory without a search counts everyone, exactly.
    let all = search(&app, "").await;
    assert_eq!(
        (all["pagination"]["total"].as_i64(), &all["pagination"]["total_exact"]),
        (Some(6_000), &Value::Bool(true))
    );
}

#[tokio::test]
async fn the_pages_say_refine_your_search_when_it_stopped_at_its_bound() {
    let app = crowd().await;
    let refine = "Refine your search to see more.";
    let browser = Browser::new(&app);
    let list = browser.hx_get("/users/search?q=example.com").await;
    assert_eq!(list.text(".pager-note"), refine);
    assert_eq!(browser.get("/users/search?q=alice").await.count(".pager-note"), 0);
    // Signed in, in "Find partners", with and without JavaScript.
    let signed_in = Browser::signed_in(&app, 1).await;
    assert_eq!(signed_in.hx_get("/users/search?q=a").await.text(".pager-note"), refine);
    let page = signed_in.get("/users/search?q=a").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("#find-results .pager-note"), refine);
    // A page typed past the deepest one served is that deepest page, never an error.
    let deep = signed_in.get("/users/search?q=a&page=99999").await;
    assert_eq!(deep.status, StatusCode::OK);
    assert_eq!(deep.text("#find-results .pager-page"), "Page 500");
    assert_eq!(deep.text("#find-results .pager-note"), refine);
}
