//! The pages of v1.1's network features: "N partners in common" on incoming requests and in
//! Find partners (names on request), "People you may know", and answering several requests at
//! once, with and without htmx.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use crate::support::web::{Browser, partners, received};

async fn roomy_app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.service.quotas.new_account = 0;
        s.service.quotas.daily = 0;
        s.rate_limit = 0;
    })
    .await
}

async fn partner(app: &TestApp, a: i64, b: i64) {
    let id = app.request(a, b).await;
    assert_eq!(app.respond(b, id, "accept").await.0, StatusCode::OK);
}

/// Alice and Bob with `n` partners in common (named `Common 1`…), and Bob asking Alice.
async fn alice_and_bob_sharing(app: &TestApp, n: usize) -> (i64, i64, i64) {
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    for i in 1..=n {
        let common = app.user(&format!("Common {i}")).await;
        partner(app, alice, common).await;
        partner(app, bob, common).await;
    }
    let request = app.request(bob, alice).await;
    (alice, bob, request)
}

#[tokio::test]
async fn incoming_and_find_rows_show_partners_in_common_with_the_names_on_request() {
    let app = roomy_app().await;
    let (alice, bob, request) = alice_and_bob_sharing(&app, 7).await;
    let loner = app.user("Loner").await;
    app.request(loner, alice).await;
    let browser = Browser::signed_in(&app, alice).await;
    let page = browser.get("/").await;
    let row = format!("#incoming-{request}");
    assert_eq!(page.text(&format!("{row} details.in-common summary")), "7 partners in common");
    assert_eq!(
        page.text(&format!("{row} details.in-common .in-common-names")),
        "Common 1, Common 2, Common 3, Common 4, Common 5 and 2 more"
    );
    assert_eq!(page.count("#incoming li.row details.in-common"), 1, "none shown where there are none");
    let found = browser.get("/users/search?q=bob").await;
    assert_eq!(found.text(&format!("#find-{bob} details.in-common summary")), "7 partners in common");
    assert_eq!(found.count(&format!("#find-{loner} details.in-common")), 0);

    let fragment = browser.hx_get(&format!("/people/{bob}/in-common")).await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(!fragment.is_full_page());
    assert_eq!(fragment.text("p.in-common-names"), "Common 1, Common 2, Common 3, Common 4, Common 5 and 2 more");
    let summary = format!("{row} details.in-common");
    assert_eq!(page.attr(&summary, "hx-get").as_deref(), Some(format!("/people/{bob}/in-common").as_str()));
}

#[tokio::test]
async fn one_partner_in_common_reads_in_the_singular() {
    let app = roomy_app().await;
    let (alice, _, request) = alice_and_bob_sharing(&app, 1).await;
    let page = Browser::signed_in(&app, alice).await.get("/").await;
    assert_eq!(page.text(&format!("#incoming-{request} details.in-common summary")), "1 partner in common");
    assert_eq!(page.text(&format!("#incoming-{request} .in-common-names")), "Common 1");
}

#[tokio::test]
async fn people_you_may_know_offers_send_request_and_drops_the_person_once_asked() {
    let app = roomy_app().await;
    let (alice, hub) = (app.user("Alice").await, app.user("Hub").await);
    partner(&app, alice, hub).await;
    let carol = app.user("Carol").await;
    partner(&app, hub, carol).await;
    let browser = Browser::signed_in(&app, alice).await;
    let page = browser.get("/").await;
    assert_eq!(page.text("section#suggestions h2"), "People you may know");
    assert_eq!(page.text(&format!("#suggest-{carol} .name")), "Carol");
    assert_eq!(page.text(&format!("#suggest-{carol} .in-common-count")), "1 partner in common");
    assert_eq!(page.buttons(&format!("#suggest-{carol}")), ["Send request"]);
    assert_eq!(page.count(&format!("#suggest-{hub}")), 0, "a partner is never suggested");

    let sent =
        browser.hx_post("/requests", &format!("suggest-{carol}-err"), &[("recipient_id", &carol.to_string())]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.count("section#suggestions[hx-swap-oob=true]"), 1);
    assert_eq!(sent.count(&format!("#suggest-{carol}")), 0, "gone from the section at once");
    assert_eq!(browser.get("/").await.count(&format!("#suggest-{carol}")), 0, "and on reload");
}

#[tokio::test]
async fn each_request_row_has_a_checkbox_and_each_list_its_bulk_buttons() {
    let app = roomy_app().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let incoming = app.request(bob, alice).await;
    let sent = app.request(alice, carol).await;
    let page = Browser::signed_in(&app, alice).await.get("/").await;
    let checkbox = format!("#incoming-{incoming} input[type=checkbox][name=request_id][form=incoming-bulk]");
    assert_eq!(page.attr(&checkbox, "value"), Some(incoming.to_string()));
    let checkbox = format!("#sent-{sent} input[type=checkbox][name=request_id][form=sent-bulk]");
    assert_eq!(page.attr(&checkbox, "value"), Some(sent.to_string()));
    assert_eq!(page.attr("form#incoming-bulk", "action").as_deref(), Some("/requests/bulk"));
    assert_eq!(page.texts("form#incoming-bulk button[name=action]"), ["Accept selected", "Reject selected"]);
    assert_eq!(page.texts("form#sent-bulk button[name=action]"), ["Cancel selected"]);
    assert_eq!(page.count("form#incoming-bulk input[data-select-all=incoming-bulk]"), 1, "select all shown");
    assert_eq!(page.count("form#sent-bulk input[data-select-all=sent-bulk]"), 1);
}

#[tokio::test]
async fn accepting_selected_without_javascript_summarises_in_a_flash() {
    let app = roomy_app().await;
    let alice = app.user("Alice").await;
    let mut ids = Vec::new();
    for name in ["Bob", "Carol", "Dan"] {
        let sender = app.user(name).await;
        ids.push((sender, app.request(sender, alice).await));
    }
    // Dan withdraws before Alice answers.
    let (dan, withdrawn) = ids[2];
    app.post(&format!("/api/v1/partner-requests/{withdrawn}/cancel"), Some(dan), json!({})).await;
    let browser = Browser::signed_in(&app, alice).await;
    let raw: Vec<String> = ids.iter().map(|(_, id)| id.to_string()).collect();
    let form: Vec<(&str, &str)> =
        [("action", "accept")].into_iter().chain(raw.iter().map(|id| ("request_id", id.as_str()))).collect();
    let answered = browser.post("/requests/bulk", &form).await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    assert_eq!(answered.location().as_deref(), Some("/"));
    let page = browser.get("/").await;
    assert_eq!(page.text("#status .flash-success"), "Accepted 2, 1 was no longer pending.");
    assert_eq!(partners(&app, alice).await.len(), 2);
    assert!(received(&app, alice).await.is_empty());

    let none = browser.post("/requests/bulk", &[("action", "accept")]).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/").await.text("#status .flash-error"), "Choose at least one request.");
}

#[tokio::test]
async fn accepting_selected_with_htmx_updates_the_lists_and_says_why_beside_a_row_that_failed() {
    let app = roomy_app().await;
    let (alice, bob, carol, dan) =
        (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Dan").await);
    let from_bob = app.request(bob, alice).await;
    let from_carol = app.request(carol, alice).await;
    let to_dan = app.request(alice, dan).await;
    let browser = Browser::signed_in(&app, alice).await;
    let form = [
        ("action", "accept"),
        ("request_id", &from_bob.to_string()),
        ("request_id", &to_dan.to_string()),
        ("request_id", &from_carol.to_string()),
    ];
    let page = browser.hx_post("/requests/bulk", "incoming-bulk-err", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.is_full_page());
    assert_eq!(page.text("#status[hx-swap-oob=innerHTML] .flash-success"), "Accepted 2, 1 was not yours to answer.");
    assert_eq!(page.count("section#incoming[hx-swap-oob=true] li.row"), 0, "both accepted rows are gone");
    assert_eq!(page.count("section#partners[hx-swap-oob=true] li.row"), 2);
    assert_eq!(page.text(&format!("section#sent #sent-{to_dan}-err")), "You are not allowed to do that.");
    assert_eq!(page.header("hx-trigger").as_deref(), Some("dn-relations-changed"));

    let refused = browser.hx_post("/requests/bulk", "incoming-bulk-err", &[("action", "accept")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.text(".inline-error"), "Choose at least one request.");
}

#[tokio::test]
async fn a_bulk_form_sent_from_another_site_is_refused() {
    let app = roomy_app().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(bob, alice).await.to_string();
    let browser = Browser::signed_in(&app, alice).await;
    let page = browser
        .post_with("/requests/bulk", ("Sec-Fetch-Site", "cross-site"), &[("action", "accept"), ("request_id", &id)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(received(&app, alice).await.len(), 1, "nothing was answered");
}

#[tokio::test]
async fn a_kept_dashboard_notices_partnerships_between_other_people() {
    let app = roomy_app().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    partner(&app, alice, carol).await;
    let request = app.request(bob, alice).await;
    let browser = Browser::signed_in(&app, alice).await;
    let first = browser.get("/").await;
    assert_eq!(first.count(&format!("#incoming-{request} details.in-common")), 0);
    assert_eq!(first.count(&format!("#suggest-{bob}")), 0, "Bob asked her: never suggested");
    assert_eq!(browser.get("/").await.body, browser.get("/").await.body, "kept while nothing changed");

    // Neither change is Alice's own: only her partner's.
    partner(&app, carol, bob).await;
    let dan = app.user("Dan").await;
    partner(&app, carol, dan).await;
    let page = browser.get("/").await;
    assert_eq!(page.text(&format!("#incoming-{request} details.in-common summary")), "1 partner in common");
    assert_eq!(page.text(&format!("#suggest-{dan} .in-common-count")), "1 partner in common");
}
