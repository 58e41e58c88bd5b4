//! The statements of the request lifecycle's background work: marking requests past their time
//! `expired` (the reads already treat them so; this makes the rows say it and frees the pair's
//! pending slot), and claiming the requests whose recipients are to be reminded.
//!
//! Both take a bounded batch of the due rows, oldest expiry first, through partial indexes that
//! hold only what can still be due, so a round with nothing due is two index lookups. Each batch
//! is a compare-and-set: on PostgreSQL rows another instance is working on are skipped (`for
//! update skip locked`), and a row once marked is never taken again, so every reminder is
//! written once across restarts and instances (in the same transaction as its claim).

use super::db::{Conn, DbResult, params};
use super::expiry::{expiring_after, overdue};
use crate::domain::{Id, RequestId, Timestamp, UserId};

/// A request the reminder claimed.
pub(crate) struct Claimed {
    pub id: RequestId,
    pub sender: UserId,
    pub recipient: UserId,
    pub expires_at: Timestamp,
}

/// Marks up to `batch` pending requests past their time at `now` `expired` (expired at their
/// `expires_at`); returns each one's id, sender and recipient.
pub(crate) async fn expire_due(
    conn: &mut Conn<'_>,
    now: Timestamp,
    batch: i64,
) -> DbResult<Vec<(RequestId, UserId, UserId)>> {
    let sql = if conn.is_postgres() { EXPIRE_DUE_POSTGRES } else { EXPIRE_DUE };
    conn.fetch_all(sql, params![now.millis(), batch], &|row| {
        Ok((Id::new(row.int("request_id")?), Id::new(row.int("sender_id")?), Id::new(row.int("recipient_id")?)))
    })
    .await
}

/// Claims up to `batch` pending requests whose expiry falls between `now` and `until` and whose
/// recipient was not reminded yet.
pub(crate) async fn claim_reminders(
    conn: &mut Conn<'_>,
    now: Timestamp,
    until: Timestamp,
    batch: i64,
) -> DbResult<Vec<Claimed>> {
    let sql = if conn.is_postgres() { REMIND_DUE_POSTGRES } else { REMIND_DUE };
    conn.fetch_all(sql, params![now.millis(), until.millis(), batch], &|row| {
        Ok(Claimed {
            id: Id::new(row.int("request_id")?),
            sender: Id::new(row.int("sender_id")?),
            recipient: Id::new(row.int("recipient_id")?),
            expires_at: Timestamp::from_millis(row.int("expires_at")?),
        })
    })
    .await
}

/// `$1` now, `$2` the batch: the due rows by `partner_requests_to_expire`, oldest first.
macro_rules! expire_due {
    ($lock:literal) => {
        concat!(
            "update partner_requests set status = 'expired', responded_at = expires_at \
             where request_id in (select request_id from partner_requests where ",
            overdue!("", "$1"),
            " order by expires_at limit $2",
            $lock,
            ") and ",
            overdue!("", "$1"),
            " returning request_id, sender_id, recipient_id"
        )
    };
}

const EXPIRE_DUE: &str = expire_due!("");
const EXPIRE_DUE_POSTGRES: &str = expire_due!(" for update skip locked");

/// `$1` now, `$2` now plus the reminder's lead, `$3` the batch: the rows not yet reminded whose
/// expiry falls in the window, by `partner_requests_to_remind`.
macro_rules! remind_due {
    ($lock:literal) => {
        concat!(
            "update partner_requests set reminded_at = $1 \
             where request_id in (select request_id from partner_requests where ",
            expiring_after!("", "$1"),
            " and reminded_at is null and expires_at <= $2 order by expires_at limit $3",
            $lock,
            ") and ",
            expiring_after!("", "$1"),
            " and reminded_at is null returning request_id, sender_id, recipient_id, expires_at"
        )
    };
}

const REMIND_DUE: &str = remind_due!("");
const REMIND_DUE_POSTGRES: &str = remind_due!(" for update skip locked");
