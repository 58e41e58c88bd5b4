//! `passkeys` (the credentials a user signs in with) and `passkey_users` (each user's WebAuthn
//! user handle). The credential itself is the WebAuthn library's serialisation, kept as text and
//! never read here.

use super::db::{Columns, Conn, DbResult, params};
use crate::domain::{Id, PasskeyId, PasskeyName, PasskeySummary, Timestamp, UserId};

/// A stored passkey, as signing in with it needs it.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub id: PasskeyId,
    pub user: UserId,
    /// The handle of the passkey's user, which the authenticator must have answered with.
    pub user_handle: String,
    /// The library's serialisation of the credential.
    pub credential: String,
}

/// A passkey to add, as a finished registration made it.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub name: PasskeyName,
    pub credential_id: String,
    pub credential: String,
}

/// `user`'s passkeys in the order they were added, `limit` at most.
pub(crate) async fn list(conn: &mut Conn<'_>, user: UserId, limit: usize) -> DbResult<Vec<PasskeySummary>> {
    conn.fetch_all(
        "select passkey_id, name, created_at, last_used_at from passkeys \
         where user_id = $1 order by passkey_id limit $2",
        params![user.get(), limit as i64],
        &summary,
    )
    .await
}

/// The credential ids of `user`'s passkeys, `limit` at most.
pub(crate) async fn credential_ids(conn: &mut Conn<'_>, user: UserId, limit: usize) -> DbResult<Vec<String>> {
    conn.fetch_all(
        "select credential_id from passkeys where user_id = $1 order by passkey_id limit $2",
        params![user.get(), limit as i64],
        &|row| row.text("credential_id"),
    )
    .await
}

/// How many passkeys `user` has.
pub(crate) async fn count(conn: &mut Conn<'_>, user: UserId) -> DbResult<i64> {
    conn.fetch_one("select count(*) as n from passkeys where user_id = $1", params![user.get()], &|row| row.int("n"))
        .await
}

/// `user`'s WebAuthn user handle: `new_handle` made theirs now when they have none. On
/// PostgreSQL the no-op update locks the user's row, so two registrations at once are counted one
/// after the other (SQLite has one writer).
pub(crate) async fn handle(conn: &mut Conn<'_>, user: UserId, new_handle: &str, now: Timestamp) -> DbResult<String> {
    conn.fetch_one(
        "insert into passkey_users (user_id, user_handle, created_at) values ($1, $2, $3) \
         on conflict (user_id) do update set user_handle = passkey_users.user_handle \
         returning user_handle",
        params![user.get(), new_handle, now.millis()],
        &|row| row.text("user_handle"),
    )
    .await
}

/// Adds `passkey` to `user`'s; `None` when its credential is registered already, to anyone (the
/// only unique constraint a new row can break: `passkeys_credential_id_key`).
pub(crate) async fn insert(
    conn: &mut Conn<'_>,
    user: UserId,
    passkey: &NewPasskey,
    now: Timestamp,
) -> DbResult<Option<PasskeyId>> {
    let inserted = conn
        .fetch_one(
            "insert into passkeys (user_id, name, credential_id, credential, created_at) \
             values ($1, $2, $3, $4, $5) returning passkey_id",
            params![user.get(), passkey.name.as_str(), &passkey.credential_id, &passkey.credential, now.millis()],
            &|row| row.int("passkey_id"),
        )
        .await;
    match inserted {
        Ok(id) => Ok(Some(Id::new(id))),
        Err(e) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes `passkey` if it is `user`'s, returning what it was called.
pub(crate) async fn delete(conn: &mut Conn<'_>, user: UserId, passkey: PasskeyId) -> DbResult<Option<PasskeyName>> {
    let name = conn
        .fetch_optional(
            "delete from passkeys where passkey_id = $1 and user_id = $2 returning name",
            params![passkey.get(), user.get()],
            &|row| row.text("name"),
        )
        .await?;
    Ok(name.map(PasskeyName::from_trusted))
}

/// The passkey with `credential_id` (as `credential_id_text` writes it).
pub(crate) async fn find_by_credential(conn: &mut Conn<'_>, credential_id: &str) -> DbResult<Option<StoredPasskey>> {
    conn.fetch_optional(
        "select p.passkey_id, p.user_id, u.user_handle, p.credential from passkeys p \
         join passkey_users u on u.user_id = p.user_id where p.credential_id = $1",
        params![credential_id],
        &|row| {
            Ok(StoredPasskey {
                id: Id::new(row.int("passkey_id")?),
                user: Id::new(row.int("user_id")?),
                user_handle: row.text("user_handle")?,
                credential: row.text("credential")?,
            })
        },
    )
    .await
}

/// Records that `passkey` signed someone in at `now`, with its credential as the sign-in left it
/// (`None`: unchanged).
pub(crate) async fn record_use(
    conn: &mut Conn<'_>,
    passkey: PasskeyId,
    credential: Option<&str>,
    now: Timestamp,
) -> DbResult<()> {
    conn.execute(
        "update passkeys set last_used_at = $1, credential = coalesce($2, credential) where passkey_id = $3",
        params![now.millis(), credential, passkey.get()],
    )
    .await?;
    Ok(())
}

fn summary(row: &dyn Columns) -> DbResult<PasskeySummary> {
    Ok(PasskeySummary {
        id: Id::new(row.int("passkey_id")?),
        name: PasskeyName::from_trusted(row.text("name")?),
        created_at: Timestamp::from_millis(row.int("created_at")?),
        last_used_at: row.opt_int("last_used_at")?.map(Timestamp::from_millis),
    })
}
