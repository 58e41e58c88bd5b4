//! `partner_requests`: one request by id, a new one, closing one, and the pair's pending one.
//! The pending lists are in `request_lists.rs`, the sweep's statements in `lifecycle.rs`.

use super::db::{Conn, DbResult, params};
use super::expiry::{expired_by, overdue, pending_at};
use super::rows::{self, request_columns};
use crate::domain::{PartnerRequest, RequestId, RequestStatus, Timestamp, UserId, ordered_pair};

const SELECT_REQUEST: &str = concat!("select ", request_columns!(), " from partner_requests where request_id = $1");

/// The request `id` as its row says (a pending one past its time still says `pending`: see
/// `PartnerRequest::as_of`).
pub(crate) async fn find(conn: &mut Conn<'_>, id: RequestId) -> DbResult<Option<PartnerRequest>> {
    conn.fetch_optional(SELECT_REQUEST, params![id.get()], &rows::request).await
}

const INSERT_REQUEST: &str = concat!(
    "insert into partner_requests \
       (sender_id, recipient_id, user_low, user_high, status, message, created_at, expires_at) \
     values ($1, $2, $3, $4, 'pending', $5, $6, $7) returning ",
    request_columns!()
);

/// Adds a pending request; `None` when the pair already has one (the unique index
/// `partner_requests_one_pending_per_pair` is the judge: a concurrent send committed first).
pub(crate) async fn insert_pending(
    conn: &mut Conn<'_>,
    sender: UserId,
    recipient: UserId,
    message: Option<&str>,
    now: Timestamp,
    expires_at: Option<Timestamp>,
) -> DbResult<Option<PartnerRequest>> {
    let (low, high) = ordered_pair(sender, recipient);
    let params = params![
        sender.get(),
        recipient.get(),
        low.get(),
        high.get(),
        message,
        now.millis(),
        expires_at.map(Timestamp::millis)
    ];
    match conn.fetch_one(INSERT_REQUEST, params, &rows::request).await {
        Ok(request) => Ok(Some(request)),
        Err(e) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Marks the pair's (`$1`, `$2`) pending request expired if it is past its time at `$3`.
const EXPIRE_PAIR: &str = concat!(
    "update partner_requests set status = 'expired', responded_at = expires_at \
     where user_low = $1 and user_high = $2 and ",
    overdue!("", "$3")
);

/// Marks the pair's pending request expired if it is past its time at `now`. Such a request
/// still holds the pair's pending slot in the unique index until the sweep marks it; a send
/// marks it first, so the pair may ask again at once (of two such sends, the second waits for
/// the first's row lock and then meets the first's new request in the index).
pub(crate) async fn expire_overdue_of_pair(conn: &mut Conn<'_>, a: UserId, b: UserId, now: Timestamp) -> DbResult<()> {
    let (low, high) = ordered_pair(a, b);
    conn.execute(EXPIRE_PAIR, params![low.get(), high.get(), now.millis()]).await?;
    Ok(())
}

const CLOSE: &str = concat!(
    "update partner_requests set status = $1, responded_at = $2, starts_cooldown = $4 where request_id = $3 and ",
    pending_at!("", "$2"),
    " returning ",
    request_columns!()
);

/// Moves a request pending at `now` to `status`: a compare-and-set, so of two concurrent answers
/// (or an answer and a withdrawal, or the expiry) exactly one changes the row; the other gets
/// `None`. The row records whether this ending starts a cooldown (`RequestStatus::starts_cooldown`).
pub(crate) async fn close(
    conn: &mut Conn<'_>,
    id: RequestId,
    status: RequestStatus,
    now: Timestamp,
) -> DbResult<Option<PartnerRequest>> {
    let cooldown = i64::from(status.starts_cooldown());
    conn.fetch_optional(CLOSE, params![status.as_str(), now.millis(), id.get(), cooldown], &rows::request).await
}

/// Closes the pair's (`$2`, `$3`) pending request at `$1`: rejected, or expired if it was already
/// past its time.
const CLOSE_PAIR: &str = concat!(
    "update partner_requests set status = case when ",
    expired_by!("", "$1"),
    " then 'expired' else 'rejected' end, responded_at = case when ",
    expired_by!("", "$1"),
    " then expires_at else $1 end where user_low = $2 and user_high = $3 and status = 'pending'"
);

/// Turns down the pair's pending request at `now` without starting a cooldown (a block does);
/// one already past its time had expired, and reads so.
pub(crate) async fn reject_pending_of_pair(conn: &mut Conn<'_>, a: UserId, b: UserId, now: Timestamp) -> DbResult<()> {
    let (low, high) = ordered_pair(a, b);
    conn.execute(CLOSE_PAIR, params![now.millis(), low.get(), high.get()]).await?;
    Ok(())
}

/// How many requests `sender` created after `since`: the sender's index range of that window
/// (`partner_requests_by_sender_time`), which the quotas themselves keep short.
pub(crate) async fn sent_since(conn: &mut Conn<'_>, sender: UserId, since: Timestamp) -> DbResult<i64> {
    conn.fetch_one(
        "select count(*) as sent from partner_requests where sender_id = $1 and created_at > $2",
        params![sender.get(), since.millis()],
        &|row| row.int("sent"),
    )
    .await
}
