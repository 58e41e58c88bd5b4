//! `mail_digests`, and the notifications held for them: a user's held notifications (by their
//! choice, or by the hourly cap) go out together once a day.
//!
//! A digest is claimed by inserting its row (primary key: user and day), in the same transaction
//! that writes that day into the items it takes; so each user gets at most one digest per day
//! across instances and restarts, and an item is in one digest only. The row is then the
//! digest's own outbox entry: sent, or retried under a lease like a notification.

use super::db::{Conn, DatabaseError, DbResult, params};
use crate::domain::{Email, Id, NotificationKind, Timestamp, UserId, UserName};

/// Items one digest holds at most; the rest wait for the next day's.
pub const DIGEST_ITEMS_AT_MOST: i64 = 200;

/// One line of a digest.
#[derive(Debug, Clone)]
pub struct DigestItem {
    pub kind: NotificationKind,
    pub text: String,
}

/// A digest claimed for sending, with where to send it.
#[derive(Debug, Clone)]
pub struct DigestDelivery {
    pub user: UserId,
    pub day: i64,
    pub email: Email,
    pub name: UserName,
    /// Ordered by kind, then oldest first.
    pub items: Vec<DigestItem>,
    /// Attempts including this one.
    pub attempt: u32,
}

/// A digest whose sending failed or was cut short and is due again.
#[derive(Debug, Clone)]
pub struct DueDigest {
    pub(crate) user: UserId,
    pub(crate) day: i64,
    seen_next_attempt: i64,
}

/// The first user after `after`, by id, who holds items for a digest (`order by … limit 1`
/// rather than `min()`, so both planners take one index seek).
pub(crate) async fn next_holder(conn: &mut Conn<'_>, after: i64) -> DbResult<Option<i64>> {
    conn.fetch_optional(
        "select user_id from notifications where mail = 'digest' and digest_day is null and user_id > $1 \
         order by user_id limit 1",
        params![after],
        &|row| row.int("user_id"),
    )
    .await
}

/// Whether `user`'s oldest held item is from before `cutoff` and they have no digest of `day`
/// yet: a few index seeks, whatever they hold.
pub(crate) async fn is_due(conn: &mut Conn<'_>, user: i64, cutoff: Timestamp, day: i64) -> DbResult<bool> {
    let due = conn
        .fetch_one(
            "select count(*) as due from (select n.created_at from notifications n \
               where n.user_id = $1 and n.mail = 'digest' and n.digest_day is null \
               order by n.notification_id limit 1) oldest \
             where oldest.created_at < $2 \
               and not exists (select 1 from mail_digests g where g.user_id = $1 and g.day = $3)",
            params![user, cutoff.millis(), day],
            &|row| row.int("due"),
        )
        .await?;
    Ok(due > 0)
}

/// Claims `user`'s digest of `day` until `lease_until`; `false` when another instance has it.
pub(crate) async fn insert_claim(
    conn: &mut Conn<'_>,
    user: UserId,
    day: i64,
    now: Timestamp,
    lease_until: i64,
) -> DbResult<bool> {
    let claimed = conn
        .execute(
            "insert into mail_digests (user_id, day, items, created_at, attempts, next_attempt_at) \
             values ($1, $2, 0, $3, 1, $4) on conflict (user_id, day) do nothing",
            params![user.get(), day, now.millis(), lease_until],
        )
        .await?;
    Ok(claimed > 0)
}

/// Drops the held items of `kind` (turned off since they were held) from `user`'s oldest held
/// items, so the statement's cost is bounded.
pub(crate) async fn drop_held(conn: &mut Conn<'_>, user: UserId, kind: NotificationKind) -> DbResult<()> {
    conn.execute(
        "update notifications set mail = 'off' where notification_id in ( \
           select w.notification_id from (select notification_id, kind from notifications \
             where user_id = $1 and mail = 'digest' and digest_day is null \
             order by notification_id limit $3) w \
           where w.kind = $2)",
        params![user.get(), kind.as_str(), DIGEST_ITEMS_AT_MOST],
    )
    .await?;
    Ok(())
}

/// Writes `day` into `user`'s oldest held items from before `cutoff` (at most
/// [`DIGEST_ITEMS_AT_MOST`]); returns how many.
pub(crate) async fn take_items(conn: &mut Conn<'_>, user: UserId, day: i64, cutoff: Timestamp) -> DbResult<u64> {
    conn.execute(
        "update notifications set digest_day = $2 where notification_id in ( \
           select w.notification_id from (select notification_id, created_at from notifications \
             where user_id = $1 and mail = 'digest' and digest_day is null \
             order by notification_id limit $4) w \
           where w.created_at < $3)",
        params![user.get(), day, cutoff.millis(), DIGEST_ITEMS_AT_MOST],
    )
    .await
}

/// Drops the claim of a digest that took no item.
pub(crate) async fn delete_claim(conn: &mut Conn<'_>, user: UserId, day: i64) -> DbResult<()> {
    conn.execute("delete from mail_digests where user_id = $1 and day = $2", params![user.get(), day]).await?;
    Ok(())
}

/// Records how many items the digest took.
pub(crate) async fn set_items(conn: &mut Conn<'_>, user: UserId, day: i64, items: u64) -> DbResult<()> {
    conn.execute(
        "update mail_digests set items = $3 where user_id = $1 and day = $2",
        params![user.get(), day, items as i64],
    )
    .await?;
    Ok(())
}

/// Digests due for another attempt at `now` (failed, or their worker died), at most `limit`.
pub(crate) async fn due(conn: &mut Conn<'_>, now: Timestamp, limit: i64) -> DbResult<Vec<DueDigest>> {
    conn.fetch_all(
        "select user_id, day, next_attempt_at from mail_digests \
         where sent_at is null and failed_at is null and next_attempt_at <= $1 \
         order by next_attempt_at limit $2",
        params![now.millis(), limit],
        &|row| {
            Ok(DueDigest {
                user: Id::new(row.int("user_id")?),
                day: row.int("day")?,
                seen_next_attempt: row.int("next_attempt_at")?,
            })
        },
    )
    .await
}

/// Claims a due digest again until `lease_until` (compare-and-set, as for notifications);
/// returns the count of attempts.
pub(crate) async fn reclaim(conn: &mut Conn<'_>, due: &DueDigest, lease_until: i64) -> DbResult<Option<i64>> {
    conn.fetch_optional(
        "update mail_digests set next_attempt_at = $1, attempts = attempts + 1 \
         where user_id = $2 and day = $3 and next_attempt_at = $4 and sent_at is null \
           and failed_at is null \
         returning attempts",
        params![lease_until, due.user.get(), due.day, due.seen_next_attempt],
        &|row| row.int("attempts"),
    )
    .await
}

/// Records a digest's attempt at `now`: sent (`Ok`), or failed with a retry time (`None`: given up).
pub(crate) async fn record(
    conn: &mut Conn<'_>,
    user: UserId,
    day: i64,
    outcome: &Result<(), (String, Option<Timestamp>)>,
    now: Timestamp,
) -> DbResult<()> {
    match outcome {
        Ok(()) => {
            conn.execute(
                "update mail_digests set sent_at = $3, last_error = null where user_id = $1 and day = $2",
                params![user.get(), day, now.millis()],
            )
            .await?
        }
        Err((error, Some(retry_at))) => {
            conn.execute(
                "update mail_digests set last_error = $3, next_attempt_at = $4 \
                 where user_id = $1 and day = $2 and sent_at is null",
                params![user.get(), day, error.as_str(), retry_at.millis()],
            )
            .await?
        }
        Err((error, None)) => {
            conn.execute(
                "update mail_digests set last_error = $3, failed_at = $4 \
                 where user_id = $1 and day = $2 and sent_at is null",
                params![user.get(), day, error.as_str(), now.millis()],
            )
            .await?
        }
    };
    Ok(())
}

/// The digest of `user` for `day` as claimed: its items and where it goes.
pub(crate) async fn read(conn: &mut Conn<'_>, user: UserId, day: i64, attempt: i64) -> DbResult<DigestDelivery> {
    let (email, name) = conn
        .fetch_one("select email, name from users where user_id = $1", params![user.get()], &|row| {
            Ok((Email::from_trusted(row.text("email")?), UserName::from_trusted(row.text("name")?)))
        })
        .await?;
    let items = conn
        .fetch_all(
            "select kind, text from notifications where user_id = $1 and digest_day = $2 \
             order by kind, notification_id limit $3",
            params![user.get(), day, DIGEST_ITEMS_AT_MOST],
            &|row| {
                let kind = row.text("kind")?;
                let kind = NotificationKind::parse(&kind).ok_or_else(|| DatabaseError::decode("kind", &kind))?;
                Ok(DigestItem { kind, text: row.text("text")? })
            },
        )
        .await?;
    Ok(DigestDelivery { user, day, email, name, items, attempt: u32::try_from(attempt).unwrap_or(u32::MAX) })
}
