//! The delivery outbox: the `notifications` rows not yet delivered, claimed one at a time.
//!
//! Delivery claims a row by moving its `next_attempt_at` forward with a compare-and-set, so
//! several workers (in one process or across instances) never deliver the same row at once,
//! and a worker that dies mid-delivery leaves the row to be retried when its lease runs out.

use super::db::{Conn, DbResult, params};
use super::rows;
use crate::domain::{Email, Id, Notification, NotificationId, Timestamp, UserId, UserName};

/// A notification that was due when the worker looked; a claim takes it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    id: NotificationId,
    /// What `next_attempt_at` was when read: the compare-and-set's expected value.
    seen_next_attempt: i64,
}

impl DueDelivery {
    pub fn id(&self) -> NotificationId {
        self.id
    }
}

/// A notification claimed for delivery, with where to send it.
#[derive(Debug, Clone)]
pub struct PendingDelivery {
    pub notification: Notification,
    pub email: Email,
    pub name: UserName,
    /// Attempts including this one.
    pub attempt: u32,
}

/// Why a claimed notification is closed without a mail of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// The recipient turned this kind of mail off.
    Off,
    /// The next daily digest takes it.
    Digest,
}

/// The delivery backlog is counted up to this many.
pub const BACKLOG_COUNTED_UP_TO: i64 = 10_000;

/// Up to `limit` notifications due for delivery at `now`, oldest due first.
pub(crate) async fn due(conn: &mut Conn<'_>, now: Timestamp, limit: i64) -> DbResult<Vec<DueDelivery>> {
    conn.fetch_all(
        "select notification_id, next_attempt_at from notifications \
         where delivered_at is null and failed_at is null and next_attempt_at <= $1 \
         order by next_attempt_at, notification_id limit $2",
        params![now.millis(), limit],
        &|row| {
            Ok(DueDelivery { id: Id::new(row.int("notification_id")?), seen_next_attempt: row.int("next_attempt_at")? })
        },
    )
    .await
}

/// Claims `due` until `lease_until`: a compare-and-set on `next_attempt_at`, so of two workers
/// exactly one wins. Returns the winner's count of attempts (this one included).
pub(crate) async fn claim(conn: &mut Conn<'_>, due: &DueDelivery, lease_until: i64) -> DbResult<Option<i64>> {
    conn.fetch_optional(
        "update notifications set next_attempt_at = $1, attempts = attempts + 1 \
         where notification_id = $2 and next_attempt_at = $3 and delivered_at is null and failed_at is null \
         returning attempts",
        params![lease_until, due.id.get(), due.seen_next_attempt],
        &|row| row.int("attempts"),
    )
    .await
}

/// The claimed notification `id` with its recipient's address, and whether it was let through
/// the hourly cap before (a retry).
pub(crate) async fn delivery(
    conn: &mut Conn<'_>,
    id: NotificationId,
    attempt: i64,
) -> DbResult<(PendingDelivery, bool)> {
    conn.fetch_one(
        "select n.notification_id, n.user_id, n.kind, n.text, n.request_id, n.created_at, n.read_at, \
                n.mailed_at, u.email, u.name \
         from notifications n join users u on u.user_id = n.user_id where n.notification_id = $1",
        params![id.get()],
        &|row| {
            let delivery = PendingDelivery {
                notification: rows::notification(row)?,
                email: Email::from_trusted(row.text("email")?),
                name: UserName::from_trusted(row.text("name")?),
                attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
            };
            Ok((delivery, row.opt_int("mailed_at")?.is_some()))
        },
    )
    .await
}

/// Closes `id`'s delivery without a mail of its own, saying why.
pub(crate) async fn settle(conn: &mut Conn<'_>, id: NotificationId, why: Settled, now: Timestamp) -> DbResult<()> {
    let mail = match why {
        Settled::Off => "off",
        Settled::Digest => "digest",
    };
    conn.execute(
        "update notifications set mail = $1, delivered_at = $2, last_error = null where notification_id = $3",
        params![mail, now.millis(), id.get()],
    )
    .await?;
    Ok(())
}

/// Records that `id` was let through the hourly cap at `now`.
pub(crate) async fn mark_mailed(conn: &mut Conn<'_>, id: NotificationId, now: Timestamp) -> DbResult<()> {
    conn.execute("update notifications set mailed_at = $1 where notification_id = $2", params![now.millis(), id.get()])
        .await?;
    Ok(())
}

/// How many immediate mails `user` was sent after `since`, counted up to `cap` (from the index
/// alone). On PostgreSQL the user's row is locked first, so that concurrent claims for one
/// recipient count one after the other; `no key update`, which foreign-key checks do not wait
/// for, so that a transaction writing rows that refer to the user (a reminder's counts) is never
/// stuck behind the claim while the claim waits for it.
pub(crate) async fn mailed_since(conn: &mut Conn<'_>, user: UserId, since: Timestamp, cap: u32) -> DbResult<i64> {
    if conn.is_postgres() {
        conn.fetch_one("select user_id from users where user_id = $1 for no key update", params![user.get()], &|row| {
            row.int("user_id")
        })
        .await?;
    }
    let sql = "select count(*) as sent from (select 1 as one from notifications \
               where user_id = $1 and mailed_at > $2 limit $3) recent";
    conn.fetch_one(sql, params![user.get(), since.millis(), i64::from(cap)], &|row| row.int("sent")).await
}

pub(crate) async fn mark_delivered(conn: &mut Conn<'_>, id: NotificationId, now: Timestamp) -> DbResult<()> {
    conn.execute(
        "update notifications set delivered_at = $1, last_error = null, mail = 'sent' \
         where notification_id = $2 and delivered_at is null",
        params![now.millis(), id.get()],
    )
    .await?;
    Ok(())
}

/// Records a failed attempt: retry at `retry_at`, or give up (`None`) and keep the row as failed.
/// A row another worker delivered meanwhile (after this one's lease ran out) stays delivered.
pub(crate) async fn mark_failed(
    conn: &mut Conn<'_>,
    id: NotificationId,
    error: &str,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> DbResult<()> {
    let failed_at = if retry_at.is_none() { Some(now.millis()) } else { None };
    conn.execute(
        "update notifications set last_error = $1, next_attempt_at = $2, failed_at = $3 \
         where notification_id = $4 and delivered_at is null",
        params![error, retry_at.unwrap_or(now).millis(), failed_at, id.get()],
    )
    .await?;
    Ok(())
}

/// When the next undelivered notification falls due, if any.
pub(crate) async fn next_due(conn: &mut Conn<'_>) -> DbResult<Option<Timestamp>> {
    let next = conn
        .fetch_one(
            "select min(next_attempt_at) as next from notifications where delivered_at is null and failed_at is null",
            &[],
            &|row| row.opt_int("next"),
        )
        .await?;
    Ok(next.map(Timestamp::from_millis))
}

/// How many notifications wait for delivery, counted up to [`BACKLOG_COUNTED_UP_TO`].
pub(crate) async fn backlog(conn: &mut Conn<'_>) -> DbResult<i64> {
    let sql = "select count(*) as backlog from (select notification_id from notifications \
               where delivered_at is null and failed_at is null limit $1) waiting";
    conn.fetch_one(sql, params![BACKLOG_COUNTED_UP_TO], &|row| row.int("backlog")).await
}

/// Puts every notification that delivery gave up on back in the queue at `now`, with a fresh
/// count of attempts. Returns how many.
pub(crate) async fn requeue_failed(conn: &mut Conn<'_>, now: Timestamp) -> DbResult<u64> {
    conn.execute(
        "update notifications set failed_at = null, attempts = 0, next_attempt_at = $1 \
         where failed_at is not null and delivered_at is null",
        params![now.millis()],
    )
    .await
}
