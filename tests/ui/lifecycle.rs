//! The request lifecycle and recipient control in the pages (UI contract, additions of v1.1):
//! when a request expires, a refused send explained where the button was, and `/settings`.

use dealnest::domain::{Clock, DAY_MS, Timestamp};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use crate::support::web::{Browser, request_with};

#[tokio::test]
async fn requests_show_when_they_expire_and_leave_even_a_kept_dashboard_when_they_do() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let incoming = request_with(&app, bob, alice, "Hello").await;
    let sent = request_with(&app, alice, carol, "Hi").await;
    let expires_at = Timestamp::from_millis(clock.now().millis() + 30 * DAY_MS);
    let browser = Browser::signed_in(&app, alice).await;
    let page = browser.get("/").await;
    for row in [format!("#incoming-{incoming}"), format!("#sent-{sent}")] {
        let time = format!("{row} .expires time[datetime]");
        assert_eq!(page.text(&format!("{row} .expires")), "expires in 30 days", "{row}");
        assert_eq!(page.attr(&time, "datetime"), Some(expires_at.rfc3339()), "{row}");
        assert!(page.attr(&time, "title").is_some_and(|t| t.ends_with(" UTC")), "exact time on hover");
    }

    clock.advance_millis(29 * DAY_MS);
    let page = browser.get("/").await;
    assert_eq!(page.text(&format!("#incoming-{incoming} .expires")), "expires in a day");
    // Seen once more, unchanged (kept), then at the instant of expiry: gone from both lists.
    assert_eq!(browser.get("/").await.count(&format!("#incoming-{incoming}")), 1);
    clock.advance_millis(DAY_MS);
    let page = browser.get("/").await;
    assert_eq!(page.count(&format!("#incoming-{incoming}")), 0, "an expired request is never offered");
    assert_eq!(page.count(&format!("#sent-{sent}")), 0);
    assert_eq!(page.text("#incoming .count"), "0 waiting for your answer");
    assert_eq!(page.buttons(&format!("#find-{bob}")), ["Send request", "Block"]);
    // Answering it anyway is refused with a message.
    let refused = browser.post(&format!("/requests/{incoming}/accept"), &[]).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/").await.text("#status .flash-error"),
        "This request has already been answered or withdrawn."
    );
}

#[tokio::test]
async fn a_refused_send_says_why_where_the_button_was() {
    let clock = Clock::fixed(Timestamp::now());
    let app = TestApp::with_clock(&clock).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let id = app.request(alice, bob).await;
    let (_, rejected) = app.respond(bob, id, "reject").await;
    let nobody = json!({"accepts_requests_from": "nobody",
        "email": {"request_received": "immediately", "request_accepted": "immediately", "request_reminder": "off"}});
    let put = app.client.put(app.url(&format!("/api/v1/users/{carol}/settings"))).json(&nobody);
    assert_eq!(app.send(put, Some(carol)).await.0, StatusCode::OK);

    let browser = Browser::signed_in(&app, alice).await;
    let page = browser.get("/").await;
    let retry_at = Timestamp::from_millis(clock.now().millis() + 30 * DAY_MS);
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(page.buttons(&format!("#find-{bob}")), ["Block"], "no Send request while waiting");
    assert_eq!(page.text(&format!("#find-{bob}-refused")), format!("Ask again after {}", retry_at.day_month()));
    assert_eq!(page.attr(&format!("#find-{bob}-refused time"), "datetime"), Some(retry_at.rfc3339()));
    assert_eq!(page.buttons(&format!("#find-{carol}")), ["Block"]);
    assert_eq!(page.text(&format!("#find-{carol} .tag")), "Not taking requests");
    assert_eq!(page.text(&format!("#find-{carol}-refused")), "Not taking requests from you.");

    // A send posted anyway is answered beside the button (htmx) with the same words.
    let answer = browser.hx_post("/requests", &format!("find-{bob}-err"), &[("recipient_id", &bob.to_string())]).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer.body.contains(&format!("You can ask again after {}.", retry_at.day_month())), "{}", answer.body);

    // At the end of the cooldown the button is back.
    clock.advance_millis(30 * DAY_MS);
    assert_eq!(browser.get("/").await.buttons(&format!("#find-{bob}")), ["Send request", "Block"]);
}

#[tokio::test]
async fn the_settings_page_is_a_labelled_radio_form_that_works_without_javascript() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;
    let home = browser.get("/").await;
    assert_eq!(home.attr("header a#nav-settings", "href").as_deref(), Some("/settings"));
    let page = browser.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("h1"), "Settings");
    let names = ["accepts_requests_from", "email_request_received", "email_request_accepted", "email_request_reminder"];
    for name in names {
        assert_eq!(page.count(&format!("form#settings-form fieldset#{name} legend")), 1, "{name}");
        for radio in page.select(&format!("fieldset#{name} input[type=radio][name={name}]")) {
            let id = radio.value().attr("id").unwrap();
            assert_eq!(page.count(&format!("label[for={id}]")), 1, "every radio is labelled: {id}");
        }
        assert_eq!(page.count(&format!("input[name={name}]")), 3, "{name}");
    }
    assert!(page.attr("#accepts_requests_from-everyone", "checked").is_some());
    assert!(page.attr("#email_request_reminder-immediately", "checked").is_some());

    let form = [
        ("accepts_requests_from", "partners_of_partners"),
        ("email_request_received", "daily_digest"),
        ("email_request_accepted", "immediately"),
        ("email_request_reminder", "off"),
    ];
    let saved = browser.post_from("/settings", "/settings", &form).await;
    assert_eq!((saved.status, saved.location().as_deref()), (StatusCode::SEE_OTHER, Some("/settings")));
    let page = browser.get("/settings").await;
    assert_eq!(page.text("#status .flash-success"), "Your settings are saved.");
    assert!(page.attr("#accepts_requests_from-partners_of_partners", "checked").is_some());
    assert!(page.attr("#email_request_reminder-off", "checked").is_some());
    assert!(page.attr("#accepts_requests_from-everyone", "checked").is_none());
    let (_, api) = app.get(&format!("/api/v1/users/{alice}/settings"), Some(alice)).await;
    assert_eq!(api["email"]["request_received"], "daily_digest");

    // With htmx: the message in the status region, nothing else.
    let answer = browser.hx_post("/settings", "settings-err", &form).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.is_full_page() && answer.varies_on_hx_request());
    assert_eq!(answer.text("#status[hx-swap-oob=innerHTML] .flash-success"), "Your settings are saved.");

    // Sent from another site, the form is refused like every other.
    let forged =
        browser.post_with("/settings", ("Sec-Fetch-Site", "cross-site"), &[("accepts_requests_from", "nobody")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // A tampered value is refused, and nothing changes.
    let bad = browser.post_from("/settings", "/settings", &[("accepts_requests_from", "friends")]).await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    let page = browser.get("/settings").await;
    assert!(page.text("#status .flash-error").contains("accepts_requests_from must be"));
    assert!(page.attr("#accepts_requests_from-partners_of_partners", "checked").is_some());
    let hx_bad = browser.hx_post("/settings", "settings-err", &[("accepts_requests_from", "nobody")]).await;
    assert_eq!(hx_bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(hx_bad.body.contains("Choose one answer to every question."), "{}", hx_bad.body);
}

#[tokio::test]
async fn settings_need_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let anonymous = Browser::new(&app);
    let page = anonymous.get("/settings").await;
    assert_ne!(page.status, StatusCode::OK);
    let post = anonymous.post("/settings", &[("accepts_requests_from", "nobody")]).await;
    assert_ne!(post.status, StatusCode::OK);
    assert!(post.status.is_redirection() || post.status == StatusCode::UNAUTHORIZED, "{}", post.status);
}
