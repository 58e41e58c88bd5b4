//! Partner requests: sending, answering, withdrawing and the two lists.

use super::candidates::standing_in;
use super::db::{Conn, DbResult, params};
use super::expiry::{overdue, pending_at};
use super::rows::{self, request_columns};
use super::users::user_in;
use super::{Store, StoreResult, UserEventKind};
use crate::domain::{
    Answer, Id, NotificationId, NotificationKind, PartnerRequest, RequestId, RequestMessage, RequestStatus, RuleError,
    SendQuotas, Timestamp, User, UserId, check_answer, check_cancel, check_party, check_quota, check_send_to,
    ordered_pair,
};

/// What a send's transaction ended with.
enum Sent {
    Done(PartnerRequest, Vec<(UserId, UserEventKind)>),
    /// A concurrent send for the same pair committed first.
    Raced,
}

impl Store {
    /// Sends a partner request from `sender` to `recipient` and notifies the recipient, in one
    /// transaction.
    pub async fn send_request(
        &self,
        sender: UserId,
        recipient: UserId,
        message: Option<&RequestMessage>,
    ) -> StoreResult<PartnerRequest> {
        let message = message.cloned();
        let (quotas, lifecycle, now) = (self.quotas, self.lifecycle, self.now());
        let sent = self
            .db
            .write(async move |conn| {
                let sender_user = user_in(conn, sender).await?.ok_or(RuleError::UserNotFound)?;
                check_send_to(sender, recipient, user_in(conn, recipient).await?.is_some())?;
                // The recipient's setting is read here, in the send's own transaction.
                standing_in(conn, sender, recipient, lifecycle, now).await?.check_send()?;
                check_send_quota(conn, quotas, &sender_user, now).await?;
                let (low, high) = ordered_pair(sender, recipient);
                // A request of the pair past its time still holds the pair's pending slot in the
                // unique index until the sweep marks it: mark it here first, so the pair may send
                // again at once (of two such sends, the second waits for the first's row lock and
                // then meets the first's new request in the index).
                conn.execute(EXPIRE_PAIR, params![low.get(), high.get(), now.millis()]).await?;
                let inserted = conn
                    .fetch_one(
                        INSERT_REQUEST,
                        params![
                            sender.get(),
                            recipient.get(),
                            low.get(),
                            high.get(),
                            message.as_ref().map(RequestMessage::as_str),
                            now.millis(),
                            lifecycle.expires_at(now).map(Timestamp::millis)
                        ],
                        &rows::request,
                    )
                    .await;
                let request = match inserted {
                    Ok(request) => request,
                    Err(e) if e.is_unique_violation() => return Ok(Sent::Raced),
                    Err(e) => return Err(e.into()),
                };
                let kind = NotificationKind::RequestReceived;
                let text = kind.text(sender_user.name.as_str());
                let notification_id = insert_notification(conn, recipient, kind, &text, request.id, now).await?;
                let events = vec![
                    (recipient, UserEventKind::RequestReceived { request_id: request.id, sender_id: sender }),
                    (recipient, UserEventKind::Notification { notification_id, kind }),
                ];
                super::event_relay::announce(conn, &events).await?;
                Ok(Sent::Done(request, events))
            })
            .await?;
        let request = match sent {
            Sent::Done(request, events) => {
                self.committed(events);
                request
            }
            Sent::Raced => {
                // A concurrent send for the same pair committed first: say which way it went.
                let standing = self
                    .db
                    .read(async move |conn| Ok(standing_in(conn, sender, recipient, lifecycle, now).await?))
                    .await?;
                standing.check_send()?;
                return Err(RuleError::DuplicateRequest.into());
            }
        };
        self.wake_outbox();
        metrics::counter!("dealnest_partner_requests_total", "event" => "sent").increment(1);
        Ok(request)
    }

    /// Accepts or rejects a pending request; only its recipient may. Accepting creates the
    /// partnership and notifies the sender in the same transaction.
    pub async fn respond(&self, actor: UserId, request_id: RequestId, answer: Answer) -> StoreResult<PartnerRequest> {
        let now = self.now();
        let (request, events) = self
            .db
            .write(async move |conn| {
                check_answer(actor, find_request(conn, request_id).await?.map(|r| r.as_of(now)).as_ref())?;
                let request = close_request(conn, request_id, answer.resulting_status(), now).await?;
                if answer == Answer::Reject {
                    let events = vec![answered(&request, request.sender_id)];
                    super::event_relay::announce(conn, &events).await?;
                    return Ok((request, events));
                }
                let (low, high) = ordered_pair(request.sender_id, request.recipient_id);
                let inserted = conn
                    .execute(
                        "insert into partnerships (user_a_id, user_b_id, created_at) values ($1, $2, $3)",
                        params![low.get(), high.get(), now.millis()],
                    )
                    .await;
                match inserted {
                    Ok(_) => {}
                    Err(e) if e.is_unique_violation() => return Err(RuleError::AlreadyPartners.into()),
                    Err(e) => return Err(e.into()),
                }
                let recipient = user_in(conn, actor).await?.ok_or(RuleError::UserNotFound)?;
                let kind = NotificationKind::RequestAccepted;
                let text = kind.text(recipient.name.as_str());
                let notification_id =
                    insert_notification(conn, request.sender_id, kind, &text, request.id, now).await?;
                let events = vec![
                    answered(&request, request.sender_id),
                    (request.sender_id, UserEventKind::Notification { notification_id, kind }),
                ];
                super::event_relay::announce(conn, &events).await?;
                Ok((request, events))
            })
            .await?;
        self.committed(events);
        let event = match answer {
            Answer::Accept => {
                self.wake_outbox();
                "accepted"
            }
            Answer::Reject => "rejected",
        };
        metrics::counter!("dealnest_partner_requests_total", "event" => event).increment(1);
        Ok(request)
    }

    /// Withdraws a pending request; only its sender may.
    pub async fn cancel_request(&self, actor: UserId, request_id: RequestId) -> StoreResult<PartnerRequest> {
        let now = self.now();
        let (request, events) = self
            .db
            .write(async move |conn| {
                check_cancel(actor, find_request(conn, request_id).await?.map(|r| r.as_of(now)).as_ref())?;
                let request = close_request(conn, request_id, RequestStatus::Cancelled, now).await?;
                let events = vec![answered(&request, request.recipient_id)];
                super::event_relay::announce(conn, &events).await?;
                Ok((request, events))
            })
            .await?;
        self.committed(events);
        metrics::counter!("dealnest_partner_requests_total", "event" => "cancelled").increment(1);
        Ok(request)
    }

    /// A request as seen by one of its two parties; anyone else is `Forbidden`.
    pub async fn request_for(&self, actor: UserId, request_id: RequestId) -> StoreResult<PartnerRequest> {
        let request = self.request(request_id).await?.ok_or(RuleError::RequestNotFound)?;
        check_party(actor, &request)?;
        Ok(request)
    }

    /// A request as it stands now (past its time it reads `expired`, swept or not).
    pub async fn request(&self, request_id: RequestId) -> StoreResult<Option<PartnerRequest>> {
        let now = self.now();
        self.db.read(async move |conn| Ok(find_request(conn, request_id).await?.map(|r| r.as_of(now)))).await
    }
}

/// Counts the sender's requests of the quota window inside the write transaction, so the quotas
/// hold across instances and concurrent sends. The count reads the sender's index range of the
/// window, which the quota itself keeps short.
async fn check_send_quota(conn: &mut Conn<'_>, quotas: SendQuotas, sender: &User, now: Timestamp) -> StoreResult<()> {
    if !quotas.apply() {
        return Ok(());
    }
    let sent = conn
        .fetch_one(
            "select count(*) as sent from partner_requests where sender_id = $1 and created_at > $2",
            params![sender.id.get(), SendQuotas::window_start(now).millis()],
            &|row| row.int("sent"),
        )
        .await?;
    Ok(check_quota(quotas, sent, now.millis() - sender.created_at.millis())?)
}

/// The event telling `other` (the party who did not act) that `request` left `pending`.
fn answered(request: &PartnerRequest, other: UserId) -> (UserId, UserEventKind) {
    (other, UserEventKind::RequestAnswered { request_id: request.id, status: request.status })
}

const SELECT_REQUEST: &str = concat!("select ", request_columns!(), " from partner_requests where request_id = $1");

const INSERT_REQUEST: &str = concat!(
    "insert into partner_requests \
       (sender_id, recipient_id, user_low, user_high, status, message, created_at, expires_at) \
     values ($1, $2, $3, $4, 'pending', $5, $6, $7) returning ",
    request_columns!()
);

/// Marks the pair's (`$1`, `$2`) pending request expired if it is past its time at `$3`.
const EXPIRE_PAIR: &str = concat!(
    "update partner_requests set status = 'expired', responded_at = expires_at \
     where user_low = $1 and user_high = $2 and ",
    overdue!("", "$3")
);

/// Moves a pending request to `status`: a compare-and-set, so of two concurrent answers (or an
/// answer and a withdrawal, or the expiry) exactly one changes the row; the other is told it is
/// no longer pending. A rejection or a withdrawal starts a cooldown for its sender.
async fn close_request(
    conn: &mut Conn<'_>,
    request_id: RequestId,
    status: RequestStatus,
    now: Timestamp,
) -> StoreResult<PartnerRequest> {
    let cooldown = i64::from(status.starts_cooldown());
    let closed = conn
        .fetch_optional(CLOSE, params![status.as_str(), now.millis(), request_id.get(), cooldown], &rows::request)
        .await?;
    Ok(closed.ok_or(RuleError::NotPending)?)
}

const CLOSE: &str = concat!(
    "update partner_requests set status = $1, responded_at = $2, starts_cooldown = $4 where request_id = $3 and ",
    pending_at!("", "$2"),
    " returning ",
    request_columns!()
);

async fn find_request(conn: &mut Conn<'_>, request_id: RequestId) -> DbResult<Option<PartnerRequest>> {
    conn.fetch_optional(SELECT_REQUEST, params![request_id.get()], &rows::request).await
}

pub(super) async fn insert_notification(
    conn: &mut Conn<'_>,
    user: UserId,
    kind: NotificationKind,
    text: &str,
    request_id: RequestId,
    now: Timestamp,
) -> DbResult<NotificationId> {
    let id = conn
        .fetch_one(
            "insert into notifications (user_id, kind, text, request_id, created_at, next_attempt_at) \
             values ($1, $2, $3, $4, $5, $5) returning notification_id",
            params![user.get(), kind.as_str(), text, request_id.get(), now.millis()],
            &|row| row.int("notification_id"),
        )
        .await?;
    Ok(Id::new(id))
}
