//! The outbox worker against a real SMTP conversation.

use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use super::smtp::{Behaviour, SmtpReceiver};
use super::{fast_retries, mailing, metric, outbox, wait_outbox};
use crate::support::TestApp;
use crate::support::process::free_port;

const SOON: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_request_mails_the_recipient_exactly_once() {
    let receiver = SmtpReceiver::start().await;
    let app = TestApp::spawn_with(mailing(&receiver.url(), fast_retries(5))).await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;

    app.request(alice, bob).await;

    let mails = receiver.wait_for(1, SOON).await;
    let rows = wait_outbox(&raw, SOON, "the notification is marked delivered", |rows| rows[0].delivered).await;
    // Give a duplicate every chance to show up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.messages().len(), 1, "exactly one mail");
    let mail = &mails[0];
    assert_eq!(mail.to, ["bob@example.com"]);
    assert_eq!(mail.from, "no-reply@dealnest.localhost");
    assert_eq!(mail.header("Subject").as_deref(), Some("New Partner Request"));
    assert_eq!(mail.header("To").as_deref(), Some("Bob <bob@example.com>"));
    assert_eq!(
        mail.header("Message-ID"),
        Some(format!("<notification-{}@dealnest.localhost>", rows[0].id)),
        "the notification id is the idempotency key"
    );
    assert!(mail.header("Content-Type").is_some_and(|t| t.starts_with("multipart/alternative")), "{}", mail.data);
    let text = mail.text();
    assert!(text.contains("Content-Type: text/plain") && text.contains("Content-Type: text/html"), "{text}");
    assert!(text.contains("You have a new partner request from Alice."), "{text}");
    assert_eq!((rows.len(), rows[0].user_id, rows[0].attempts), (1, bob, 1));
    assert_eq!(rows[0].last_error, None);
}

#[tokio::test]
async fn acceptance_mails_the_sender_and_rejection_mails_nobody() {
    let receiver = SmtpReceiver::start().await;
    let app = TestApp::spawn_with(mailing(&receiver.url(), fast_retries(5))).await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    let carol = app.user("Carol").await;
    let accepted = app.request(alice, bob).await;
    let rejected = app.request(carol, bob).await;
    receiver.wait_for(2, SOON).await;

    assert_eq!(app.respond(bob, accepted, "accept").await.0, 200);
    assert_eq!(app.respond(bob, rejected, "reject").await.0, 200);

    let mails = receiver.wait_for(3, SOON).await;
    let mail = &mails[2];
    assert_eq!(mail.to, ["alice@example.com"]);
    assert_eq!(mail.header("Subject").as_deref(), Some("Partner Request Accepted"));
    assert!(mail.text().contains("Bob accepted your partner request."), "{}", mail.data);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.messages().len(), 3, "a rejection sends no mail");
}

#[tokio::test]
async fn requests_do_not_wait_for_a_mail_server_that_hangs() {
    // Accepts connections and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let app = TestApp::spawn_with(|settings| {
        mailing(&url, fast_retries(100))(settings);
        settings.mail.smtp_timeout = Duration::from_secs(1);
    })
    .await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let recipients = [app.user("Bob").await, app.user("Carol").await, app.user("Dave").await];

    let started = Instant::now();
    for recipient in recipients {
        app.request(alice, recipient).await;
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "three requests took {took:?} while the mail server hangs");

    // The hung attempt is cut off by the SMTP timeout and recorded as a failure to retry.
    let rows =
        wait_outbox(&raw, SOON, "a timed-out attempt is recorded", |rows| rows.iter().any(|r| r.last_error.is_some()))
            .await;
    assert!(rows.iter().all(|r| !r.delivered && !r.failed), "{rows:#?}");
    hold.abort();
}

#[tokio::test]
async fn mails_go_out_once_the_mail_server_is_back() {
    let port = free_port();
    let app = TestApp::spawn_with(mailing(&format!("smtp://{port}"), fast_retries(1000))).await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;

    let started = Instant::now();
    app.request(alice, bob).await;
    assert!(started.elapsed() < Duration::from_secs(1), "the request does not wait for the mail server");
    let rows = wait_outbox(&raw, SOON, "several attempts fail", |rows| rows[0].attempts >= 3).await;
    assert!(!rows[0].delivered && !rows[0].failed);
    assert!(rows[0].last_error.as_deref().is_some_and(|e| e.starts_with("SMTP")), "{rows:#?}");

    let receiver = SmtpReceiver::start_with(port, Behaviour::default()).await;
    let mails = receiver.wait_for(1, SOON).await;
    assert_eq!(mails[0].to, ["bob@example.com"]);
    let rows = wait_outbox(&raw, SOON, "the notification is marked delivered", |rows| rows[0].delivered).await;
    assert_eq!(rows[0].last_error, None);
    assert!(metric(&app, "dealnest_notification_delivery_failures_total").await >= Some(3.0));
    assert!(metric(&app, "dealnest_notifications_delivered_total").await >= Some(1.0));
}

#[tokio::test]
async fn delivery_gives_up_after_the_last_attempt_and_keeps_the_row() {
    let port = free_port();
    let app = TestApp::spawn_with(mailing(&format!("smtp://{port}"), fast_retries(3))).await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    app.request(alice, bob).await;

    let rows = wait_outbox(&raw, SOON, "the notification is marked failed", |rows| rows[0].failed).await;
    assert_eq!(rows[0].attempts, 3);
    assert!(!rows[0].delivered);
    assert!(rows[0].last_error.as_deref().is_some_and(|e| e.starts_with("SMTP")), "{rows:#?}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(outbox(&raw).await[0].attempts, 3, "no attempt after giving up");
    assert!(metric(&app, "dealnest_notifications_failed_total").await >= Some(1.0));
    assert!(metric(&app, "dealnest_notification_backlog").await.is_some());
    // Still in the inbox: giving up on the mail does not lose the notification.
    let (status, body) = app.get(&format!("/api/v1/users/{bob}/notifications"), Some(bob)).await;
    assert_eq!((status.as_u16(), body["pagination"]["total"].as_i64()), (200, Some(1)));
}

#[tokio::test]
async fn a_refused_recipient_is_not_retried() {
    let behaviour = Behaviour { refuse_recipients: true, ..Behaviour::default() };
    let receiver = SmtpReceiver::start_with(([127, 0, 0, 1], 0).into(), behaviour).await;
    let app = TestApp::spawn_with(mailing(&receiver.url(), fast_retries(5))).await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    app.request(alice, bob).await;

    let rows = wait_outbox(&raw, SOON, "the notification is marked failed", |rows| rows[0].failed).await;
    assert_eq!(rows[0].attempts, 1, "a permanent (5xx) refusal is final");
    assert!(rows[0].last_error.as_deref().is_some_and(|e| e.contains("550")), "{rows:#?}");
}

#[tokio::test]
async fn failed_notifications_can_be_queued_again() {
    let refusing = Behaviour { refuse_recipients: true, ..Behaviour::default() };
    let receiver = SmtpReceiver::start_with(([127, 0, 0, 1], 0).into(), refusing).await;
    let mut app = TestApp::spawn_with(mailing(&receiver.url(), fast_retries(5))).await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    app.request(alice, bob).await;
    wait_outbox(&raw, SOON, "the notification is marked failed", |rows| rows[0].failed).await;

    let receiver = SmtpReceiver::start().await;
    app.restart_with(mailing(&receiver.url(), fast_retries(5))).await;
    let service = app.server.as_ref().unwrap().service();
    assert_eq!(service.delivery().requeue_failed().await.unwrap(), 1);

    receiver.wait_for(1, SOON).await;
    let rows = wait_outbox(&raw, SOON, "the notification is marked delivered", |rows| rows[0].delivered).await;
    assert_eq!((rows[0].failed, rows[0].attempts), (false, 1), "a fresh count of attempts");
}

#[tokio::test]
async fn a_restart_delivers_what_the_last_run_did_not() {
    let port = free_port();
    let mut app = TestApp::spawn_with(mailing(&format!("smtp://{port}"), fast_retries(1000))).await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    app.request(alice, bob).await;
    wait_outbox(&raw, SOON, "an attempt fails", |rows| rows[0].last_error.is_some()).await;

    let receiver = SmtpReceiver::start().await;
    app.restart_with(mailing(&receiver.url(), fast_retries(1000))).await;

    let mails = receiver.wait_for(1, SOON).await;
    assert_eq!(mails[0].to, ["bob@example.com"]);
    wait_outbox(&raw, SOON, "the notification is marked delivered", |rows| rows[0].delivered).await;
}

#[tokio::test]
async fn shutdown_lets_the_delivery_in_flight_finish() {
    let slow = Behaviour { data_delay: Duration::from_millis(1200), ..Behaviour::default() };
    let receiver = SmtpReceiver::start_with(([127, 0, 0, 1], 0).into(), slow).await;
    let mut app = TestApp::spawn_with(mailing(&receiver.url(), fast_retries(5))).await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;
    app.request(alice, bob).await;
    let deadline = Instant::now() + SOON;
    while receiver.data_started() == 0 {
        assert!(Instant::now() < deadline, "the mail never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    app.stop().await;

    assert_eq!(receiver.messages().len(), 1, "the mail in flight was completed");
    let rows = outbox(&raw).await;
    assert!(rows[0].delivered, "and recorded before the server stopped: {rows:#?}");
}

#[tokio::test]
async fn without_smtp_notifications_go_to_the_log_promptly() {
    let app = TestApp::spawn().await;
    let raw = app.db.raw().await;
    let alice = app.user("Alice").await;
    let bob = app.user("Bob").await;

    let started = Instant::now();
    app.request(alice, bob).await;
    let rows = wait_outbox(&raw, SOON, "the notification is marked delivered", |rows| rows[0].delivered).await;
    // The worker is woken by the commit; it does not wait for a poll interval.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "delivered {took:?} after the request");
    assert_eq!(rows[0].attempts, 1);
}
