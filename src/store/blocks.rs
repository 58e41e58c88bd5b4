//! `blocks`: one user refusing partner requests with another, in both directions.

use super::db::{Conn, DbResult, params};
use crate::domain::{Timestamp, UserId};

/// Records that `blocker` blocks `blocked`, keeping the first block when there is one already;
/// returns when the block began.
pub(crate) async fn insert(
    conn: &mut Conn<'_>,
    blocker: UserId,
    blocked: UserId,
    now: Timestamp,
) -> DbResult<Timestamp> {
    conn.execute(
        "insert into blocks (blocker_id, blocked_id, created_at) values ($1, $2, $3) \
         on conflict (blocker_id, blocked_id) do nothing",
        params![blocker.get(), blocked.get(), now.millis()],
    )
    .await?;
    let created_at = conn
        .fetch_one(
            "select created_at from blocks where blocker_id = $1 and blocked_id = $2",
            params![blocker.get(), blocked.get()],
            &|row| row.int("created_at"),
        )
        .await?;
    Ok(Timestamp::from_millis(created_at))
}

/// Lifts the block `blocker` placed on `blocked`; returns whether there was one.
pub(crate) async fn delete(conn: &mut Conn<'_>, blocker: UserId, blocked: UserId) -> DbResult<bool> {
    let deleted = conn
        .execute("delete from blocks where blocker_id = $1 and blocked_id = $2", params![blocker.get(), blocked.get()])
        .await?;
    Ok(deleted > 0)
}
