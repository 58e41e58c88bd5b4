//! The dashboard: its four sections, the notifications link, "Find partners", live updates and
//! the notifications page.

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::web::{Browser, block, request_with};

#[tokio::test]
async fn the_dashboard_has_four_landmark_sections_each_with_its_heading() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let page = Browser::signed_in(&app, alice).await.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    for (id, heading) in [
        ("incoming", "Incoming requests"),
        ("sent", "Sent requests"),
        ("partners", "Partners"),
        ("find", "Find partners"),
    ] {
        let labelled_by = page.attr(&format!("section#{id}"), "aria-labelledby").expect("a named region");
        assert_eq!(page.text(&format!("section#{id} h2#{labelled_by}")), heading);
    }
    assert_eq!(page.text("label[for=find-q]"), "Search users");
    assert_eq!(page.count("main#main"), 1);
    assert_eq!(page.count("header nav[aria-label]"), 1);
    assert_eq!(page.count("h1"), 1);
}

#[tokio::test]
async fn the_notifications_link_carries_the_unread_count() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let browser = Browser::signed_in(&app, alice).await;
    assert_eq!(browser.get("/").await.text("a#nav-notifications"), "Notifications 0 unread");
    app.request(bob, alice).await;
    app.request(carol, alice).await;
    let page = browser.get("/").await;
    assert_eq!(page.text("a#nav-notifications"), "Notifications 2 unread");
    assert_eq!(page.attr("a#nav-notifications", "href").as_deref(), Some("/notifications"));
}

#[tokio::test]
async fn empty_sections_say_what_to_do_next() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let page = Browser::signed_in(&app, alice).await.get("/").await;
    assert!(page.text("#incoming .empty").contains("When someone asks you to partner"));
    assert!(page.text("#sent .empty").contains("Find someone under “Find partners”"));
    assert!(page.text("#partners .empty").contains("Send a request under “Find partners”"));
    assert!(page.text("#find .empty").contains("No one else is here yet"));
}

#[tokio::test]
async fn find_partners_shows_each_relation_and_only_the_action_that_fits() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let [bob, carol, dan, erin, frank, grace] = [
        app.user("Bob").await,
        app.user("Carol").await,
        app.user("Dan").await,
        app.user("Erin").await,
        app.user("Frank").await,
        app.user("Grace").await,
    ];
    app.request(carol, alice).await;
    app.request(alice, dan).await;
    let to_erin = app.request(erin, alice).await;
    app.respond(alice, to_erin, "accept").await;
    block(&app, alice, frank).await;
    block(&app, grace, alice).await;

    let page = Browser::signed_in(&app, alice).await.get("/").await;
    assert_eq!(page.count("#find-results li.person"), 6, "everyone but Alice");
    let row = |id: i64| format!("#find-{id}");
    let cases: [(i64, &str, &[&str]); 6] = [
        (bob, "Not connected", &["Send request", "Block"]),
        (carol, "Asked you", &["Accept", "Reject", "Block"]),
        (dan, "Request sent", &["Cancel request", "Block"]),
        (erin, "Partner", &["End partnership", "Block"]),
        (frank, "Blocked by you", &["Unblock"]),
        (grace, "Blocked", &["Block"]),
    ];
    for (id, tag, buttons) in cases {
        assert_eq!(page.text(&format!("{} .tag", row(id))), tag, "row of user {id}");
        assert_eq!(page.buttons(&row(id)), buttons, "actions of user {id}");
    }
    // Sending carries an optional message, labelled.
    let message = format!("{}-message", row(bob));
    assert_eq!(page.attr(&message, "name").as_deref(), Some("message"));
    assert_eq!(page.text(&format!("label[for={}]", &message[1..])), "Message to Bob (optional)");
}

#[tokio::test]
async fn the_message_of_a_request_is_shown_to_the_recipient_and_the_sender() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = request_with(&app, alice, bob, "Lunch on Friday?\nI'll bring the term sheet.").await;
    let bob_page = Browser::signed_in(&app, bob).await.get("/").await;
    assert_eq!(
        bob_page.text(&format!("#incoming-{id} blockquote.message")),
        "Lunch on Friday? I'll bring the term sheet."
    );
    assert_eq!(bob_page.buttons(&format!("#incoming-{id}")), ["Accept", "Reject"]);
    let alice_page = Browser::signed_in(&app, alice).await.get("/").await;
    assert_eq!(
        alice_page.text(&format!("#sent-{id} blockquote.message")),
        "Lunch on Friday? I'll bring the term sheet."
    );
    assert_eq!(alice_page.buttons(&format!("#sent-{id}")), ["Cancel request"]);
}

#[tokio::test]
async fn times_are_relative_with_the_exact_time_on_hover() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(bob, alice).await;
    let page = Browser::signed_in(&app, alice).await.get("/").await;
    let time = format!("#incoming-{id} time");
    assert_eq!(page.text(&time), "just now");
    let datetime = page.attr(&time, "datetime").unwrap();
    assert!(
        time::OffsetDateTime::parse(&datetime, &time::format_description::well_known::Rfc3339).is_ok(),
        "{datetime}"
    );
    assert!(page.attr(&time, "title").unwrap().ends_with(" UTC"));
}

#[tokio::test]
async fn every_value_a_user_typed_is_shown_escaped() {
    let app = TestApp::spawn().await;
    let body = serde_json::json!({ "name": "<script>alert(1)</script>", "email": "evil@example.com" });
    let (status, created) = app.post("/api/v1/users", None, body).await;
    assert_eq!(status, StatusCode::CREATED);
    let evil = created["id"].as_i64().unwrap();
    let alice = app.user("Alice").await;
    request_with(&app, evil, alice, "<img src=x onerror=alert(2)>").await;

    let signin = Browser::new(&app).get("/").await;
    assert!(!signin.body.contains("<script>alert(1)"), "raw markup in the sign-in page");
    assert!(signin.buttons("#signin-list").contains(&"Sign in as <script>alert(1)</script>".to_owned()));

    let page = Browser::signed_in(&app, alice).await.get("/").await;
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(!page.body.contains("<img src=x"));
    assert_eq!(page.count("img"), 0);
    assert_eq!(page.text("#incoming .name"), "<script>alert(1)</script>");
    assert_eq!(page.text("#incoming blockquote.message"), "<img src=x onerror=alert(2)>");
    // Every script on the page is one of ours, loaded by address.
    assert!(page.select("script").iter().all(|s| s.value().attr("src").is_some_and(|src| src.starts_with("/static/"))));
}

#[tokio::test]
async fn dashboard_search_answers_a_fragment_with_htmx_and_a_page_without() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    app.user("Carol").await;
    let browser = Browser::signed_in(&app, alice).await;

    let fragment = browser.hx_get("/users/search?q=bo").await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(!fragment.is_full_page());
    assert_eq!(fragment.count("div#find-results > ul > li.person"), 1);
    assert_eq!(fragment.text(&format!("#find-{bob} .tag")), "Not connected");
    assert!(fragment.varies_on_hx_request());
    assert_eq!(fragment.header("cache-control").as_deref(), Some("no-store"));

    let page = browser.get("/users/search?q=bo").await;
    assert!(page.is_full_page());
    assert_eq!(page.attr("#find-q", "value").as_deref(), Some("bo"));
    assert_eq!(page.count("#find-results li.person"), 1);
    assert_eq!(page.count("section#incoming"), 1, "the whole dashboard");

    let none = browser.hx_get("/users/search?q=%25").await;
    assert!(none.text(".empty").contains("No one matches “%”"));
}

#[tokio::test]
async fn find_partners_is_paged() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    for i in 0..21 {
        app.user(&format!("Partner {i:02}")).await;
    }
    let browser = Browser::signed_in(&app, alice).await;
    let first = browser.get("/").await;
    assert_eq!(first.count("#find-results li.person"), 20);
    let next = first.attr("#find-results a[rel=next]", "href").unwrap();
    assert_eq!(first.attr("#find-results a[rel=next]", "hx-get").as_deref(), Some(next.as_str()));
    let second = browser.hx_get(&next).await;
    assert_eq!(second.count("#find-results li.person"), 1);
}

#[tokio::test]
async fn the_live_poll_answers_204_until_the_lists_change() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;
    let page = browser.get("/").await;
    let poll = page.attr("#live", "hx-get").unwrap();
    assert_eq!(page.attr("#live", "hx-trigger").as_deref(), Some("dn-live, every 60s"));

    let quiet = browser.hx_get(&poll).await;
    assert_eq!(quiet.status, StatusCode::NO_CONTENT);

    app.request(bob, alice).await;
    let changed = browser.hx_get(&poll).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.text("section#incoming[hx-swap-oob]").contains("Bob"));
    assert_eq!(changed.text("a#nav-notifications[hx-swap-oob]"), "Notifications 1 unread");
    assert_eq!(changed.header("hx-trigger").as_deref(), Some("dn-relations-changed"));
    let next_poll = changed.attr("#live[hx-swap-oob]", "hx-get").unwrap();
    assert_ne!(next_poll, poll);
    assert_eq!(browser.hx_get(&next_poll).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn opening_the_notifications_lists_them_and_marks_them_read() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;
    assert!(browser.get("/notifications").await.text(".empty").contains("Nothing yet"));
    app.request(bob, alice).await;

    let page = browser.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("main h1"), "Notifications");
    assert_eq!(page.texts("li.note .note-text"), ["New You have a new partner request from Bob."]);
    assert_eq!(page.text("a#nav-notifications"), "Notifications 0 unread");
    let again = browser.get("/notifications").await;
    assert_eq!(again.count("li.note .tag-new"), 0);
    assert_eq!(browser.get("/").await.text("a#nav-notifications"), "Notifications 0 unread");
}

/// Opening the notifications marks every one of them read with one mark, however many there
/// are; one that arrives afterwards is unread, and the API says when each was read.
#[tokio::test]
async fn the_read_mark_covers_what_was_there_and_nothing_that_came_after() {
    let app = TestApp::spawn_with(|s| s.service.quotas.new_account = 0).await;
    let alice = app.user("Alice").await;
    let senders = [app.user("Sam").await, app.user("Sue").await, app.user("Sid").await];
    for &sender in &senders[..2] {
        app.request(sender, alice).await;
    }
    let browser = Browser::signed_in(&app, alice).await;
    assert_eq!(browser.get("/").await.text("a#nav-notifications"), "Notifications 2 unread");
    browser.get("/notifications").await;
    app.request(senders[2], alice).await;

    assert_eq!(browser.get("/").await.text("a#nav-notifications"), "Notifications 1 unread");
    let (_, list) = app.get(&format!("/api/v1/users/{alice}/notifications"), Some(alice)).await;
    let read: Vec<bool> = list["notifications"].as_array().unwrap().iter().map(|n| !n["read_at"].is_null()).collect();
    assert_eq!(read, [false, true, true], "newest first: the one that came after the mark is unread");
    assert_eq!(list["pagination"]["total"], 3);
    let page = browser.get("/notifications").await;
    assert_eq!(page.count("li.note .tag-new"), 1);
}

#[tokio::test]
async fn pages_that_need_a_user_send_strangers_to_sign_in() {
    let app = TestApp::spawn().await;
    let bob = app.user("Bob").await;
    let stranger = Browser::new(&app);
    let notes = stranger.get("/notifications").await;
    assert_eq!(notes.status, StatusCode::SEE_OTHER);
    assert_eq!(notes.location().as_deref(), Some("/"));

    let plain = stranger.post("/requests", &[("recipient_id", &bob.to_string())]).await;
    assert_eq!(plain.status, StatusCode::SEE_OTHER);
    assert_eq!(plain.location().as_deref(), Some("/"));
    assert!(stranger.get("/").await.text("#status").contains("You are signed out"));

    let htmx = stranger.hx_post("/requests", &format!("find-{bob}-err"), &[("recipient_id", &bob.to_string())]).await;
    assert_eq!(htmx.status, StatusCode::UNAUTHORIZED);
    assert_eq!(htmx.header("hx-redirect").as_deref(), Some("/"));
}

/// The dashboard is kept between views while nothing it shows has changed; every kind of change,
/// made through another instance of the service on the same database, shows at the next view.
#[tokio::test]
async fn a_kept_dashboard_shows_every_change_made_through_another_instance() {
    use serde_json::json;

    let app = TestApp::spawn().await;
    let [alice, bob, carol, dan] =
        [app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Dan").await];
    let two = app.another_instance().await;
    let on_two = |path: &str| format!("http://{}{path}", two.addr());
    let post_on_two = |path: &str, user: i64, body: serde_json::Value| {
        app.send(app.client.post(on_two(path)).json(&body), Some(user))
    };
    let browser = Browser::signed_in(&app, alice).await;
    let view = || async { browser.get("/").await };
    let tag = |page: &crate::support::web::Page, user: i64| page.text(&format!("#find-{user} .tag"));

    let first = view().await;
    assert!(first.text("#incoming .empty").contains("When someone asks you to partner"));
    assert_eq!(tag(&first, bob), "Not connected");
    // Viewed again with nothing changed: the same page.
    assert_eq!(view().await.texts("main li"), first.texts("main li"));

    let (status, request) = post_on_two("/api/v1/partner-requests", bob, json!({ "recipient_id": alice })).await;
    assert_eq!(status, StatusCode::CREATED, "{request}");
    let page = view().await;
    assert!(page.text("#incoming").contains("Bob"), "a request received");
    assert_eq!(page.text("a#nav-notifications"), "Notifications 1 unread");
    assert_eq!(tag(&page, bob), "Asked you");

    let id = request["request_id"].as_i64().unwrap();
    let (status, _) =
        post_on_two(&format!("/api/v1/partner-requests/{id}/respond"), alice, json!({ "action": "accept" })).await;
    assert_eq!(status, StatusCode::OK);
    let page = view().await;
    assert_eq!(page.count("#incoming li.row"), 0, "the request was answered");
    assert!(page.text("#partners").contains("Bob"), "a partnership made");
    assert_eq!(tag(&page, bob), "Partner");

    let (status, _) = post_on_two("/api/v1/partner-requests", alice, json!({ "recipient_id": carol })).await;
    assert_eq!(status, StatusCode::CREATED);
    let page = view().await;
    assert!(page.text("#sent").contains("Carol"), "a request sent");
    assert_eq!(tag(&page, carol), "Request sent");

    let (status, _) =
        post_on_two(&format!("/api/v1/users/{carol}/blocks"), carol, json!({ "blocked_user_id": alice })).await;
    assert_eq!(status, StatusCode::CREATED);
    let page = view().await;
    assert_eq!(page.count("#sent li.row"), 0, "the block closed the pending request");
    assert_eq!(tag(&page, carol), "Blocked");

    let (status, _) =
        post_on_two(&format!("/api/v1/users/{alice}/blocks"), alice, json!({ "blocked_user_id": dan })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(tag(&view().await, dan), "Blocked by you");
    let unblock = app.client.delete(on_two(&format!("/api/v1/users/{alice}/blocks/{dan}")));
    assert_eq!(app.send(unblock, Some(alice)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(tag(&view().await, dan), "Not connected");

    let partnership = page.attr(&format!("#find-{bob} form[action^='/partnerships/']"), "action").unwrap();
    let partnership = partnership.trim_start_matches("/partnerships/").trim_end_matches("/end").to_owned();
    let end = app.client.delete(on_two(&format!("/api/v1/partnerships/{partnership}")));
    assert_eq!(app.send(end, Some(bob)).await.0, StatusCode::NO_CONTENT);
    let page = view().await;
    assert_eq!(page.count("#partners li.row"), 0, "the partnership ended");
    assert_eq!(tag(&page, bob), "Not connected");

    let on_two_browser = Browser { client: browser.client.clone(), base: format!("http://{}", two.addr()) };
    assert_eq!(on_two_browser.get("/notifications").await.status, StatusCode::OK);
    assert_eq!(view().await.text("a#nav-notifications"), "Notifications 0 unread", "notifications read");

    let (status, _) =
        post_on_two("/api/v1/users", alice, json!({ "email": "aaron@example.com", "name": "Aaron" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(view().await.text("#find-results").contains("Aaron"), "a user added");

    two.stop().await.unwrap();
}

/// Views racing with the changes they show keep no stale dashboard: once every request is in,
/// the next view shows each of them, and the unread count.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn views_racing_with_changes_keep_no_stale_dashboard() {
    let app = TestApp::spawn_with(|s| s.rate_limit = 0).await;
    let alice = app.user("Alice").await;
    let mut senders = Vec::new();
    for n in 0..12 {
        senders.push(app.user(&format!("Sender {n}")).await);
    }
    let browser = Browser::signed_in(&app, alice).await;
    let sends = futures::future::join_all(senders.iter().map(|&sender| app.request(sender, alice)));
    let views = futures::future::join_all((0..24).map(|_| browser.get("/")));
    let (_, pages) = tokio::join!(sends, views);
    assert!(pages.iter().all(|page| page.status == StatusCode::OK));

    let page = browser.get("/").await;
    assert_eq!(page.count("#incoming li.row"), 12);
    assert_eq!(page.text("a#nav-notifications"), "Notifications 12 unread");
    for sender in senders {
        assert_eq!(page.text(&format!("#find-{sender} .tag")), "Asked you", "row of user {sender}");
    }
}
