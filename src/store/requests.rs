//! Partner requests: sending, answering, withdrawing and the two lists.

use super::candidates::standing_in;
use super::db::{Conn, DbResult, params};
use super::records::{self, pending_request_columns, request_columns};
use super::{Store, StoreResult, UserEventKind};
use crate::domain::{
    Answer, Id, InCommon, NEW_ACCOUNT_AGE_MS, NotificationId, NotificationKind, PageRequest, Paged, PartnerRequest,
    RequestId, RequestMessage, RequestStatus, RequestWithUser, RuleError, SendQuotas, Timestamp, User, UserId,
    check_answer, check_cancel, check_quota, check_send_to, ordered_pair,
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
        let quotas = self.quotas;
        let sent = self
            .db
            .write(async move |conn| {
                let now = Timestamp::now();
                let sender_user = user_in(conn, sender).await?.ok_or(RuleError::UserNotFound)?;
                check_send_to(sender, recipient, user_in(conn, recipient).await?.is_some())?;
                standing_in(conn, sender, recipient).await?.check_send()?;
                check_send_quota(conn, quotas, &sender_user, now).await?;
                let (low, high) = ordered_pair(sender, recipient);
                let inserted = conn
                    .fetch_one(
                        INSERT_REQUEST,
                        params![
                            sender.get(),
                            recipient.get(),
                            low.get(),
                            high.get(),
                            message.as_ref().map(RequestMessage::as_str),
                            now.millis()
                        ],
                        &records::request,
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
                let standing = self.db.read(async move |conn| Ok(standing_in(conn, sender, recipient).await?)).await?;
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
        let (request, events) = self
            .db
            .write(async move |conn| {
                let now = Timestamp::now();
                check_answer(actor, find_request(conn, request_id).await?.as_ref())?;
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
        let (request, events) = self
            .db
            .write(async move |conn| {
                check_cancel(actor, find_request(conn, request_id).await?.as_ref())?;
                let request = close_request(conn, request_id, RequestStatus::Cancelled, Timestamp::now()).await?;
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
        if actor != request.sender_id && actor != request.recipient_id {
            return Err(RuleError::Forbidden.into());
        }
        Ok(request)
    }

    pub async fn request(&self, request_id: RequestId) -> StoreResult<Option<PartnerRequest>> {
        self.db.read(async move |conn| Ok(find_request(conn, request_id).await?)).await
    }

    /// Pending requests sent to `user`, newest first (the requests alone, as the API lists them).
    pub async fn received_requests(&self, user: UserId, page: PageRequest) -> StoreResult<Paged<PartnerRequest>> {
        self.db.read(async move |conn| pending_list(conn, user, page, Side::Received).await).await
    }

    /// Pending requests `user` sent, newest first.
    pub async fn sent_requests(&self, user: UserId, page: PageRequest) -> StoreResult<Paged<PartnerRequest>> {
        self.db.read(async move |conn| pending_list(conn, user, page, Side::Sent).await).await
    }

    /// Pending requests on one `side` of `user`, newest first, each with the user on the other
    /// side (the dashboard's lists).
    pub(super) async fn pending_with_users(
        &self,
        conn: &mut Conn<'_>,
        user: UserId,
        page: PageRequest,
        side: Side,
    ) -> StoreResult<Paged<RequestWithUser>> {
        let requests = pending_list(conn, user, page, side).await?;
        let join = |request, other| RequestWithUser { request, other, in_common: InCommon::default() };
        let other = move |r: &PartnerRequest| match side {
            Side::Received => r.sender_id,
            Side::Sent => r.recipient_id,
        };
        let mut rows = self.users.attach(conn, requests, other, join).await?;
        // Whom to accept is the question partners in common help with; sent rows go without.
        if side == Side::Received {
            let senders: Vec<UserId> = rows.items.iter().map(|row| row.other.id).collect();
            let found = self.in_common_in(conn, user, &senders).await?;
            rows.items.iter_mut().zip(found).for_each(|(row, in_common)| row.in_common = in_common);
        }
        Ok(rows)
    }
}

/// Counts the sender's requests of the last 24 hours inside the write transaction, so the quotas
/// hold across instances and concurrent sends. The count reads the sender's index range of the
/// last day, which the quota itself keeps short.
async fn check_send_quota(conn: &mut Conn<'_>, quotas: SendQuotas, sender: &User, now: Timestamp) -> StoreResult<()> {
    if quotas.daily == 0 && quotas.new_account == 0 {
        return Ok(());
    }
    let sent = conn
        .fetch_one(
            "select count(*) as sent from partner_requests where sender_id = $1 and created_at > $2",
            params![sender.id.get(), now.minus_millis(NEW_ACCOUNT_AGE_MS).millis()],
            &|row| row.int("sent"),
        )
        .await?;
    Ok(check_quota(quotas, sent, now.millis() - sender.created_at.millis())?)
}

/// The received or the sent side of a user's pending requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Received,
    Sent,
}

/// One statement: the page, and the total as an uncorrelated scalar subquery that the database
/// evaluates once (a primary-key read of `user_counts`). Only a page past the end, which has no
/// row to carry the total, costs a second query.
async fn pending_list(
    conn: &mut Conn<'_>,
    user: UserId,
    page: PageRequest,
    side: Side,
) -> StoreResult<Paged<PartnerRequest>> {
    let (sql, count) = match side {
        Side::Received => (PENDING_RECEIVED, PENDING_RECEIVED_COUNT),
        Side::Sent => (PENDING_SENT, PENDING_SENT_COUNT),
    };
    let rows = conn
        .fetch_all(sql, params![user.get(), page.limit(), page.offset()], &|row| {
            Ok((records::pending_request(row)?, row.int("total")?))
        })
        .await?;
    let total = match records::total_of(&rows, page) {
        Some(total) => total,
        None => conn.fetch_one(count, params![user.get()], &|row| row.int("total")).await?,
    };
    Ok(records::paged(rows, page, total))
}

/// The event telling `other` (the party who did not act) that `request` left `pending`.
fn answered(request: &PartnerRequest, other: UserId) -> (UserId, UserEventKind) {
    (other, UserEventKind::RequestAnswered { request_id: request.id, status: request.status })
}

/// A page of pending requests on one side (`$1` the user, `$2` limit, `$3` offset), newest
/// first, with the side's total: one index range scan of `partner_requests_by_recipient` (or
/// `_by_sender`) in index order, and the total from `user_counts` (kept by triggers; counting the
/// range would cost time in proportion to the user's requests).
macro_rules! pending_page {
    ($mine:literal, $total:literal) => {
        concat!(
            "select ",
            pending_request_columns!(),
            ", (select ",
            $total,
            " from user_counts where user_id = $1) as total from partner_requests where ",
            $mine,
            " = $1 and status = 'pending' order by created_at desc, request_id desc limit $2 offset $3"
        )
    };
}

const PENDING_RECEIVED: &str = pending_page!("recipient_id", "pending_received");
const PENDING_SENT: &str = pending_page!("sender_id", "pending_sent");
const PENDING_RECEIVED_COUNT: &str = "select pending_received as total from user_counts where user_id = $1";
const PENDING_SENT_COUNT: &str = "select pending_sent as total from user_counts where user_id = $1";

const SELECT_REQUEST: &str = concat!("select ", request_columns!(), " from partner_requests where request_id = $1");

const INSERT_REQUEST: &str = concat!(
    "insert into partner_requests \
       (sender_id, recipient_id, user_low, user_high, status, message, created_at) \
     values ($1, $2, $3, $4, 'pending', $5, $6) returning ",
    request_columns!()
);

/// Moves a pending request to `status`: a compare-and-set, so of two concurrent answers (or an
/// answer and a withdrawal) exactly one changes the row; the other is told it is no longer
/// pending.
async fn close_request(
    conn: &mut Conn<'_>,
    request_id: RequestId,
    status: RequestStatus,
    now: Timestamp,
) -> StoreResult<PartnerRequest> {
    let closed =
        conn.fetch_optional(CLOSE, params![status.as_str(), now.millis(), request_id.get()], &records::request).await?;
    Ok(closed.ok_or(RuleError::NotPending)?)
}

const CLOSE: &str = concat!(
    "update partner_requests set status = $1, responded_at = $2 where request_id = $3 and status = 'pending' \
     returning ",
    request_columns!()
);

async fn find_request(conn: &mut Conn<'_>, request_id: RequestId) -> DbResult<Option<PartnerRequest>> {
    conn.fetch_optional(SELECT_REQUEST, params![request_id.get()], &records::request).await
}

pub(super) const SELECT_USER: &str = "select user_id, email, name, created_at from users where user_id = $1";

pub(super) async fn user_in(conn: &mut Conn<'_>, id: UserId) -> DbResult<Option<User>> {
    conn.fetch_optional(SELECT_USER, params![id.get()], &records::user).await
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
