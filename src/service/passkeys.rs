//! Passkeys: a user's list, getting ready to add one, adding it within the cap, removing one of
//! one's own, and finding the passkey a sign-in answered with. The WebAuthn ceremonies themselves
//! are the web layer's (`web/passkeys.rs`), the verification the library's.

use super::handle::Service;
use crate::domain::{MAX_PASSKEYS, PasskeyId, PasskeyName, PasskeySummary, RuleError, UserId};
use crate::store::passkeys::{self, NewPasskey, StoredPasskey};
use crate::store::{StoreResult, users};

#[derive(Clone, Copy)]
pub struct Passkeys<'a>(pub(super) &'a Service);

/// What starting a registration needs: the user's handle and the credentials it already has,
/// which the browser is told not to register again.
#[derive(Debug, Clone)]
pub struct PasskeyOwner {
    pub user_handle: String,
    pub credential_ids: Vec<String>,
}

impl Passkeys<'_> {
    /// `user`'s passkeys in the order they were added (at most [`MAX_PASSKEYS`]).
    pub async fn list(self, user: UserId) -> StoreResult<Vec<PasskeySummary>> {
        self.0.0.db.read(async move |conn| Ok(passkeys::list(conn, user, MAX_PASSKEYS).await?)).await
    }

    /// Gets `user` ready to register a passkey: its WebAuthn user handle (`new_handle`, made
    /// theirs now when they have none) and the credential ids it already has. At the cap,
    /// `TooManyPasskeys`.
    pub async fn owner(self, user: UserId, new_handle: String) -> StoreResult<PasskeyOwner> {
        let now = self.0.now();
        self.0
            .0
            .db
            .write(async move |conn| {
                users::find(conn, user).await?.ok_or(RuleError::UserNotFound)?;
                let user_handle = passkeys::handle(conn, user, &new_handle, now).await?;
                let credential_ids = passkeys::credential_ids(conn, user, MAX_PASSKEYS).await?;
                if credential_ids.len() >= MAX_PASSKEYS {
                    return Err(RuleError::TooManyPasskeys(MAX_PASSKEYS).into());
                }
                Ok(PasskeyOwner { user_handle, credential_ids })
            })
            .await
    }

    /// Adds a passkey that `user` registered with `user_handle`. Refused when that is not the
    /// user's handle (`Forbidden`: a registration begun for an account that is gone), at the cap
    /// (`TooManyPasskeys`), or when the credential is registered already, to anyone
    /// (`PasskeyTaken`).
    pub async fn add(self, user: UserId, user_handle: String, passkey: NewPasskey) -> StoreResult<PasskeyId> {
        let now = self.0.now();
        self.0
            .0
            .db
            .write(async move |conn| {
                if passkeys::handle(conn, user, &user_handle, now).await? != user_handle {
                    return Err(RuleError::Forbidden.into());
                }
                if passkeys::count(conn, user).await? >= MAX_PASSKEYS as i64 {
                    return Err(RuleError::TooManyPasskeys(MAX_PASSKEYS).into());
                }
                Ok(passkeys::insert(conn, user, &passkey, now).await?.ok_or(RuleError::PasskeyTaken)?)
            })
            .await
    }

    /// Removes one of `user`'s own passkeys and says what it was called; another user's, or
    /// none, is `PasskeyNotFound`.
    pub async fn remove(self, user: UserId, passkey: PasskeyId) -> StoreResult<PasskeyName> {
        self.0
            .0
            .db
            .write(async move |conn| {
                Ok(passkeys::delete(conn, user, passkey).await?.ok_or(RuleError::PasskeyNotFound)?)
            })
            .await
    }

    /// The passkey with `credential_id` (as `credential_id_text` writes it), for signing in.
    pub async fn by_credential(self, credential_id: String) -> StoreResult<Option<StoredPasskey>> {
        self.0.0.db.read(async move |conn| Ok(passkeys::find_by_credential(conn, &credential_id).await?)).await
    }

    /// Records that `passkey` signed someone in now, with its credential as the sign-in left it
    /// (`None`: unchanged).
    pub async fn record_use(self, passkey: PasskeyId, credential: Option<String>) -> StoreResult<()> {
        let now = self.0.now();
        self.0
            .0
            .db
            .write(async move |conn| Ok(passkeys::record_use(conn, passkey, credential.as_deref(), now).await?))
            .await
    }
}
