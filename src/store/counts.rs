//! The counts and versions that triggers keep (`user_counts`, `users_version`,
//! `partnerships_version`, migrations 0006, 0009, 0012, 0014): what the kept dashboards and
//! searches are checked against, one primary-key read each.

use super::db::{Columns, Conn, DbResult, params};

const STAMP: &str = "select c.version as user_version, v.version as users_version, \
       pv.version as partnerships_version \
     from user_counts c, users_version v, partnerships_version pv \
     where c.user_id = $1 and v.only_row = 1 and pv.only_row = 1";

/// The versions a dashboard of `user` is read at: the user's own (every change to their
/// requests, partnerships, blocks or notifications bumps it), every user's (a new user, a
/// changed setting), and every partnership's (partners of partners).
pub(crate) async fn dashboard_stamp(conn: &mut Conn<'_>, user: crate::domain::UserId) -> DbResult<(i64, i64, i64)> {
    conn.fetch_one(STAMP, params![user.get()], &stamp_columns).await
}

fn stamp_columns(row: &dyn Columns) -> DbResult<(i64, i64, i64)> {
    Ok((row.int("user_version")?, row.int("users_version")?, row.int("partnerships_version")?))
}

/// The version every new user (and every saved setting) bumps.
pub(crate) async fn users_version(conn: &mut Conn<'_>) -> DbResult<i64> {
    conn.fetch_one("select version from users_version where only_row = 1", &[], &|row| row.int("version")).await
}
