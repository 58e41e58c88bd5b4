//! `users`: adding one, reading them by id, the newest.

use super::db::{Conn, DbResult, StoreResult, Value, params};
use super::rows;
use crate::domain::{Email, Id, RuleError, Timestamp, User, UserId, UserName};

/// Adds a user; an e-mail already registered (in any letter case: the table keeps them
/// lower-cased, and its unique index is the judge) is `EmailTaken`.
pub(crate) async fn insert(conn: &mut Conn<'_>, email: &Email, name: &UserName, now: Timestamp) -> StoreResult<User> {
    let search_key = name.search_key();
    let inserted = conn
        .fetch_one(
            "insert into users (email, name, name_key, created_at) values ($1, $2, $3, $4) returning user_id",
            params![email.as_str(), name.as_str(), search_key.as_str(), now.millis()],
            &|row| row.int("user_id"),
        )
        .await;
    match inserted {
        Ok(id) => Ok(User { id: Id::new(id), email: email.clone(), name: name.clone(), created_at: now }),
        Err(e) if e.is_unique_violation() => Err(RuleError::EmailTaken.into()),
        Err(e) => Err(e.into()),
    }
}

const SELECT_USER: &str = "select user_id, email, name, created_at from users where user_id = $1";

/// The user `id`, if there is one.
pub(crate) async fn find(conn: &mut Conn<'_>, id: UserId) -> DbResult<Option<User>> {
    conn.fetch_optional(SELECT_USER, params![id.get()], &rows::user).await
}

/// Users read this many to a statement.
const BY_ID_SLOTS: usize = 10;
const BY_ID: &str =
    "select user_id, email, name, created_at from users where user_id in ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// The users `ids` name (each once, in no particular order): ten to a statement, a primary-key
/// lookup each.
pub(crate) async fn by_ids(conn: &mut Conn<'_>, ids: &[UserId]) -> DbResult<Vec<User>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BY_ID_SLOTS) {
        // Unused slots repeat an id, so one statement text serves every chunk.
        let slots: Vec<Value> = (0..BY_ID_SLOTS).map(|i| Value::from(chunk[i.min(chunk.len() - 1)].get())).collect();
        found.extend(conn.fetch_all(BY_ID, &slots, &rows::user).await?);
    }
    Ok(found)
}

/// Whether any user exists.
pub(crate) async fn any(conn: &mut Conn<'_>) -> DbResult<bool> {
    let first = conn.fetch_optional("select user_id from users limit 1", &[], &|row| row.int("user_id")).await?;
    Ok(first.is_some())
}

/// The newest `limit` users, by id (the primary key, read backwards).
pub(crate) async fn newest(conn: &mut Conn<'_>, limit: i64) -> DbResult<Vec<UserId>> {
    conn.fetch_all("select user_id from users order by user_id desc limit $1", params![limit], &|row| {
        Ok(Id::new(row.int("user_id")?))
    })
    .await
}
