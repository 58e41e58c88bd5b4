//! Daily digests: the notifications held for a user (by their choice, or by the hourly cap) go out
//! together once a day.
//!
//! A digest is claimed by inserting its row in `mail_digests` (primary key: user and day), in the
//! same transaction that writes that day into the items it takes; so each user gets at most one
//! digest per day across instances and restarts, and an item is in one digest only. The row is
//! then the digest's own outbox entry: sent, or retried under a lease like a notification.

use std::time::Duration;

use super::db::{Conn, DatabaseError, params};
use super::settings::settings_in;
use super::{Store, StoreResult};
use crate::domain::{Email, Id, MailWhen, NotificationKind, Timestamp, UserId, UserName};

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
    user: UserId,
    day: i64,
    seen_next_attempt: i64,
}

impl Store {
    /// Looks at up to `limit` users holding items for a digest, by id after `after`, and returns
    /// those whose oldest held item is from before `cutoff` (the digest hour of `day`) and who
    /// have no digest of `day` yet, with the last id looked at (`None`: no user after it). Each
    /// user costs a few index seeks, whatever they hold.
    pub async fn digest_candidates(
        &self,
        day: i64,
        cutoff: Timestamp,
        after: i64,
        limit: i64,
    ) -> StoreResult<(Vec<UserId>, Option<i64>)> {
        self.db
            .read(async move |conn| {
                let mut found = Vec::new();
                let mut last = after;
                for _ in 0..limit {
                    // `order by … limit 1` rather than `min()`, so both planners take one index seek.
                    let next = conn
                        .fetch_optional(
                            "select user_id from notifications \
                             where mail = 'digest' and digest_day is null and user_id > $1 \
                             order by user_id limit 1",
                            params![last],
                            &|row| row.int("user_id"),
                        )
                        .await?;
                    let Some(user) = next else { return Ok((found, None)) };
                    last = user;
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
                    if due > 0 {
                        found.push(Id::new(user));
                    }
                }
                Ok((found, Some(last)))
            })
            .await
    }

    /// Claims `user`'s digest of `day` (the items held from before `cutoff`, of the kinds not
    /// turned off since), for `lease`. `None`: another instance has it, or there is nothing.
    pub async fn claim_digest(
        &self,
        user: UserId,
        day: i64,
        cutoff: Timestamp,
        lease: Duration,
    ) -> StoreResult<Option<DigestDelivery>> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                let lease_until = now.millis().saturating_add(lease.as_millis() as i64);
                let claimed = conn
                    .execute(
                        "insert into mail_digests (user_id, day, items, created_at, attempts, next_attempt_at) \
                         values ($1, $2, 0, $3, 1, $4) on conflict (user_id, day) do nothing",
                        params![user.get(), day, now.millis(), lease_until],
                    )
                    .await?;
                if claimed == 0 {
                    return Ok(None);
                }
                // Read at sending time, as for immediate mail: a kind turned off since is dropped.
                // Each statement looks at the user's oldest held items only, so its cost is bounded.
                let email = settings_in(conn, user).await?.email;
                for kind in NotificationKind::ALL.into_iter().filter(|kind| email.get(*kind) == MailWhen::Off) {
                    conn.execute(
                        "update notifications set mail = 'off' where notification_id in ( \
                           select w.notification_id from (select notification_id, kind from notifications \
                             where user_id = $1 and mail = 'digest' and digest_day is null \
                             order by notification_id limit $3) w \
                           where w.kind = $2)",
                        params![user.get(), kind.as_str(), DIGEST_ITEMS_AT_MOST],
                    )
                    .await?;
                }
                let items = conn
                    .execute(
                        "update notifications set digest_day = $2 where notification_id in ( \
                           select w.notification_id from (select notification_id, created_at from notifications \
                             where user_id = $1 and mail = 'digest' and digest_day is null \
                             order by notification_id limit $4) w \
                           where w.created_at < $3)",
                        params![user.get(), day, cutoff.millis(), DIGEST_ITEMS_AT_MOST],
                    )
                    .await?;
                if items == 0 {
                    conn.execute("delete from mail_digests where user_id = $1 and day = $2", params![user.get(), day])
                        .await?;
                    return Ok(None);
                }
                conn.execute(
                    "update mail_digests set items = $3 where user_id = $1 and day = $2",
                    params![user.get(), day, items as i64],
                )
                .await?;
                Ok(Some(digest_in(conn, user, day, 1).await?))
            })
            .await
    }

    /// Digests due for another attempt (failed, or their worker died), at most `limit`.
    pub async fn due_digests(&self, limit: i64) -> StoreResult<Vec<DueDigest>> {
        let now = self.now();
        self.db
            .read(async move |conn| {
                Ok(conn
                    .fetch_all(
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
                    .await?)
            })
            .await
    }

    /// Claims a due digest again for `lease` (compare-and-set, as for notifications).
    pub async fn reclaim_digest(&self, due: &DueDigest, lease: Duration) -> StoreResult<Option<DigestDelivery>> {
        let now = self.now();
        let due = due.clone();
        self.db
            .write(async move |conn| {
                let lease_until = now.millis().saturating_add(lease.as_millis() as i64);
                let won = conn
                    .fetch_optional(
                        "update mail_digests set next_attempt_at = $1, attempts = attempts + 1 \
                         where user_id = $2 and day = $3 and next_attempt_at = $4 and sent_at is null \
                           and failed_at is null \
                         returning attempts",
                        params![lease_until, due.user.get(), due.day, due.seen_next_attempt],
                        &|row| row.int("attempts"),
                    )
                    .await?;
                let Some(attempt) = won else { return Ok(None) };
                Ok(Some(digest_in(conn, due.user, due.day, attempt).await?))
            })
            .await
    }

    /// Records a digest's attempt: sent (`Ok`), or failed with a retry time (`None`: given up).
    pub async fn record_digest(
        &self,
        user: UserId,
        day: i64,
        outcome: Result<(), (String, Option<Timestamp>)>,
    ) -> StoreResult<()> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                match &outcome {
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
            })
            .await
    }
}

/// The digest of `user` for `day` as claimed: its items and where it goes.
async fn digest_in(conn: &mut Conn<'_>, user: UserId, day: i64, attempt: i64) -> StoreResult<DigestDelivery> {
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
