//! The daily digest at `DEALNEST_DIGEST_HOUR` (moved to with the injectable clock), once per user
//! per day across a restart and two instances, and the hourly cap per recipient whose overflow
//! waits for the digest.

use std::time::Duration;

use dealnest::config::Settings;
use dealnest::domain::{Clock, DAY_MS, Timestamp};
use dealnest::notify::{DIGEST_SUBJECT, digest_day};
use reqwest::StatusCode;
use sqlx::AnyPool;

use super::preferences::{assert_deliverable, mail_settings, set_mail, unsubscribe_path};
use super::smtp::{Received, SmtpReceiver};
use super::{fast_retries, mailing, metric, wait_outbox};
use crate::support::TestApp;

const SOON: Duration = Duration::from_secs(10);
const HOUR_MS: i64 = 60 * 60 * 1000;

/// 07:00 UTC on some day: an hour before the default digest hour.
fn seven_oclock() -> Timestamp {
    let (_, eight) = digest_day(Timestamp::now(), 8);
    eight.plus_millis(DAY_MS - HOUR_MS)
}

fn configured(receiver: &SmtpReceiver, clock: &Clock) -> impl FnOnce(&mut Settings) + use<> {
    let mail = mailing(&receiver.url(), fast_retries(5));
    let clock = clock.clone();
    move |s| {
        mail(s);
        s.service.clock = clock;
    }
}

/// The `mail` column of every notification of `user`, oldest first.
async fn mail_states(raw: &AnyPool, user: i64) -> Vec<(Option<String>, Option<i64>)> {
    sqlx::query_as("select mail, digest_day from notifications where user_id = $1 order by notification_id")
        .bind(user)
        .fetch_all(raw)
        .await
        .unwrap()
}

fn digests(receiver: &SmtpReceiver) -> Vec<Received> {
    receiver.messages().into_iter().filter(|m| m.header("Subject").as_deref() == Some(DIGEST_SUBJECT)).collect()
}

async fn wait_digests(receiver: &SmtpReceiver, count: usize) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + SOON;
    loop {
        let found = digests(receiver);
        if found.len() >= count {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "expected {count} digest(s), got {}", found.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_digest_comes_at_the_hour_once_across_a_restart_and_never_repeats_an_item() {
    let clock = Clock::fixed(seven_oclock());
    let receiver = SmtpReceiver::start().await;
    let mut app = TestApp::spawn_with(configured(&receiver, &clock)).await;
    let raw = app.db.raw().await;
    let bob = app.user("Bob").await;
    set_mail(&app, bob, ["daily_digest", "immediately", "immediately"]).await;
    for name in ["Alice", "Carol", "Dave"] {
        let sender = app.user(name).await;
        app.request(sender, bob).await;
    }
    wait_outbox(&raw, SOON, "held", |rows| rows.len() == 3 && rows.iter().all(|r| r.delivered)).await;
    app.service().delivery().wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.messages().is_empty(), "nothing before the hour");

    clock.advance_millis(HOUR_MS);
    app.service().delivery().wake();
    let digest = wait_digests(&receiver, 1).await.remove(0);
    assert_eq!(digest.to, ["bob@example.com"]);
    assert_deliverable(&app, &digest);
    let text = digest.text();
    assert!(text.contains("New partner requests (3)"), "{text}");
    for name in ["Alice", "Carol", "Dave"] {
        assert!(text.contains(&format!("You have a new partner request from {name}.")), "{text}");
    }
    assert!(text.contains(&format!("{}/", app.base)), "links to the dashboard: {text}");
    let (day, _) = digest_day(clock.now(), 8);
    assert!(mail_states(&raw, bob).await.iter().all(|state| *state == (Some("digest".into()), Some(day))));

    // A restart at the same hour sends nothing again; a request after the hour waits a day.
    let erin = app.user("Erin").await;
    app.request(erin, bob).await;
    app.restart_with(configured(&receiver, &clock)).await;
    app.service().delivery().wake();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(digests(&receiver).len(), 1, "once per day, across the restart");

    clock.advance_millis(DAY_MS);
    app.service().delivery().wake();
    let second = wait_digests(&receiver, 2).await.remove(1);
    let text = second.text();
    assert!(text.contains("New partner requests (1)") && text.contains("from Erin."), "{text}");
    assert!(!text.contains("from Alice."), "no item twice: {text}");
    assert_ne!(second.header("Message-ID"), digest.header("Message-ID"));

    // Nothing new: no digest the day after.
    clock.advance_millis(DAY_MS);
    app.service().delivery().wake();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(digests(&receiver).len(), 2, "nothing when there is nothing");

    // The digest's own one-click address turns off what was coming in it, and nothing else.
    let path = unsubscribe_path(&app, &second);
    assert_eq!(app.client.post(app.url(&path)).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        mail_settings(&app, bob).await,
        serde_json::json!({"request_received": "off", "request_accepted": "immediately",
                           "request_reminder": "immediately"})
    );
}

#[tokio::test]
async fn two_instances_send_one_digest_per_user() {
    let clock = Clock::fixed(seven_oclock());
    let receiver = SmtpReceiver::start().await;
    // Two users per round, so each worker goes through the day in several rounds.
    let in_small_rounds = |receiver: &SmtpReceiver, clock: &Clock| {
        let configure = configured(receiver, clock);
        move |s: &mut Settings| {
            configure(s);
            s.delivery.batch = 2;
        }
    };
    let app = TestApp::spawn_with(in_small_rounds(&receiver, &clock)).await;
    let raw = app.db.raw().await;
    let mut users = Vec::new();
    for n in 0..6 {
        let user = app.user(&format!("Digest{n}")).await;
        set_mail(&app, user, ["daily_digest", "daily_digest", "daily_digest"]).await;
        users.push(user);
    }
    for (n, &user) in users.iter().enumerate() {
        let sender = app.user(&format!("Sender{n}")).await;
        app.request(sender, user).await;
    }
    wait_outbox(&raw, SOON, "held", |rows| rows.len() == 6 && rows.iter().all(|r| r.delivered)).await;
    let other = app.another_instance_with(in_small_rounds(&receiver, &clock)).await;

    clock.advance_millis(HOUR_MS);
    app.service().delivery().wake();
    other.service().delivery().wake();
    wait_digests(&receiver, 6).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut to: Vec<String> = digests(&receiver).iter().map(|m| m.to[0].clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!((digests(&receiver).len(), to.len()), (6, 6), "one digest each, from one instance or the other");
    other.stop().await.unwrap();
}

#[tokio::test]
async fn twenty_requests_from_twenty_new_accounts_mail_ten_now_and_the_rest_in_the_next_digest() {
    // Half past eight: the day's digest hour has passed, the next is tomorrow.
    let clock = Clock::fixed(seven_oclock().plus_millis(90 * 60 * 1000));
    let receiver = SmtpReceiver::start().await;
    let app = TestApp::spawn_with(configured(&receiver, &clock)).await;
    let raw = app.db.raw().await;
    let target = app.user("Target").await;
    for n in 0..20 {
        let sender = app.user(&format!("Fresh{n}")).await;
        app.request(sender, target).await;
    }
    wait_outbox(&raw, SOON, "all settled", |rows| rows.len() == 20 && rows.iter().all(|r| r.delivered)).await;
    receiver.wait_for(10, SOON).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.messages().len(), 10, "ten mails now");
    let states = mail_states(&raw, target).await;
    let sent = states.iter().filter(|s| s.0.as_deref() == Some("sent")).count();
    let held = states.iter().filter(|s| s.0.as_deref() == Some("digest")).count();
    assert_eq!((sent, held), (10, 10));
    assert!(metric(&app, "dealnest_mail_capped_total").await.unwrap_or(0.0) >= 10.0);

    // Within the hour the cap still holds; the held ten come in tomorrow's digest, none lost.
    clock.advance_millis(DAY_MS - 30 * 60 * 1000);
    app.service().delivery().wake();
    let digest = wait_digests(&receiver, 1).await.remove(0);
    let text = digest.text();
    assert!(text.contains("New partner requests (10)"), "{text}");
    let named = (0..20).filter(|n| text.contains(&format!("from Fresh{n}."))).count();
    assert_eq!(named, 10, "{text}");
    let (status, inbox) = app.get(&format!("/api/v1/users/{target}/notifications"), Some(target)).await;
    assert_eq!((status, inbox["pagination"]["total"].as_i64()), (StatusCode::OK, Some(20)));
}

#[tokio::test]
async fn the_cap_holds_across_two_instances() {
    let clock = Clock::fixed(seven_oclock().plus_millis(90 * 60 * 1000));
    let receiver = SmtpReceiver::start().await;
    let app = TestApp::spawn_with(configured(&receiver, &clock)).await;
    let other = app.another_instance_with(configured(&receiver, &clock)).await;
    let raw = app.db.raw().await;
    let target = app.user("Target").await;
    let mut senders = Vec::new();
    for n in 0..20 {
        senders.push(app.user(&format!("Fresh{n}")).await);
    }
    // Every other request through the second instance, so both workers are woken and race.
    let bases = [app.base.clone(), format!("http://{}", other.addr())];
    let requests = senders.iter().enumerate().map(|(n, &sender)| {
        let url = format!("{}/api/v1/partner-requests", bases[n % 2]);
        app.send(app.client.post(url).json(&serde_json::json!({"recipient_id": target})), Some(sender))
    });
    for (status, body) in futures::future::join_all(requests).await {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    wait_outbox(&raw, SOON, "all settled", |rows| rows.len() == 20 && rows.iter().all(|r| r.delivered)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.messages().len(), 10, "ten mails, whichever instance sent them");
    let held = mail_states(&raw, target).await.iter().filter(|s| s.0.as_deref() == Some("digest")).count();
    assert_eq!(held, 10);
    other.stop().await.unwrap();
}
