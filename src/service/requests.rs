//! Partner requests: sending one, answering it, withdrawing it (one at a time, or many at once),
//! and reading them. Each write is one transaction: it reads the facts, asks the rules of
//! `domain`, writes, and publishes its events after the commit; the database's named constraints
//! stay the last judges under concurrency.

use super::events::UserEventKind;
use super::handle::{Published, Service};
use super::network::standings;
use crate::domain::{
    Answer, BulkAction, BulkIds, CountedPage, Lifecycle, NotificationKind, PageRequest, PartnerRequest, PartnerScan,
    RequestId, RequestMessage, RequestStatus, RuleError, SendQuotas, Standing, Timestamp, UserId, check_answer,
    check_cancel, check_party, check_quota, check_send_to,
};
use crate::store::request_lists::{self, Side};
use crate::store::{Conn, StoreError, StoreResult, notifications, partnerships, requests, users};

#[derive(Clone, Copy)]
pub struct Requests<'a>(pub(super) &'a Service);

/// What happened to one id of a bulk call, in the order given.
#[derive(Debug)]
pub struct BulkOutcome {
    pub raw_id: i64,
    pub result: Result<PartnerRequest, StoreError>,
}

/// What a send's transaction ended with.
enum Sent {
    Done(PartnerRequest),
    /// A concurrent send for the same pair committed first.
    Raced,
}

impl Requests<'_> {
    /// Sends a partner request from `sender` to `recipient` and notifies the recipient, in one
    /// transaction: the sender and the recipient exist and differ, nothing stands between them
    /// (`Standing::check_send`, the recipient's setting read here), the sender is within the
    /// quotas (counted in this transaction, so they hold across instances).
    pub async fn send(
        self,
        sender: UserId,
        recipient: UserId,
        message: Option<&RequestMessage>,
    ) -> StoreResult<PartnerRequest> {
        let service = self.0;
        let message = message.cloned();
        let (quotas, lifecycle, now) = (service.0.quotas, service.0.lifecycle, service.now());
        let sent = service
            .write(async move |conn| {
                let sender_user = users::find(conn, sender).await?.ok_or(RuleError::UserNotFound)?;
                check_send_to(sender, recipient, users::find(conn, recipient).await?.is_some())?;
                standing(conn, sender, recipient, lifecycle, now).await?.check_send()?;
                if quotas.apply() {
                    let sent = requests::sent_since(conn, sender, SendQuotas::window_start(now)).await?;
                    check_quota(quotas, sent, now.millis() - sender_user.created_at.millis())?;
                }
                requests::expire_overdue_of_pair(conn, sender, recipient, now).await?;
                let text = message.as_ref().map(RequestMessage::as_str);
                let inserted =
                    requests::insert_pending(conn, sender, recipient, text, now, lifecycle.expires_at(now)).await?;
                let Some(request) = inserted else { return Ok((Sent::Raced, Published::new())) };
                let kind = NotificationKind::RequestReceived;
                let text = kind.text(sender_user.name.as_str());
                let notification_id = notifications::insert(conn, recipient, kind, &text, request.id, now).await?;
                let events = vec![
                    (recipient, UserEventKind::RequestReceived { request_id: request.id, sender_id: sender }),
                    (recipient, UserEventKind::Notification { notification_id, kind }),
                ];
                Ok((Sent::Done(request), events))
            })
            .await?;
        let Sent::Done(request) = sent else {
            // A concurrent send for the same pair committed first: say which way it went.
            let standing =
                service.0.db.read(async move |conn| standing(conn, sender, recipient, lifecycle, now).await).await?;
            standing.check_send()?;
            return Err(RuleError::DuplicateRequest.into());
        };
        service.wake_outbox();
        metrics::counter!("dealnest_partner_requests_total", "event" => "sent").increment(1);
        Ok(request)
    }

    /// Accepts or rejects a pending request; only its recipient may. Accepting creates the
    /// partnership and notifies the sender in the same transaction.
    pub async fn answer(self, actor: UserId, request_id: RequestId, answer: Answer) -> StoreResult<PartnerRequest> {
        let service = self.0;
        let now = service.now();
        let request = service
            .write(async move |conn| {
                check_answer(actor, requests::find(conn, request_id).await?.map(|r| r.as_of(now)).as_ref())?;
                let request = close(conn, request_id, answer.resulting_status(), now).await?;
                if answer == Answer::Reject {
                    let events = vec![answered(&request, request.sender_id)];
                    return Ok((request, events));
                }
                if !partnerships::insert(conn, request.sender_id, request.recipient_id, now).await? {
                    return Err(RuleError::AlreadyPartners.into());
                }
                let recipient = users::find(conn, actor).await?.ok_or(RuleError::UserNotFound)?;
                let kind = NotificationKind::RequestAccepted;
                let text = kind.text(recipient.name.as_str());
                let notification_id =
                    notifications::insert(conn, request.sender_id, kind, &text, request.id, now).await?;
                let events = vec![
                    answered(&request, request.sender_id),
                    (request.sender_id, UserEventKind::Notification { notification_id, kind }),
                ];
                Ok((request, events))
            })
            .await?;
        let event = match answer {
            Answer::Accept => {
                service.wake_outbox();
                "accepted"
            }
            Answer::Reject => "rejected",
        };
        metrics::counter!("dealnest_partner_requests_total", "event" => event).increment(1);
        Ok(request)
    }

    /// Withdraws a pending request; only its sender may.
    pub async fn withdraw(self, actor: UserId, request_id: RequestId) -> StoreResult<PartnerRequest> {
        let now = self.0.now();
        let request = self
            .0
            .write(async move |conn| {
                check_cancel(actor, requests::find(conn, request_id).await?.map(|r| r.as_of(now)).as_ref())?;
                let request = close(conn, request_id, RequestStatus::Cancelled, now).await?;
                let events = vec![answered(&request, request.recipient_id)];
                Ok((request, events))
            })
            .await?;
        metrics::counter!("dealnest_partner_requests_total", "event" => "cancelled").increment(1);
        Ok(request)
    }

    /// Does `action` to each of `ids` as `actor`, one after the other, each by the very use case
    /// of its single action (the same checks, errors, transaction and notification), so one
    /// failing id neither stops nor undoes the others. Never fails as a whole.
    pub async fn bulk(self, actor: UserId, action: BulkAction, ids: &BulkIds) -> Vec<BulkOutcome> {
        let mut outcomes = Vec::with_capacity(ids.iter().count());
        for (raw_id, parsed) in ids.parsed() {
            let result = match parsed {
                Err(rule) => Err(rule.into()),
                Ok(id) => match action {
                    BulkAction::Accept => self.answer(actor, id, Answer::Accept).await,
                    BulkAction::Reject => self.answer(actor, id, Answer::Reject).await,
                    BulkAction::Cancel => self.withdraw(actor, id).await,
                },
            };
            outcomes.push(BulkOutcome { raw_id, result });
        }
        outcomes
    }

    /// A request as it stands now (past its time it reads `expired`, swept or not), as seen by
    /// one of its two parties; anyone else is `Forbidden`.
    pub async fn get(self, actor: UserId, request_id: RequestId) -> StoreResult<PartnerRequest> {
        let now = self.0.now();
        let found = self.0.0.db.read(async move |conn| Ok(requests::find(conn, request_id).await?)).await?;
        let request = found.map(|r| r.as_of(now)).ok_or(RuleError::RequestNotFound)?;
        check_party(actor, &request)?;
        Ok(request)
    }

    /// Pending requests sent to `user`, newest first.
    pub async fn received(self, user: UserId, page: PageRequest) -> StoreResult<CountedPage<PartnerRequest>> {
        self.pending(user, page, Side::Received).await
    }

    /// Pending requests `user` sent, newest first.
    pub async fn sent(self, user: UserId, page: PageRequest) -> StoreResult<CountedPage<PartnerRequest>> {
        self.pending(user, page, Side::Sent).await
    }

    async fn pending(self, user: UserId, page: PageRequest, side: Side) -> StoreResult<CountedPage<PartnerRequest>> {
        let now = self.0.now();
        self.0.0.db.read(async move |conn| Ok(request_lists::pending_page(conn, user, page, side, now).await?)).await
    }
}

/// Where `other` stands with `viewer`, as a send decides it: looking further for a shared
/// partner than the pages do (`PartnerScan::FOR_SEND`).
async fn standing(
    conn: &mut Conn<'_>,
    viewer: UserId,
    other: UserId,
    lifecycle: Lifecycle,
    now: Timestamp,
) -> StoreResult<Standing> {
    Ok(standings(conn, viewer, &[other], lifecycle, now, PartnerScan::FOR_SEND).await?[0])
}

/// Closes a request pending now as `status` (a compare-and-set: of two concurrent answers, or an
/// answer and the expiry, the other is told it is no longer pending).
async fn close(
    conn: &mut Conn<'_>,
    request_id: RequestId,
    status: RequestStatus,
    now: Timestamp,
) -> StoreResult<PartnerRequest> {
    Ok(requests::close(conn, request_id, status, now).await?.ok_or(RuleError::NotPending)?)
}

/// The event telling `other` (the party who did not act) that `request` left `pending`.
fn answered(request: &PartnerRequest, other: UserId) -> (UserId, UserEventKind) {
    (other, UserEventKind::RequestAnswered { request_id: request.id, status: request.status })
}
