//! Notifications: the in-app inbox and the delivery outbox (one table).
//!
//! Delivery claims a row by moving its `next_attempt_at` forward with a compare-and-set, so
//! several workers (in one process or several instances) never deliver the same row at once,
//! and a worker that dies mid-delivery leaves the row to be retried when its lease runs out.

use std::time::Duration;

use super::db::{Conn, params};
use super::rows;
use super::settings::settings_in;
use super::{Store, StoreResult};
use crate::domain::{
    Email, Id, MAIL_CAP_WINDOW_MS, MailWhen, Notification, NotificationId, PageRequest, Paged, Timestamp, UserId,
    UserName, mail_cap_reached,
};

/// A notification that was due when the worker looked; [`Store::claim_delivery`] takes it.
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

/// What delivery does with a notification it claimed, by the recipient's settings at that moment.
#[derive(Debug, Clone)]
pub enum Claim {
    /// Mail it now.
    Mail(PendingDelivery),
    /// The recipient turned this kind of mail off: nothing is sent (the inbox keeps it).
    Off,
    /// Held for the recipient's next daily digest: their choice, or (`capped`) they have had
    /// their share of immediate mails this hour.
    Held { capped: bool },
}

impl Store {
    /// The notifications of `user`, newest first, each read when marked so one by one (before
    /// the mark) or by the user's mark.
    pub async fn notifications(&self, user: UserId, page: PageRequest) -> StoreResult<Paged<Notification>> {
        self.db
            .read(async move |conn| {
                let rows = conn
                    .fetch_all(NOTIFICATIONS_PAGE, params![user.get(), page.limit(), page.offset()], &|row| {
                        Ok((rows::notification(row)?, row.int("total")?))
                    })
                    .await?;
                let total = match rows::total_of(&rows, page) {
                    Some(total) => total,
                    None => conn.fetch_one(NOTIFICATIONS_COUNT, params![user.get()], &|row| row.int("total")).await?,
                };
                Ok(rows::paged(rows, page, total))
            })
            .await
    }

    pub async fn unread_notifications(&self, user: UserId) -> StoreResult<i64> {
        self.db.read(async move |conn| unread_count(conn, user).await).await
    }

    /// Marks every notification of `user` read: one row's update, however many there are (the
    /// mark covers every notification up to the newest). Returns whether any was unread.
    pub async fn mark_notifications_read(&self, user: UserId) -> StoreResult<bool> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                let marked = conn
                    .execute(
                        "update user_counts set unread = 0, read_through = last_notification, read_through_at = $2, \
                           version = version + 1 \
                         where user_id = $1 and unread > 0",
                        params![user.get(), now.millis()],
                    )
                    .await?;
                Ok(marked > 0)
            })
            .await
    }

    /// Up to `limit` notifications due for delivery, oldest due first. Nothing is claimed yet:
    /// the worker claims each one just before it delivers it, so a claim's lease has to cover
    /// one delivery only, and rows it never reached (at shutdown) stay due.
    pub async fn due_deliveries(&self, limit: i64) -> StoreResult<Vec<DueDelivery>> {
        let now = self.now();
        self.db
            .read(async move |conn| {
                Ok(conn
                    .fetch_all(
                        "select notification_id, next_attempt_at from notifications \
                         where delivered_at is null and failed_at is null and next_attempt_at <= $1 \
                         order by next_attempt_at, notification_id limit $2",
                        params![now.millis(), limit],
                        &|row| {
                            Ok(DueDelivery {
                                id: Id::new(row.int("notification_id")?),
                                seen_next_attempt: row.int("next_attempt_at")?,
                            })
                        },
                    )
                    .await?)
            })
            .await
    }

    /// Claims `due` for delivery for `lease`: a compare-and-set on `next_attempt_at`, so of two
    /// workers (in one process or several instances) exactly one wins; the loser gets `None`.
    /// A worker that dies mid-delivery leaves the row to be retried when the lease runs out.
    ///
    /// The recipient's mail settings are read here, at delivery time, so a change reaches mails
    /// already queued. An immediate mail is let through only while the recipient has had fewer
    /// than `cap` (0: no cap) in the last hour; the count and the mark that joins it happen in
    /// this one transaction, with the recipient's row locked on PostgreSQL (SQLite has one
    /// writer), so two instances cannot both let the last one through.
    pub async fn claim_delivery(&self, due: &DueDelivery, lease: Duration, cap: u32) -> StoreResult<Option<Claim>> {
        let now = self.now();
        let due = due.clone();
        self.db
            .write(async move |conn| {
                let lease_until = now.millis().saturating_add(lease.as_millis() as i64);
                let won = conn
                    .fetch_optional(
                        "update notifications set next_attempt_at = $1, attempts = attempts + 1 \
                         where notification_id = $2 and next_attempt_at = $3 and delivered_at is null \
                           and failed_at is null \
                         returning attempts",
                        params![lease_until, due.id.get(), due.seen_next_attempt],
                        &|row| row.int("attempts"),
                    )
                    .await?;
                let Some(attempt) = won else { return Ok(None) };
                let (delivery, mailed) = conn
                    .fetch_one(
                        "select n.notification_id, n.user_id, n.kind, n.text, n.request_id, n.created_at, n.read_at, \
                                n.mailed_at, u.email, u.name \
                         from notifications n join users u on u.user_id = n.user_id where n.notification_id = $1",
                        params![due.id.get()],
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
                    .await?;
                let user = delivery.notification.user_id;
                match settings_in(conn, user).await?.email.get(delivery.notification.kind) {
                    MailWhen::Off => {
                        settle(conn, due.id, "off", now).await?;
                        return Ok(Some(Claim::Off));
                    }
                    MailWhen::DailyDigest => {
                        settle(conn, due.id, "digest", now).await?;
                        return Ok(Some(Claim::Held { capped: false }));
                    }
                    MailWhen::Immediately => {}
                }
                // A retry was counted when it was first let through.
                if !mailed {
                    if cap > 0 && mail_cap_reached(cap, mailed_last_hour(conn, user, now, cap).await?) {
                        settle(conn, due.id, "digest", now).await?;
                        return Ok(Some(Claim::Held { capped: true }));
                    }
                    conn.execute(
                        "update notifications set mailed_at = $1 where notification_id = $2",
                        params![now.millis(), due.id.get()],
                    )
                    .await?;
                }
                Ok(Some(Claim::Mail(delivery)))
            })
            .await
    }

    pub async fn mark_delivered(&self, id: NotificationId) -> StoreResult<()> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                conn.execute(
                    "update notifications set delivered_at = $1, last_error = null, mail = 'sent' \
                     where notification_id = $2 and delivered_at is null",
                    params![now.millis(), id.get()],
                )
                .await?;
                Ok(())
            })
            .await
    }

    /// Records a failed attempt: retry at `retry_at`, or give up (`None`) and keep the row as
    /// failed. A row another worker delivered meanwhile (after this one's lease ran out) stays
    /// delivered.
    pub async fn mark_delivery_failed(
        &self,
        id: NotificationId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        let now = self.now();
        let error = error.to_owned();
        self.db
            .write(async move |conn| {
                let failed_at = if retry_at.is_none() { Some(now.millis()) } else { None };
                conn.execute(
                    "update notifications set last_error = $1, next_attempt_at = $2, failed_at = $3 \
                     where notification_id = $4 and delivered_at is null",
                    params![error.as_str(), retry_at.unwrap_or(now).millis(), failed_at, id.get()],
                )
                .await?;
                Ok(())
            })
            .await
    }

    /// When the next undelivered notification falls due, if any.
    pub async fn next_delivery_due(&self) -> StoreResult<Option<Timestamp>> {
        self.db
            .read(async |conn| {
                let next = conn
                    .fetch_one(
                        "select min(next_attempt_at) as next from notifications \
                         where delivered_at is null and failed_at is null",
                        &[],
                        &|row| row.opt_int("next"),
                    )
                    .await?;
                Ok(next.map(Timestamp::from_millis))
            })
            .await
    }

    /// How many notifications wait for delivery (not delivered, not given up on), counted up to
    /// [`BACKLOG_COUNTED_UP_TO`]: past that the number only says the backlog is large.
    pub async fn delivery_backlog(&self) -> StoreResult<i64> {
        self.db
            .read(async |conn| {
                let sql = "select count(*) as backlog from (select notification_id from notifications \
                           where delivered_at is null and failed_at is null limit $1) waiting";
                Ok(conn.fetch_one(sql, params![BACKLOG_COUNTED_UP_TO], &|row| row.int("backlog")).await?)
            })
            .await
    }

    /// Puts every notification that delivery gave up on back in the queue, with a fresh count of
    /// attempts (after the mail server or an address was fixed). Returns how many.
    pub async fn requeue_failed_deliveries(&self) -> StoreResult<u64> {
        let now = self.now();
        let done = self
            .db
            .write(async move |conn| {
                Ok(conn
                    .execute(
                        "update notifications set failed_at = null, attempts = 0, next_attempt_at = $1 \
                         where failed_at is not null and delivered_at is null",
                        params![now.millis()],
                    )
                    .await?)
            })
            .await?;
        if done > 0 {
            self.wake_outbox();
        }
        Ok(done)
    }
}

/// Closes `id`'s delivery without a mail of its own: `mail` says why ('off', or 'digest' for a
/// row the next digest takes).
async fn settle(conn: &mut Conn<'_>, id: NotificationId, mail: &str, now: Timestamp) -> StoreResult<()> {
    conn.execute(
        "update notifications set mail = $1, delivered_at = $2, last_error = null where notification_id = $3",
        params![mail, now.millis(), id.get()],
    )
    .await?;
    Ok(())
}

/// How many immediate mails `user` was sent in the hour before `now`, counted up to `cap` (from
/// the index alone). On PostgreSQL the user's row is locked first, so that concurrent claims for
/// one recipient count one after the other; `no key update`, which foreign-key checks do not
/// wait for, so that a transaction writing rows that refer to the user (a reminder's counts) is
/// never stuck behind the claim while the claim waits for it.
async fn mailed_last_hour(conn: &mut Conn<'_>, user: UserId, now: Timestamp, cap: u32) -> StoreResult<i64> {
    if conn.is_postgres() {
        conn.fetch_one("select user_id from users where user_id = $1 for no key update", params![user.get()], &|row| {
            row.int("user_id")
        })
        .await?;
    }
    let sql = "select count(*) as sent from (select 1 as one from notifications \
               where user_id = $1 and mailed_at > $2 limit $3) recent";
    let since = now.minus_millis(MAIL_CAP_WINDOW_MS).millis();
    Ok(conn.fetch_one(sql, params![user.get(), since, i64::from(cap)], &|row| row.int("sent")).await?)
}

pub(super) async fn unread_count(conn: &mut Conn<'_>, user: UserId) -> StoreResult<i64> {
    let sql = "select unread from user_counts where user_id = $1";
    Ok(conn.fetch_optional(sql, params![user.get()], &|row| row.int("unread")).await?.unwrap_or(0))
}

/// The delivery backlog is counted up to this many.
pub const BACKLOG_COUNTED_UP_TO: i64 = 10_000;

/// A page of `$1`'s notifications (`$2` limit, `$3` offset), newest first, with the total; a
/// notification is read when marked so one by one, or when the user's mark covers it.
const NOTIFICATIONS_PAGE: &str = "select n.notification_id, n.user_id, n.kind, n.text, n.request_id, n.created_at, \
       coalesce(n.read_at, case when n.notification_id <= c.read_through then c.read_through_at end) as read_at, \
       c.notifications as total \
     from notifications n join user_counts c on c.user_id = n.user_id \
     where n.user_id = $1 order by n.created_at desc, n.notification_id desc limit $2 offset $3";
const NOTIFICATIONS_COUNT: &str = "select notifications as total from user_counts where user_id = $1";
