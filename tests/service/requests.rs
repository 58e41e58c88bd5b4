//! Who may send, answer and withdraw, what stands between two users, and bulk answers that fail
//! one id at a time.

use dealnest::domain::{Answer, BulkAction, BulkIds, RequestStatus, RuleError};

use super::{Fixture, rule};

#[tokio::test]
async fn a_send_is_refused_for_each_thing_that_stands_between_the_two() {
    let app = Fixture::new().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let requests = app.service.requests();
    assert_eq!(rule(requests.send(alice, alice, None).await), RuleError::SelfRequest);
    let nobody = dealnest::domain::UserId::parse(999).unwrap();
    assert_eq!(rule(requests.send(alice, nobody, None).await), RuleError::UserNotFound);

    let first = app.ask(alice, bob).await;
    assert_eq!(rule(requests.send(alice, bob, None).await), RuleError::DuplicateRequest);
    assert_eq!(rule(requests.send(bob, alice, None).await), RuleError::ReverseRequestPending(first.id));
    requests.answer(bob, first.id, Answer::Accept).await.unwrap();
    assert_eq!(rule(requests.send(bob, alice, None).await), RuleError::AlreadyPartners);

    app.service.blocks().block(carol, alice).await.unwrap();
    assert_eq!(rule(requests.send(alice, carol, None).await), RuleError::Blocked);
    assert_eq!(rule(requests.send(carol, alice, None).await), RuleError::Blocked, "a block holds both ways");
}

#[tokio::test]
async fn only_the_recipient_answers_only_the_sender_withdraws_and_only_once() {
    let app = Fixture::new().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let requests = app.service.requests();
    let asked = app.ask(alice, bob).await;
    assert_eq!(rule(requests.answer(alice, asked.id, Answer::Accept).await), RuleError::Forbidden);
    assert_eq!(rule(requests.answer(carol, asked.id, Answer::Reject).await), RuleError::Forbidden);
    assert_eq!(rule(requests.withdraw(bob, asked.id).await), RuleError::Forbidden);
    assert_eq!(rule(requests.get(carol, asked.id).await), RuleError::Forbidden, "only the two parties see it");

    let rejected = requests.answer(bob, asked.id, Answer::Reject).await.unwrap();
    assert_eq!((rejected.status, rejected.responded_at), (RequestStatus::Rejected, Some(app.clock.now())));
    assert_eq!(rule(requests.answer(bob, asked.id, Answer::Accept).await), RuleError::NotPending);
    assert_eq!(rule(requests.withdraw(alice, asked.id).await), RuleError::NotPending);
    let missing = dealnest::domain::RequestId::parse(999).unwrap();
    assert_eq!(rule(requests.answer(bob, missing, Answer::Accept).await), RuleError::RequestNotFound);
}

#[tokio::test]
async fn accepting_makes_partners_and_ending_lets_either_ask_again() {
    let app = Fixture::new().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let asked = app.ask(alice, bob).await;
    app.service.requests().answer(bob, asked.id, Answer::Accept).await.unwrap();
    let page = dealnest::domain::PageRequest::default();
    let partnerships = app.service.partnerships().list(alice, page).await.unwrap();
    assert_eq!(partnerships.total, 1);
    assert_eq!(partnerships.items[0].partner.id, bob);
    let ended = partnerships.items[0].id;
    assert_eq!(app.service.partnerships().end(bob, ended).await.unwrap(), alice, "the other member");
    assert_eq!(rule(app.service.partnerships().end(bob, ended).await), RuleError::PartnershipNotFound);
    app.ask(bob, alice).await;
}

#[tokio::test]
async fn each_id_of_a_bulk_answer_succeeds_or_fails_on_its_own_in_the_order_given() {
    let app = Fixture::new().await;
    let (alice, bob, carol) = (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await);
    let from_bob = app.ask(bob, alice).await;
    let from_carol = app.ask(carol, alice).await;
    let not_for_alice = app.ask(bob, carol).await;
    app.service.requests().withdraw(carol, from_carol.id).await.unwrap();

    let raw = vec![from_bob.id.get(), 999, not_for_alice.id.get(), -1, from_carol.id.get()];
    let ids = BulkIds::parse(raw.clone()).unwrap();
    let outcomes = app.service.requests().bulk(alice, BulkAction::Accept, &ids).await;
    assert_eq!(outcomes.iter().map(|o| o.raw_id).collect::<Vec<_>>(), raw, "in the order given");
    assert_eq!(outcomes[0].result.as_ref().unwrap().status, RequestStatus::Accepted);
    let errors: Vec<RuleError> = outcomes.into_iter().skip(1).map(|o| rule(o.result)).collect();
    assert_eq!(errors, [RuleError::RequestNotFound, RuleError::Forbidden, RuleError::InvalidId, RuleError::NotPending]);
    let partners = app.service.partnerships().list(alice, Default::default()).await.unwrap();
    assert_eq!(partners.total, 1, "the failures undid nothing");
}

#[tokio::test]
async fn the_answer_to_an_action_is_read_in_one_snapshot_with_everything_it_shows() {
    let app = Fixture::new().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let asked = app.ask(bob, alice).await;
    app.service.requests().answer(alice, asked.id, Answer::Accept).await.unwrap();
    let after = app.service.dashboard().after_action(alice, Some(bob), true).await.unwrap();
    assert_eq!(after.other.map(|user| user.id), Some(bob));
    assert_eq!((after.relations.incoming.total, after.relations.partners.total), (0, 1));
    let row = after.candidate.expect("Bob's row in Find partners");
    assert_eq!(row.standing.partnership(), Some(after.relations.partners.items[0].id));
    assert!(after.suggestions.iter().all(|s| s.user.id != bob), "a partner is never suggested");
}
