//! The statements of the data loaders in `seed/` (the benchmark's bulk load and the demo cast):
//! multi-row inserts, the planner's statistics, and back-dating a seeded request's history. No
//! use case of the product runs these.

use super::db::{Conn, DbResult, Value, params};
use crate::domain::RequestId;

/// Rows per insert statement. Every full batch has the same SQL text, so the prepared statement
/// is reused; 500 rows of at most 6 columns stay far below both backends' parameter limits.
const BATCH: usize = 500;

/// Inserts `users` (e-mail, name, search key, created at), `BATCH` to a statement; returns their
/// ids in order.
pub(crate) async fn insert_users(conn: &mut Conn<'_>, users: &[(String, String, String, i64)]) -> DbResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(users.len());
    for batch in users.chunks(BATCH) {
        let mut sql = String::from("insert into users (email, name, name_key, created_at) values ");
        push_placeholders(&mut sql, batch.len(), 4, "");
        sql.push_str(" returning user_id");
        let params: Vec<Value<'_>> = batch
            .iter()
            .flat_map(|(email, name, key, at)| [email.into(), name.into(), key.into(), Value::from(*at)])
            .collect();
        ids.extend(conn.fetch_all(&sql, &params, &|row| row.int("user_id")).await?);
    }
    Ok(ids)
}

/// Inserts rows of `W` integers after `head` (`insert into t (a, b) values `), `BATCH` to a
/// statement. `constant`, when not empty, is one more literal column after them.
pub(crate) async fn insert_rows<const W: usize>(
    conn: &mut Conn<'_>,
    head: &str,
    constant: &str,
    rows: &[[Option<i64>; W]],
) -> DbResult<()> {
    for batch in rows.chunks(BATCH) {
        let mut sql = String::from(head);
        push_placeholders(&mut sql, batch.len(), W, constant);
        let params: Vec<Value<'_>> = batch.iter().flatten().map(|value| Value::from(*value)).collect();
        conn.execute(&sql, &params).await?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load, on PostgreSQL only (autovacuum would do
/// it soon anyway). Not on SQLite: the bundled library is built with STAT4, and with
/// `sqlite_stat4` present every statement whose plan may depend on a bound value is re-prepared
/// at each execution, which defeats the statement cache. The app never runs ANALYZE, so a seeded
/// database must not either.
pub(crate) async fn analyze(conn: &mut Conn<'_>) -> DbResult<()> {
    if conn.is_postgres() {
        conn.execute("analyze", &[]).await?;
    }
    Ok(())
}

/// Moves `request`, what it caused (its notifications, the partnership it made) and its answer
/// into the past: created at `created`, answered at `answered`.
pub(crate) async fn backdate(conn: &mut Conn<'_>, request: RequestId, created: i64, answered: i64) -> DbResult<()> {
    conn.execute(
        "update partner_requests set created_at = $1, \
                responded_at = case when responded_at is null then null else $2 end, \
                expires_at = $1 + (expires_at - created_at) where request_id = $3",
        params![created, answered, request.get()],
    )
    .await?;
    conn.execute(
        "update notifications set created_at = case when kind = 'request_received' then $1 else $2 end \
         where request_id = $3",
        params![created, answered, request.get()],
    )
    .await?;
    conn.execute(
        "update partnerships set created_at = $1 where exists (select 1 from partner_requests r \
           where r.request_id = $2 and r.status = 'accepted' \
             and r.user_low = partnerships.user_a_id and r.user_high = partnerships.user_b_id)",
        params![answered, request.get()],
    )
    .await?;
    Ok(())
}

/// Appends `($1, $2, …), (…)` for `rows` rows of `width` parameters, each row followed by
/// `constant` when given.
fn push_placeholders(sql: &mut String, rows: usize, width: usize, constant: &str) {
    use std::fmt::Write;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            let _ = write!(sql, "{}${}", if c == 0 { "" } else { ", " }, r * width + c + 1);
        }
        if !constant.is_empty() {
            sql.push_str(", ");
            sql.push_str(constant);
        }
        sql.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_row() {
        let mut sql = String::new();
        push_placeholders(&mut sql, 2, 2, "'pending'");
        assert_eq!(sql, "($1, $2, 'pending'), ($3, $4, 'pending')");
    }
}
