//! Passkeys: the credentials a user signs in with (`passkeys`), and the user's WebAuthn user
//! handle (`passkey_users`). The credential itself is the WebAuthn library's serialisation,
//! kept as text and never read here; the store keeps it, finds it by credential id, and caps
//! how many one user has ([`MAX_PASSKEYS`]).

use super::db::{Columns, Conn, DbResult, params};
use super::users::user_in;
use super::{Store, StoreResult};
use crate::domain::{Id, MAX_PASSKEYS, PasskeyId, PasskeyName, PasskeySummary, RuleError, Timestamp, UserId};

/// What starting a registration needs: the user's handle and the credentials it already has,
/// which the browser is told not to register again.
#[derive(Debug, Clone)]
pub struct PasskeyOwner {
    pub user_handle: String,
    pub credential_ids: Vec<String>,
}

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

impl Store {
    /// `user`'s passkeys in the order they were added (at most [`MAX_PASSKEYS`]).
    pub async fn passkeys(&self, user: UserId) -> StoreResult<Vec<PasskeySummary>> {
        self.db
            .read(async move |conn| {
                Ok(conn
                    .fetch_all(
                        "select passkey_id, name, created_at, last_used_at from passkeys \
                         where user_id = $1 order by passkey_id limit $2",
                        params![user.get(), MAX_PASSKEYS as i64],
                        &summary,
                    )
                    .await?)
            })
            .await
    }

    /// Gets `user` ready to register a passkey: its WebAuthn user handle (made now, once, when
    /// it has none) and the credential ids it already has. At the cap, `TooManyPasskeys`.
    pub async fn passkey_owner(&self, user: UserId, new_handle: String) -> StoreResult<PasskeyOwner> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                user_in(conn, user).await?.ok_or(RuleError::UserNotFound)?;
                conn.execute(
                    "insert into passkey_users (user_id, user_handle, created_at) values ($1, $2, $3) \
                     on conflict (user_id) do nothing",
                    params![user.get(), &new_handle, now.millis()],
                )
                .await?;
                let user_handle = handle_of(conn, user).await?;
                let credential_ids = conn
                    .fetch_all(
                        "select credential_id from passkeys where user_id = $1 order by passkey_id limit $2",
                        params![user.get(), MAX_PASSKEYS as i64],
                        &|row| row.text("credential_id"),
                    )
                    .await?;
                if credential_ids.len() >= MAX_PASSKEYS {
                    return Err(RuleError::TooManyPasskeys(MAX_PASSKEYS).into());
                }
                Ok(PasskeyOwner { user_handle, credential_ids })
            })
            .await
    }

    /// Adds a passkey that `user` registered with `user_handle`. Refused when that is not the
    /// user's handle (`Forbidden`), at the cap (`TooManyPasskeys`), or when the credential is already
    /// registered, to anyone (`PasskeyTaken`).
    pub async fn add_passkey(&self, user: UserId, user_handle: String, passkey: NewPasskey) -> StoreResult<PasskeyId> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                // The no-op update locks the user's row (PostgreSQL), so two registrations at
                // once are counted one after the other and the cap holds; SQLite has one writer.
                let current = conn
                    .fetch_one(
                        "insert into passkey_users (user_id, user_handle, created_at) values ($1, $2, $3) \
                         on conflict (user_id) do update set user_handle = passkey_users.user_handle \
                         returning user_handle",
                        params![user.get(), &user_handle, now.millis()],
                        &|row| row.text("user_handle"),
                    )
                    .await?;
                // A handle is never changed once made, so this refuses only a registration
                // begun for an account that is gone.
                if current != user_handle {
                    return Err(RuleError::Forbidden.into());
                }
                let count = conn
                    .fetch_one("select count(*) as n from passkeys where user_id = $1", params![user.get()], &|row| {
                        row.int("n")
                    })
                    .await?;
                if count >= MAX_PASSKEYS as i64 {
                    return Err(RuleError::TooManyPasskeys(MAX_PASSKEYS).into());
                }
                let inserted = conn
                    .fetch_one(
                        "insert into passkeys (user_id, name, credential_id, credential, created_at) \
                         values ($1, $2, $3, $4, $5) returning passkey_id",
                        params![
                            user.get(),
                            passkey.name.as_str(),
                            &passkey.credential_id,
                            &passkey.credential,
                            now.millis()
                        ],
                        &|row| row.int("passkey_id"),
                    )
                    .await;
                match inserted {
                    Ok(id) => Ok(Id::new(id)),
                    // The only unique constraint a new row can break: passkeys_credential_id_key.
                    Err(e) if e.is_unique_violation() => Err(RuleError::PasskeyTaken.into()),
                    Err(e) => Err(e.into()),
                }
            })
            .await
    }

    /// Removes one of `user`'s own passkeys and says what it was called; another user's, or
    /// none, is `PasskeyNotFound`.
    pub async fn remove_passkey(&self, user: UserId, passkey: PasskeyId) -> StoreResult<PasskeyName> {
        self.db
            .write(async move |conn| {
                let removed = conn
                    .fetch_optional(
                        "delete from passkeys where passkey_id = $1 and user_id = $2 returning name",
                        params![passkey.get(), user.get()],
                        &|row| row.text("name"),
                    )
                    .await?;
                Ok(PasskeyName::from_trusted(removed.ok_or(RuleError::PasskeyNotFound)?))
            })
            .await
    }

    /// The passkey with `credential_id` (as `credential_id_text` writes it), for signing in.
    pub async fn passkey_by_credential(&self, credential_id: String) -> StoreResult<Option<StoredPasskey>> {
        self.db
            .read(async move |conn| {
                Ok(conn
                    .fetch_optional(
                        "select p.passkey_id, p.user_id, u.user_handle, p.credential from passkeys p \
                         join passkey_users u on u.user_id = p.user_id where p.credential_id = $1",
                        params![&credential_id],
                        &|row| {
                            Ok(StoredPasskey {
                                id: Id::new(row.int("passkey_id")?),
                                user: Id::new(row.int("user_id")?),
                                user_handle: row.text("user_handle")?,
                                credential: row.text("credential")?,
                            })
                        },
                    )
                    .await?)
            })
            .await
    }

    /// Records that `passkey` signed someone in now, with its credential as the sign-in left it
    /// (`None`: unchanged).
    pub async fn record_passkey_use(&self, passkey: PasskeyId, credential: Option<String>) -> StoreResult<()> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                conn.execute(
                    "update passkeys set last_used_at = $1, credential = coalesce($2, credential) \
                     where passkey_id = $3",
                    params![now.millis(), credential.as_deref(), passkey.get()],
                )
                .await?;
                Ok(())
            })
            .await
    }
}

async fn handle_of(conn: &mut Conn<'_>, user: UserId) -> DbResult<String> {
    conn.fetch_one("select user_handle from passkey_users where user_id = $1", params![user.get()], &|row| {
        row.text("user_handle")
    })
    .await
}

fn summary(row: &dyn Columns) -> DbResult<PasskeySummary> {
    Ok(PasskeySummary {
        id: Id::new(row.int("passkey_id")?),
        name: PasskeyName::from_trusted(row.text("name")?),
        created_at: Timestamp::from_millis(row.int("created_at")?),
        last_used_at: row.opt_int("last_used_at")?.map(Timestamp::from_millis),
    })
}
