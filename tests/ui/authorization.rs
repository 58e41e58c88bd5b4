//! The authorization matrix of the pages: every action that takes an identity refuses a
//! stranger, the other party where not allowed, and a signed-out browser — and changes nothing.

use reqwest::StatusCode;

use crate::support::web::Browser;
use crate::support::{TestApp, snapshot};

#[tokio::test]
async fn page_actions_refuse_everyone_who_may_not_act() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, eve) =
        (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Eve").await);
    let request = app.request(alice, bob).await;
    let to_carol = app.request(carol, alice).await;
    app.respond(alice, to_carol, "accept").await;
    let (_, list) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    let partnership = list["partnerships"][0]["partnership_id"].as_i64().unwrap();

    // (action, users who may not act)
    let actions = [
        (format!("/requests/{request}/accept"), vec![alice, carol, eve]),
        (format!("/requests/{request}/reject"), vec![alice, carol, eve]),
        (format!("/requests/{request}/cancel"), vec![bob, carol, eve]),
        (format!("/partnerships/{partnership}/end"), vec![bob, eve]),
    ];
    let before = snapshot(&app.db).await;
    for (path, refused) in &actions {
        for &user in refused {
            let browser = Browser::signed_in(&app, user).await;
            let htmx = browser.hx_post(path, "action-error", &[]).await;
            assert_eq!(htmx.status, StatusCode::FORBIDDEN, "{path} as {user}: {}", htmx.body);
            assert_eq!(htmx.text("[role=alert]"), "You are not allowed to do that.");
            let plain = browser.post(path, &[]).await;
            assert_eq!(plain.status, StatusCode::SEE_OTHER, "{path} as {user}");
            assert_eq!(browser.get("/").await.text("#status .flash-error"), "You are not allowed to do that.");
        }
    }
    // Signed out: no page action and no personal page is served.
    let nobody = Browser::new(&app);
    for path in [
        format!("/requests/{request}/accept"),
        format!("/requests/{request}/cancel"),
        format!("/partnerships/{partnership}/end"),
        "/requests".to_owned(),
        "/blocks".to_owned(),
        format!("/blocks/{bob}/remove"),
        "/session/end".to_owned(),
    ] {
        let page = nobody.post(&path, &[("recipient_id", &bob.to_string()), ("user_id", &bob.to_string())]).await;
        assert!(
            page.status == StatusCode::UNAUTHORIZED
                || (page.status == StatusCode::SEE_OTHER && page.location().as_deref() == Some("/")),
            "{path} signed out: {} {}",
            page.status,
            page.body
        );
    }
    for path in ["/notifications", "/dashboard/live"] {
        let page = nobody.get(path).await;
        assert!(!page.body.contains("Alice") && !page.body.contains("Bob"), "{path} leaks: {}", page.body);
    }
    assert_eq!(snapshot(&app.db).await, before, "refused actions changed nothing");
}
