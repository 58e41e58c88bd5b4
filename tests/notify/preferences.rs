//! E-mail preferences at delivery time, the headers every mail carries, and one-click
//! unsubscribe (RFC 8058), through a real SMTP conversation and plain HTTP without a session.

use std::time::Duration;

use dealnest::domain::{Clock, DAY_MS, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::smtp::{Behaviour, Received, SmtpReceiver};
use super::{fast_retries, mailing, outbox, wait_outbox};
use crate::support::TestApp;
use crate::support::process::free_port;

const SOON: Duration = Duration::from_secs(10);

/// Saves `user`'s e-mail choices (received, accepted, reminder) through the API.
pub async fn set_mail(app: &TestApp, user: i64, [received, accepted, reminder]: [&str; 3]) {
    let body = json!({"accepts_requests_from": "everyone",
                      "email": {"request_received": received, "request_accepted": accepted,
                                "request_reminder": reminder}});
    let path = format!("/api/v1/users/{user}/settings");
    let (status, saved) = app.send(app.client.put(app.url(&path)).json(&body), Some(user)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
}

pub async fn mail_settings(app: &TestApp, user: i64) -> Value {
    let (status, body) = app.get(&format!("/api/v1/users/{user}/settings"), Some(user)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["email"].clone()
}

/// The path of a mail's one-click address (`/unsubscribe/{token}`), checked to be on this app.
pub fn unsubscribe_path(app: &TestApp, mail: &Received) -> String {
    let header = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    let url = header.strip_prefix('<').and_then(|h| h.strip_suffix('>')).expect("<url>");
    let path = url.strip_prefix(&app.base).expect("the public URL is the server's address");
    assert!(path.starts_with("/unsubscribe/"), "{path}");
    path.to_owned()
}

/// What every mail must carry.
#[track_caller]
pub fn assert_deliverable(app: &TestApp, mail: &Received) {
    assert_eq!(mail.header("Auto-Submitted").as_deref(), Some("auto-generated"), "{}", mail.data);
    assert_eq!(mail.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
    assert!(mail.header("Date").is_some_and(|d| !d.is_empty()), "{}", mail.data);
    assert!(mail.header("Message-ID").is_some_and(|id| id.starts_with('<') && id.ends_with('>')));
    let text = mail.text();
    assert!(text.contains("Content-Type: text/plain") && text.contains("Content-Type: text/html"), "{text}");
    let path = unsubscribe_path(app, mail);
    assert!(text.contains(&format!("{}{path}", app.base)), "the footer has the link in words: {text}");
}

#[tokio::test]
async fn every_kind_of_mail_carries_the_headers_and_its_own_unsubscribe() {
    let clock = Clock::fixed(Timestamp::now());
    let receiver = SmtpReceiver::start().await;
    let mail = mailing(&receiver.url(), fast_retries(5));
    let app = TestApp::spawn_with({
        let clock = clock.clone();
        move |s| {
            mail(s);
            s.service.clock = clock;
        }
    })
    .await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let accepted = app.request(alice, bob).await;
    receiver.wait_for(1, SOON).await;
    assert_eq!(app.respond(bob, accepted, "accept").await.0, StatusCode::OK);
    receiver.wait_for(2, SOON).await;
    app.request(carol, bob).await;
    receiver.wait_for(3, SOON).await;
    // Carol's request enters its reminder window (3 days before its 30 run out).
    clock.advance_millis(27 * DAY_MS + 1);
    app.service().lifecycle().sweep().await.unwrap();
    let mails = receiver.wait_for(4, SOON).await;

    let subjects: Vec<_> = mails.iter().map(|m| m.header("Subject").unwrap()).collect();
    assert_eq!(
        subjects,
        ["New Partner Request", "Partner Request Accepted", "New Partner Request", "Partner Request Expiring Soon"]
    );
    for mail in &mails {
        assert_deliverable(&app, mail);
    }
    // Each link names its own kind: following the reminder's turns off only reminders.
    let reminder = unsubscribe_path(&app, &mails[3]);
    assert_ne!(reminder, unsubscribe_path(&app, &mails[0]));
    assert_eq!(app.client.post(app.url(&reminder)).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        mail_settings(&app, bob).await,
        json!({"request_received": "immediately", "request_accepted": "immediately", "request_reminder": "off"})
    );
}

#[tokio::test]
async fn a_one_click_post_without_a_cookie_turns_off_exactly_that_kind_for_exactly_that_user() {
    let receiver = SmtpReceiver::start().await;
    let app = TestApp::spawn_with(mailing(&receiver.url(), fast_retries(5))).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    app.request(alice, bob).await;
    let mail = receiver.wait_for(1, SOON).await.remove(0);
    let path = unsubscribe_path(&app, &mail);
    let defaults = json!({"request_received": "immediately", "request_accepted": "immediately",
                          "request_reminder": "immediately"});

    // Link scanners open links: a GET shows the button and changes nothing.
    let scanner = reqwest::Client::new();
    let page = scanner.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let document = scraper::Html::parse_document(&html);
    let form = scraper::Selector::parse("form[method=post] button[type=submit]").unwrap();
    assert_eq!(document.select(&form).count(), 1, "{html}");
    assert!(html.contains("when someone sends you a partner request"), "{html}");
    assert_eq!(mail_settings(&app, bob).await, defaults);

    // What a mail provider sends: a bare POST from its own site, no cookie, no session.
    let response = scanner
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://mail.provider.example")
        .header("sec-fetch-site", "cross-site")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("You are unsubscribed"));
    assert_eq!(
        mail_settings(&app, bob).await,
        json!({"request_received": "off", "request_accepted": "immediately", "request_reminder": "immediately"})
    );
    assert_eq!(mail_settings(&app, alice).await, defaults, "nobody else's mail changed");
    // Again: still 200, still off.
    assert_eq!(scanner.post(app.url(&path)).send().await.unwrap().status(), StatusCode::OK);

    // The choice holds for the next request: an inbox entry, no mail.
    let carol = app.user("Carol").await;
    app.request(carol, bob).await;
    let raw = app.db.raw().await;
    wait_outbox(&raw, SOON, "the second notification is settled", |rows| rows.len() == 2 && rows[1].delivered).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.messages().len(), 1);
    let (_, inbox) = app.get(&format!("/api/v1/users/{bob}/notifications"), Some(bob)).await;
    assert_eq!(inbox["pagination"]["total"], 2, "the inbox keeps every notification: {inbox}");
}

#[tokio::test]
async fn a_forged_or_altered_unsubscribe_token_is_refused_and_changes_nothing() {
    let receiver = SmtpReceiver::start().await;
    let app = TestApp::spawn_with(mailing(&receiver.url(), fast_retries(5))).await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    app.request(alice, bob).await;
    app.request(carol, alice).await;
    let mails = receiver.wait_for(2, SOON).await;
    let to_bob = mails.iter().find(|m| m.to == ["bob@example.com"]).unwrap();
    let to_alice = mails.iter().find(|m| m.to == ["alice@example.com"]).unwrap();
    let bobs = unsubscribe_path(&app, to_bob);
    let alices = unsubscribe_path(&app, to_alice);
    let token = bobs.trim_start_matches("/unsubscribe/");
    let parts: Vec<&str> = token.split('.').collect();
    let alice_payload = alices.trim_start_matches("/unsubscribe/").split('.').nth(1).unwrap();
    let other_key = dealnest::auth::TokenKeys::new(b"not-the-server-secret-at-all-000")
        .issue_unsubscribe(dealnest::domain::UserId::parse(bob).unwrap(), dealnest::domain::Unsubscribe::Digest);
    let forged = [
        // Alice's claims under Bob's signature.
        format!("{}.{}.{}", parts[0], alice_payload, parts[2]),
        // Signed with another secret.
        other_key,
        // Cut short, and a last character changed.
        token[..token.len() - 5].to_owned(),
        format!("{}{}", &token[..token.len() - 1], if token.ends_with('A') { 'B' } else { 'A' }),
        "garbage".to_owned(),
        "x".repeat(5_000),
    ];
    let before = (mail_settings(&app, alice).await, mail_settings(&app, bob).await);
    let client = reqwest::Client::new();
    for token in forged {
        for request in [
            client.get(app.url(&format!("/unsubscribe/{token}"))),
            client.post(app.url(&format!("/unsubscribe/{token}"))),
        ] {
            let response = request.send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert!(status.is_client_error(), "{status} for {token:.40}");
            assert!(body.contains("not valid") || status == StatusCode::URI_TOO_LONG, "{body}");
        }
    }
    assert_eq!((mail_settings(&app, alice).await, mail_settings(&app, bob).await), before);
}

#[tokio::test]
async fn off_and_daily_digest_apply_to_mail_already_queued() {
    // The mail server is down at first, so both notifications wait in the outbox for a retry.
    let port = free_port();
    let mut policy = fast_retries(5);
    policy.base_backoff = Duration::from_millis(1500);
    policy.max_backoff = Duration::from_millis(1500);
    let app = TestApp::spawn_with(mailing(&format!("smtp://{port}"), policy)).await;
    let raw = app.db.raw().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    app.request(alice, bob).await;
    app.request(alice, carol).await;
    wait_outbox(&raw, SOON, "both attempted once", |rows| rows.len() == 2 && rows.iter().all(|r| r.attempts >= 1))
        .await;
    set_mail(&app, bob, ["off", "immediately", "immediately"]).await;
    set_mail(&app, carol, ["daily_digest", "immediately", "immediately"]).await;
    let receiver = SmtpReceiver::start_with(port, Behaviour::default()).await;

    wait_outbox(&raw, SOON, "both settled", |rows| rows.iter().all(|r| r.delivered)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(receiver.messages().is_empty(), "no mail: {:?}", receiver.messages());
    let decided: Vec<(i64, Option<String>)> =
        sqlx::query_as("select user_id, mail from notifications order by notification_id")
            .fetch_all(&raw)
            .await
            .unwrap();
    assert_eq!(decided, [(bob, Some("off".into())), (carol, Some("digest".into()))]);
    assert_eq!(outbox(&raw).await.len(), 2, "both stay in the inboxes");
}
