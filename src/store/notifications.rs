//! `notifications`: the in-app inbox (the same rows are the delivery outbox, see `outbox.rs`).

use super::db::{Conn, DbResult, params};
use super::rows;
use crate::domain::{CountedPage, Id, NotificationId, NotificationKind, PageRequest, RequestId, Timestamp, UserId};

/// Writes a notification to `user`'s inbox and the outbox (due for delivery at once).
pub(crate) async fn insert(
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

/// The notifications of `user`, newest first, each read when marked so one by one (before the
/// mark) or by the user's mark.
pub(crate) async fn page(
    conn: &mut Conn<'_>,
    user: UserId,
    page: PageRequest,
) -> DbResult<CountedPage<crate::domain::Notification>> {
    let found = conn
        .fetch_all(NOTIFICATIONS_PAGE, params![user.get(), page.limit(), page.offset()], &|row| {
            Ok((rows::notification(row)?, row.int("total")?))
        })
        .await?;
    let total = match rows::total_of(&found, page) {
        Some(total) => total,
        None => conn.fetch_one(NOTIFICATIONS_COUNT, params![user.get()], &|row| row.int("total")).await?,
    };
    Ok(rows::paged(found, page, total))
}

/// How many of `user`'s notifications are unread (kept by triggers in `user_counts`).
pub(crate) async fn unread(conn: &mut Conn<'_>, user: UserId) -> DbResult<i64> {
    let sql = "select unread from user_counts where user_id = $1";
    Ok(conn.fetch_optional(sql, params![user.get()], &|row| row.int("unread")).await?.unwrap_or(0))
}

/// Marks every notification of `user` read: one row's update, however many there are (the mark
/// covers every notification up to the newest). Returns whether any was unread.
pub(crate) async fn mark_read(conn: &mut Conn<'_>, user: UserId, now: Timestamp) -> DbResult<bool> {
    let marked = conn
        .execute(
            "update user_counts set unread = 0, read_through = last_notification, read_through_at = $2, \
               version = version + 1 \
             where user_id = $1 and unread > 0",
            params![user.get(), now.millis()],
        )
        .await?;
    Ok(marked > 0)
}

/// A page of `$1`'s notifications (`$2` limit, `$3` offset), newest first, with the total; a
/// notification is read when marked so one by one, or when the user's mark covers it.
const NOTIFICATIONS_PAGE: &str = "select n.notification_id, n.user_id, n.kind, n.text, n.request_id, n.created_at, \
       coalesce(n.read_at, case when n.notification_id <= c.read_through then c.read_through_at end) as read_at, \
       c.notifications as total \
     from notifications n join user_counts c on c.user_id = n.user_id \
     where n.user_id = $1 order by n.created_at desc, n.notification_id desc limit $2 offset $3";
const NOTIFICATIONS_COUNT: &str = "select notifications as total from user_counts where user_id = $1";
