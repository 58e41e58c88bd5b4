//! The rules that depend on time, with the clock moved to their boundaries: cooldowns, the send
//! quotas' window, and a request's expiry.

use dealnest::domain::{Answer, DAY_MS, RequestStatus, RuleError, SendQuotas, Timestamp};

use super::{Fixture, rule};

#[tokio::test]
async fn a_rejection_holds_the_sender_back_to_the_millisecond_a_withdrawal_a_day_a_block_not_at_all() {
    let app = Fixture::new().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let requests = app.service.requests();
    let rejected = requests.answer(bob, app.ask(alice, bob).await.id, Answer::Reject).await.unwrap();
    let until = rejected.responded_at.unwrap().plus_millis(30 * DAY_MS);
    assert_eq!(rule(requests.send(alice, bob, None).await), RuleError::Cooldown(until));
    // The cooldown is the sender's: the one who rejected may ask.
    requests.withdraw(bob, app.ask(bob, alice).await.id).await.unwrap();
    app.set_clock(until.minus_millis(1));
    assert_eq!(rule(requests.send(alice, bob, None).await), RuleError::Cooldown(until));
    app.set_clock(until);
    app.ask(alice, bob).await;

    let withdrawn = requests.withdraw(alice, app.ask(alice, carol).await.id).await.unwrap();
    let until = withdrawn.responded_at.unwrap().plus_millis(DAY_MS);
    assert_eq!(rule(requests.send(alice, carol, None).await), RuleError::Cooldown(until));
    app.set_clock(until);
    let pending = app.ask(alice, carol).await;
    app.service.blocks().block(carol, alice).await.unwrap();
    app.service.blocks().unblock(carol, alice).await.unwrap();
    assert_eq!(requests.get(alice, pending.id).await.unwrap().status, RequestStatus::Rejected);
    app.ask(alice, carol).await;
}

#[tokio::test]
async fn the_quotas_count_the_last_24_hours_and_a_new_account_has_its_own() {
    let app = Fixture::with(|s| s.quotas = SendQuotas { daily: 3, new_account: 2 }).await;
    let created = app.clock.now();
    let alice = app.user("Alice").await;
    let mut others = Vec::new();
    for name in ["B", "C", "D", "E", "F", "G"] {
        others.push(app.user(name).await);
    }
    let send = |to| app.service.requests().send(alice, to, None);
    let an_hour_in = created.plus_millis(3_600_000);
    app.set_clock(an_hour_in);
    app.ask(alice, others[0]).await;
    app.ask(alice, others[1]).await;
    assert_eq!(rule(send(others[2]).await), RuleError::NewAccountQuotaExceeded(2));

    // A day old, the daily quota applies to the same window: the two sends still count.
    app.set_clock(created.plus_millis(DAY_MS - 1));
    assert_eq!(rule(send(others[2]).await), RuleError::NewAccountQuotaExceeded(2));
    app.set_clock(created.plus_millis(DAY_MS));
    app.ask(alice, others[2]).await;
    assert_eq!(rule(send(others[3]).await), RuleError::QuotaExceeded(3));
    // The first two leave the window 24 hours after they were sent, to the millisecond.
    app.set_clock(an_hour_in.plus_millis(DAY_MS - 1));
    assert_eq!(rule(send(others[3]).await), RuleError::QuotaExceeded(3));
    app.set_clock(an_hour_in.plus_millis(DAY_MS));
    app.ask(alice, others[3]).await;
    app.ask(alice, others[4]).await;
    assert_eq!(rule(send(others[5]).await), RuleError::QuotaExceeded(3));
}

#[tokio::test]
async fn a_request_expires_at_the_instant_of_its_expiry_and_frees_the_pair_at_once() {
    let app = Fixture::new().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let requests = app.service.requests();
    let sent = app.ask(alice, bob).await;
    let expires_at = sent.expires_at.expect("requests live 30 days by default");
    assert_eq!(expires_at, app.clock.now().plus_millis(30 * DAY_MS));

    app.set_clock(expires_at.minus_millis(1));
    assert_eq!(requests.get(bob, sent.id).await.unwrap().status, RequestStatus::Pending);
    assert_eq!(requests.received(bob, Default::default()).await.unwrap().total, 1);
    app.set_clock(expires_at);
    let expired = requests.get(bob, sent.id).await.unwrap();
    assert_eq!((expired.status, expired.responded_at), (RequestStatus::Expired, Some(expires_at)));
    assert_eq!(requests.received(bob, Default::default()).await.unwrap().total, 0, "out of the list and its total");
    assert_eq!(rule(requests.answer(bob, sent.id, Answer::Accept).await), RuleError::NotPending);
    assert_eq!(rule(requests.withdraw(alice, sent.id).await), RuleError::NotPending);
    // Expiry starts no cooldown, and the pair's pending slot is free before any sweep.
    app.ask(alice, bob).await;
    assert_eq!(app.service.lifecycle().sweep().await.unwrap().expired, 0, "the send marked it already");
}

#[tokio::test]
async fn without_a_lifetime_a_request_never_expires() {
    let app = Fixture::with(|s| s.lifecycle.ttl_days = 0).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let sent = app.ask(alice, bob).await;
    assert_eq!(sent.expires_at, None);
    app.set_clock(Timestamp::from_millis(app.clock.now().millis() + 3_650 * DAY_MS));
    assert_eq!(app.service.lifecycle().sweep().await.unwrap().expired, 0);
    let accepted = app.service.requests().answer(bob, sent.id, Answer::Accept).await.unwrap();
    assert_eq!(accepted.status, RequestStatus::Accepted);
}
