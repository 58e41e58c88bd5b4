//! The expiry predicate in SQL, written once: every statement that asks whether a request is
//! still pending, or has run out of time, builds its text from these fragments (with `concat!`),
//! so the queries cannot drift from each other nor from `domain::has_expired`, which says the same
//! in Rust: a request expires at the instant of its `expires_at` (`expires_at <= now`), and one
//! without an `expires_at` never does. The test below holds the two against each other at the
//! boundary.
//!
//! Each fragment takes the table's alias with its dot (`"r."`, or `""`) and the parameter that
//! holds "now" (`"$2"`).

/// The request's expiry has come by `$now` (whatever its status says).
macro_rules! expired_by {
    ($r:literal, $now:literal) => {
        concat!($r, "expires_at <= ", $now)
    };
}
pub(super) use expired_by;

/// Marked pending, but past its time at `$now`: expired, though the sweep has not marked the row.
macro_rules! overdue {
    ($r:literal, $now:literal) => {
        concat!($r, "status = 'pending' and ", $r, "expires_at <= ", $now)
    };
}
pub(super) use overdue;

/// Pending at `$now`: marked pending and not past its time.
macro_rules! pending_at {
    ($r:literal, $now:literal) => {
        concat!($r, "status = 'pending' and (", $r, "expires_at is null or ", $r, "expires_at > ", $now, ")")
    };
}
pub(super) use pending_at;

/// Pending at `$now` and due to expire later: the rows the partial expiry indexes hold (`expires_at
/// is not null`), so a statement that asks this is served by them.
macro_rules! expiring_after {
    ($r:literal, $now:literal) => {
        concat!($r, "status = 'pending' and ", $r, "expires_at > ", $now)
    };
}
pub(super) use expiring_after;

#[cfg(test)]
mod tests {
    use super::super::db::{Conn, Database, Runtime, Sqlite, SqliteOptions, params};
    use crate::domain::{Timestamp, has_expired};

    /// Ids of the rows whose `where` is `condition` at `now` (`$1`).
    async fn matching(db: &Database, condition: &'static str, now: i64) -> Vec<i64> {
        db.read(async move |conn: &mut Conn<'_>| {
            let sql = format!("select request_id from partner_requests r where {condition} order by request_id");
            Ok(conn.fetch_all(&sql, params![now], &|row| row.int("request_id")).await?)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn the_sql_fragments_and_the_domain_agree_at_the_instant_of_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let options =
            SqliteOptions { readers: 1, acquire_timeout: std::time::Duration::from_secs(1), statement_timeout: None };
        let db = Database::new(Runtime::Sqlite(std::sync::Arc::new(
            Sqlite::open(&dir.path().join("e.db"), options).unwrap(),
        )));
        let now = 1_000_i64;
        // (id, status, expires_at): before, at and after the instant, never, and closed.
        let rows: [(i64, &str, Option<i64>); 5] = [
            (1, "pending", Some(now - 1)),
            (2, "pending", Some(now)),
            (3, "pending", Some(now + 1)),
            (4, "pending", None),
            (5, "rejected", Some(now - 1)),
        ];
        db.write(async move |conn: &mut Conn<'_>| {
            conn.execute("create table partner_requests (request_id integer, status text, expires_at integer)", &[])
                .await?;
            for (id, status, expires_at) in rows {
                conn.execute("insert into partner_requests values ($1, $2, $3)", params![id, status, expires_at])
                    .await?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let at = Timestamp::from_millis(now);
        let pending = |id: &i64| rows.iter().any(|(row, status, _)| row == id && *status == "pending");
        let expired: Vec<i64> =
            rows.iter().filter(|r| has_expired(r.2.map(Timestamp::from_millis), at)).map(|r| r.0).collect();
        assert_eq!(expired, [1, 2, 5], "the domain: from the instant of expiry on; never without one");
        assert_eq!(matching(&db, expired_by!("r.", "$1"), now).await, expired);
        let overdue: Vec<i64> = expired.iter().copied().filter(pending).collect();
        assert_eq!(matching(&db, overdue!("r.", "$1"), now).await, overdue);
        let live: Vec<i64> = rows.iter().map(|r| r.0).filter(|id| pending(id) && !expired.contains(id)).collect();
        assert_eq!(live, [3, 4]);
        assert_eq!(matching(&db, pending_at!("r.", "$1"), now).await, live);
        assert_eq!(matching(&db, expiring_after!("r.", "$1"), now).await, [3], "only those that will expire");
    }
}
