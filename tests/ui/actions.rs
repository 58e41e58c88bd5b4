//! Every form of the dashboard, with and without htmx: send, accept, reject, cancel, end a
//! partnership, block, unblock. Successes and the errors of the contract (409, 422, 403).

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::web::{Browser, Page, block, partners, received};

/// What an htmx action answers on success: fragments only, the status message out of band.
#[track_caller]
fn assert_htmx_update(page: &Page, message: &str) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.is_full_page(), "an htmx action answered a whole page");
    assert_eq!(page.text("#status[hx-swap-oob=innerHTML] .flash-success"), message);
    assert_eq!(page.count("a#nav-notifications[hx-swap-oob]"), 1);
    assert_eq!(page.count("#live[hx-swap-oob]"), 1);
    assert!(page.varies_on_hx_request());
}

#[tokio::test]
async fn send_request_without_javascript_redirects_back_with_a_flash() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;
    let bob_id = bob.to_string();
    let sent = browser
        .post_from("/requests", "/users/search?q=bob", &[("recipient_id", &bob_id), ("message", " Hello Bob ")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(sent.location().as_deref(), Some("/users/search?q=bob"));

    let page = browser.get("/users/search?q=bob").await;
    assert_eq!(page.text("#status .flash-success"), "Request sent to Bob.");
    assert_eq!(page.text(&format!("#find-{bob} .tag")), "Request sent");
    assert!(page.text("#sent").contains("Hello Bob"));
    let pending = received(&app, bob).await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["message"], "Hello Bob");
}

#[tokio::test]
async fn send_request_with_htmx_replaces_the_row_and_the_sent_section_only() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;
    let page = browser
        .hx_post("/requests", &format!("find-{bob}-err"), &[("recipient_id", &bob.to_string()), ("message", "Hi")])
        .await;
    assert_htmx_update(&page, "Request sent to Bob.");
    assert_eq!(page.text(&format!("li#find-{bob}[hx-swap-oob=true] .tag")), "Request sent");
    assert_eq!(page.buttons(&format!("li#find-{bob}")), ["Cancel request", "Block"]);
    assert!(page.text("section#sent[hx-swap-oob=true]").contains("Bob"));
    assert_eq!(page.count("section#incoming"), 0, "unchanged sections stay out");
    assert_eq!(page.count("section#partners"), 0);
    assert_eq!(page.header("hx-trigger"), None, "the row itself was replaced");
}

#[tokio::test]
async fn a_duplicate_request_is_a_409_message_beside_the_button_or_a_flash_without_javascript() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    app.request(alice, bob).await;
    let browser = Browser::signed_in(&app, alice).await;
    let form = [("recipient_id", bob.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let htmx = browser.hx_post("/requests", &format!("find-{bob}-err"), &form).await;
    assert_eq!(htmx.status, StatusCode::CONFLICT);
    assert!(!htmx.is_full_page());
    assert_eq!(htmx.text("span.inline-error[role=alert]"), "You already have a pending request to this user.");

    let plain = browser.post("/requests", &form).await;
    assert_eq!(plain.status, StatusCode::SEE_OTHER);
    assert!(plain.varies_on_hx_request(), "the same address answers both ways");
    assert_eq!(plain.location().as_deref(), Some("/"));
    let home = browser.get("/").await;
    assert_eq!(home.text("#status .flash-error"), "You already have a pending request to this user.");
}

#[tokio::test]
async fn the_rules_speak_the_same_words_as_the_api() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let browser = Browser::signed_in(&app, alice).await;
    let to = |id: i64| id.to_string();

    let myself = browser.hx_post("/requests", "find-1-err", &[("recipient_id", &to(alice))]).await;
    assert_eq!(myself.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(myself.text(".inline-error"), "You cannot send a partner request to yourself.");

    let long = "x".repeat(501);
    let too_long = browser.hx_post("/requests", "x-err", &[("recipient_id", &to(bob)), ("message", &long)]).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_long.text(".inline-error"), "The message can be at most 500 characters.");

    let nobody = browser.hx_post("/requests", "x-err", &[("recipient_id", "abc")]).await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nobody.text(".inline-error"), "An id must be a positive whole number.");

    let reverse = app.request(carol, alice).await;
    let asked = browser.hx_post("/requests", "x-err", &[("recipient_id", &to(carol))]).await;
    assert_eq!(asked.status, StatusCode::CONFLICT);
    assert_eq!(
        asked.text(".inline-error"),
        format!("This user already sent you a request (request {reverse}); accept or reject it instead.")
    );

    let bad_path = browser.hx_post("/requests/zero/accept", "x-err", &[]).await;
    assert_eq!(bad_path.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = browser.hx_post("/requests/999/accept", "x-err", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.text(".inline-error"), "That partner request does not exist.");
}

#[tokio::test]
async fn answering_someone_elses_request_is_refused_with_403() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let id = app.request(alice, bob).await;
    let carol_browser = Browser::signed_in(&app, carol).await;
    let page = carol_browser.hx_post(&format!("/requests/{id}/accept"), &format!("incoming-{id}-err"), &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(page.text(".inline-error"), "You are not allowed to do that.");
    // The sender cannot accept their own request either.
    let alice_browser = Browser::signed_in(&app, alice).await;
    let own = alice_browser.hx_post(&format!("/requests/{id}/accept"), "x-err", &[]).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert_eq!(received(&app, bob).await.len(), 1);
}

#[tokio::test]
async fn accept_with_htmx_updates_incoming_and_partners_and_nudges_the_search_results() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    let browser = Browser::signed_in(&app, bob).await;
    let page = browser.hx_post(&format!("/requests/{id}/accept"), &format!("incoming-{id}-err"), &[]).await;
    assert_htmx_update(&page, "You and Alice are now partners.");
    assert_eq!(page.count(&format!("section#incoming[hx-swap-oob=true] #incoming-{id}")), 0);
    assert!(page.text("section#incoming").contains("No one is waiting for your answer"));
    assert!(page.text("section#partners[hx-swap-oob=true]").contains("Alice"));
    assert_eq!(page.count("section#sent"), 0);
    assert_eq!(page.header("hx-trigger").as_deref(), Some("dn-relations-changed"));
    assert_eq!(partners(&app, bob).await, [alice]);

    let twice = browser.hx_post(&format!("/requests/{id}/accept"), &format!("incoming-{id}-err"), &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.text(".inline-error"), "This request has already been answered or withdrawn.");
}

#[tokio::test]
async fn accept_reject_and_cancel_work_as_plain_forms() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, dan) =
        (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Dan").await);
    let from_bob = app.request(bob, alice).await;
    let from_carol = app.request(carol, alice).await;
    let to_dan = app.request(alice, dan).await;
    let browser = Browser::signed_in(&app, alice).await;

    let accepted = browser.post(&format!("/requests/{from_bob}/accept"), &[]).await;
    assert_eq!((accepted.status, accepted.location().as_deref()), (StatusCode::SEE_OTHER, Some("/")));
    assert_eq!(browser.get("/").await.text("#status"), "You and Bob are now partners.");

    let rejected = browser.post(&format!("/requests/{from_carol}/reject"), &[]).await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/").await.text("#status"), "You turned down Carol’s request.");

    let cancelled = browser.post(&format!("/requests/{to_dan}/cancel"), &[]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let page = browser.get("/").await;
    assert_eq!(page.text("#status"), "You withdrew your request to Dan.");
    assert_eq!(page.count("#incoming li.row"), 0);
    assert_eq!(page.count("#sent li.row"), 0);
    assert_eq!(page.texts("#partners .name"), ["Bob"]);
    assert_eq!(partners(&app, alice).await, [bob]);
}

#[tokio::test]
async fn reject_and_cancel_with_htmx_update_their_section() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let from_bob = app.request(bob, alice).await;
    let to_carol = app.request(alice, carol).await;
    let browser = Browser::signed_in(&app, alice).await;

    let rejected = browser.hx_post(&format!("/requests/{from_bob}/reject"), &format!("find-{bob}-err"), &[]).await;
    assert_htmx_update(&rejected, "You turned down Bob’s request.");
    assert_eq!(rejected.text(&format!("li#find-{bob} .tag")), "Not connected");
    assert_eq!(rejected.count("section#incoming[hx-swap-oob] li.row"), 0);
    assert_eq!(rejected.count("section#partners"), 0);

    let cancelled =
        browser.hx_post(&format!("/requests/{to_carol}/cancel"), &format!("sent-{to_carol}-err"), &[]).await;
    assert_htmx_update(&cancelled, "You withdrew your request to Carol.");
    assert_eq!(cancelled.count("section#sent[hx-swap-oob] li.row"), 0);
    assert!(received(&app, carol).await.is_empty());
}

#[tokio::test]
async fn ending_a_partnership_removes_it_for_both() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    app.respond(bob, id, "accept").await;
    let browser = Browser::signed_in(&app, alice).await;
    let page = browser.get("/").await;
    let form = page.attr("#partners form", "action").unwrap();
    assert_eq!(page.buttons("#partners"), ["End partnership"]);

    let ended = browser.hx_post(&form, "partner-1-err", &[]).await;
    assert_htmx_update(&ended, "Your partnership with Bob has ended.");
    assert!(ended.text("section#partners[hx-swap-oob]").contains("No partners yet"));
    assert!(partners(&app, bob).await.is_empty());

    let again = browser.post(&form, &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/").await.text("#status .flash-error"), "That partnership does not exist.");
}

#[tokio::test]
async fn blocking_turns_down_a_pending_request_and_unblocking_lifts_the_block() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    app.request(bob, alice).await;
    let browser = Browser::signed_in(&app, alice).await;

    let blocked = browser.hx_post("/blocks", &format!("find-{bob}-err"), &[("user_id", &bob.to_string())]).await;
    assert_htmx_update(&blocked, "You blocked Bob. Neither of you can send the other a request.");
    assert_eq!(blocked.text(&format!("li#find-{bob} .tag")), "Blocked by you");
    assert_eq!(blocked.buttons(&format!("li#find-{bob}")), ["Unblock"]);
    assert_eq!(blocked.count("section#incoming[hx-swap-oob] li.row"), 0);
    assert!(received(&app, alice).await.is_empty());

    let refused = browser.hx_post("/requests", "x-err", &[("recipient_id", &bob.to_string())]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.text(".inline-error"), "A block between you and this user prevents partner requests.");

    let unblocked = browser.post(&format!("/blocks/{bob}/remove"), &[]).await;
    assert_eq!(unblocked.status, StatusCode::SEE_OTHER);
    let page = browser.get("/").await;
    assert_eq!(page.text("#status"), "You unblocked Bob.");
    assert_eq!(page.text(&format!("#find-{bob} .tag")), "Not connected");

    let again = browser.post(&format!("/blocks/{bob}/remove"), &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/").await.text("#status .flash-error"), "You have not blocked that user.");
    block(&app, bob, alice).await;
    let self_block = browser.hx_post("/blocks", "x-err", &[("user_id", &alice.to_string())]).await;
    assert_eq!(self_block.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(self_block.text(".inline-error"), "You cannot block yourself.");
}
