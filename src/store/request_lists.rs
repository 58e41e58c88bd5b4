//! The received and sent lists of pending requests. A request past its time is left out (and
//! out of the total) from its expiry on, whether or not the sweep has marked its row yet.

use super::db::{Conn, DbResult, params};
use super::expiry::{expiring_after, overdue, pending_at};
use super::rows::{self, pending_request_columns};
use crate::domain::{CountedPage, PageRequest, PartnerRequest, Timestamp, UserId};

/// The received or the sent side of a user's pending requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Received,
    Sent,
}

/// When the first of `user`'s pending requests (either side) still running at `now` expires:
/// until then, lists read now stay right as far as time goes.
pub(crate) async fn next_expiry(conn: &mut Conn<'_>, user: UserId, now: Timestamp) -> DbResult<Option<Timestamp>> {
    let next = conn.fetch_one(NEXT_EXPIRY, params![user.get(), now.millis()], &|row| row.opt_int("next")).await?;
    Ok(next.map(Timestamp::from_millis))
}

/// Two index lookups (`partner_requests_pending_expiry_by_*`), the first entry after `$2` each.
const NEXT_EXPIRY: &str = concat!(
    "select min(next) as next from ( \
       select min(expires_at) as next from partner_requests where recipient_id = $1 and ",
    expiring_after!("", "$2"),
    " union all select min(expires_at) as next from partner_requests where sender_id = $1 and ",
    expiring_after!("", "$2"),
    ") both_sides"
);

/// Pending requests on one `side` of `user` at `now`, newest first. One statement: the page,
/// and the total as uncorrelated scalar subqueries that the database evaluates once (a
/// primary-key read of `user_counts`, less the requests past their time that the sweep has not
/// marked yet). Only a page past the end, which has no row to carry the total, costs a second
/// query.
pub(crate) async fn pending_page(
    conn: &mut Conn<'_>,
    user: UserId,
    page: PageRequest,
    side: Side,
    now: Timestamp,
) -> DbResult<CountedPage<PartnerRequest>> {
    let (sql, count) = match side {
        Side::Received => (PENDING_RECEIVED, PENDING_RECEIVED_COUNT),
        Side::Sent => (PENDING_SENT, PENDING_SENT_COUNT),
    };
    let rows = conn
        .fetch_all(sql, params![user.get(), page.limit(), page.offset(), now.millis()], &|row| {
            Ok((rows::pending_request(row)?, row.int("total")?))
        })
        .await?;
    let total = match rows::total_of(&rows, page) {
        Some(total) => total,
        None => conn.fetch_one(count, params![user.get(), now.millis()], &|row| row.int("total")).await?,
    };
    Ok(rows::paged(rows, page, total))
}

/// The side's total at `$4` (or `$2` alone): the count kept by triggers less the overdue
/// requests, which `partner_requests_pending_expiry_by_*` finds without reading the others.
macro_rules! pending_total {
    ($mine:literal, $total:literal, $now:literal) => {
        concat!(
            "(select ",
            $total,
            " from user_counts where user_id = $1) - (select count(*) from partner_requests where ",
            $mine,
            " = $1 and ",
            overdue!("", $now),
            ")"
        )
    };
}

/// A page of pending requests on one side (`$1` the user, `$2` limit, `$3` offset, `$4` now),
/// newest first, with the side's total: one index range scan of `partner_requests_by_recipient`
/// (or `_by_sender`) in index order, skipping those past their time.
macro_rules! pending_page {
    ($mine:literal, $total:literal) => {
        concat!(
            "select ",
            pending_request_columns!(),
            ", ",
            pending_total!($mine, $total, "$4"),
            " as total from partner_requests where ",
            $mine,
            " = $1 and ",
            pending_at!("", "$4"),
            " order by created_at desc, request_id desc limit $2 offset $3"
        )
    };
}

const PENDING_RECEIVED: &str = pending_page!("recipient_id", "pending_received");
const PENDING_SENT: &str = pending_page!("sender_id", "pending_sent");
const PENDING_RECEIVED_COUNT: &str =
    concat!("select ", pending_total!("recipient_id", "pending_received", "$2"), " as total");
const PENDING_SENT_COUNT: &str = concat!("select ", pending_total!("sender_id", "pending_sent", "$2"), " as total");
