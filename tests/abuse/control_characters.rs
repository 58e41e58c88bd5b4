//! Control characters in what people type are refused with 422, on both backends alike (NUL
//! was a 500 on PostgreSQL and stored on SQLite): a request's message may keep line breaks and
//! tabs; names, e-mail addresses and search terms keep none. The pages say so where the action
//! or the results were. An address the mail library would not send to as written is refused
//! the same way.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::web::Browser;
use crate::support::{TestApp, assert_error, snapshot};

const NUL: &str = "nul \u{0} here";

#[tokio::test]
async fn a_message_with_nul_is_422_and_one_with_lines_and_tabs_is_sent() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let before = snapshot(&app.db).await;
    for message in [NUL, "bell \u{7}", "escape \u{1b}[2J", "c1 \u{9b}"] {
        let body = json!({ "recipient_id": bob, "message": message });
        let refused = app.post("/api/v1/partner-requests", Some(alice), body).await;
        assert_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_message");
    }
    assert_eq!(snapshot(&app.db).await, before, "nothing was written");
    let body = json!({ "recipient_id": bob, "message": "Hello,\r\n\tshall we?" });
    let (status, sent) = app.post("/api/v1/partner-requests", Some(alice), body).await;
    assert_eq!((status, sent["message"].as_str()), (StatusCode::CREATED, Some("Hello,\r\n\tshall we?")));
}

#[tokio::test]
async fn names_addresses_and_search_terms_with_control_characters_are_422() {
    let app = TestApp::spawn().await;
    app.user("Alice").await;
    for q in ["%00", "a%00b", "%07", "a%0Ab", "x%09y", "a%C2%85b"] {
        let refused = app.get(&format!("/api/v1/users?q={q}"), None).await;
        assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY, "q={q}");
        assert_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_query");
    }
    let name = app.post("/api/v1/users", None, json!({ "email": "n@example.com", "name": NUL })).await;
    assert_error(&name, StatusCode::UNPROCESSABLE_ENTITY, "invalid_name");
    let lines = app.post("/api/v1/users", None, json!({ "email": "n@example.com", "name": "two\nlines" })).await;
    assert_error(&lines, StatusCode::UNPROCESSABLE_ENTITY, "invalid_name");
    let email = app.post("/api/v1/users", None, json!({ "email": "a\u{0}b@example.com", "name": "N" })).await;
    assert_error(&email, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email");
    assert_eq!(app.db.count("select count(*) from users").await, 1);
}

#[tokio::test]
async fn an_address_the_mail_library_cannot_send_to_as_written_is_422() {
    let app = TestApp::spawn().await;
    for email in [
        r#""bcc: evil@attacker.example"@example.com"#,
        r#""alice"@example.com"#,
        "Alice <alice@example.com>",
        "alice@[192.0.2.1]",
        "alice@example.com, bob@example.com",
    ] {
        let refused = app.post("/api/v1/users", None, json!({ "email": email, "name": "Mallory" })).await;
        assert_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email");
    }
    assert_eq!(app.db.count("select count(*) from users").await, 0);
    // Trimmed and compared case-insensitively, as before.
    let (status, user) =
        app.post("/api/v1/users", None, json!({ "email": " Zoe+Deals@Example.COM ", "name": "Zoe" })).await;
    assert_eq!((status, user["email"].as_str()), (StatusCode::CREATED, Some("zoe+deals@example.com")));
    let again = app.post("/api/v1/users", None, json!({ "email": "ZOE+deals@example.com", "name": "Zoe" })).await;
    assert_error(&again, StatusCode::CONFLICT, "email_taken");
}

#[tokio::test]
async fn the_pages_refuse_control_characters_where_the_action_or_the_results_were() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;

    let bob_id = bob.to_string();
    let send = browser.hx_post("/requests", "find-2-err", &[("recipient_id", bob_id.as_str()), ("message", NUL)]).await;
    assert_eq!(send.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", send.body);
    assert!(send.text(".inline-error").contains("control characters"), "{}", send.body);
    assert_eq!(app.db.count("select count(*) from partner_requests").await, 0);

    let results = browser
        .client
        .get(browser.url("/users/search?q=%00"))
        .header("HX-Request", "true")
        .header("HX-Target", "find-results")
        .send()
        .await
        .unwrap();
    assert_eq!(results.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = results.text().await.unwrap();
    let html = scraper::Html::parse_fragment(&body);
    let selector = scraper::Selector::parse("#find-results .inline-error").unwrap();
    let shown: String = html.select(&selector).flat_map(|e| e.text()).collect();
    assert!(shown.contains("control characters"), "the message is where the results go: {body}");

    let page = browser.get("/users/search?q=a%00").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text("main").contains("control characters"), "{}", page.body);

    let signed_out = Browser::new(&app);
    let signup = signed_out.hx_post("/users", "signup-err", &[("name", NUL), ("email", "n@example.com")]).await;
    assert_eq!(signup.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", signup.body);
    assert!(signup.text(".inline-error").contains("control characters"), "{}", signup.body);
}
