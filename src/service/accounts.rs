//! Accounts: creating a user, and knowing who a user id names (every signed-in request asks).
//! This is where the account operations to come belong: sign-in links, passkeys, API tokens,
//! sessions and devices, export and erasure; the browser sessions' records are already kept by
//! the store (`store/sessions.rs`).

use super::handle::Service;
use crate::domain::{Email, RuleError, User, UserId, UserName};
use crate::store::{SessionStore, StoreResult, users};

#[derive(Clone, Copy)]
pub struct Accounts<'a>(pub(super) &'a Service);

impl Accounts<'_> {
    /// Creates a user; an e-mail already registered (in any letter case) is `EmailTaken`.
    pub async fn create(self, email: &Email, name: &UserName) -> StoreResult<User> {
        let (email, name, now) = (email.clone(), name.clone(), self.0.now());
        let user = self.0.0.db.write(async move |conn| users::insert(conn, &email, &name, now).await).await?;
        self.0.0.caches.users.insert(&user);
        Ok(user)
    }

    /// The user `id`; users once read are kept (see `caches.rs`), so this is mostly no query.
    /// An unknown id always asks the database.
    pub async fn user(self, id: UserId) -> StoreResult<Option<User>> {
        let cache = &self.0.0.caches.users;
        if let Some(user) = cache.get(id) {
            return Ok(Some(user));
        }
        let user = self.0.0.db.read(async move |conn| Ok(users::find(conn, id).await?)).await?;
        if let Some(user) = &user {
            cache.insert(user);
        }
        Ok(user)
    }

    /// Like [`Accounts::user`], but a missing user is `UserNotFound`.
    pub async fn existing(self, id: UserId) -> StoreResult<User> {
        self.user(id).await?.ok_or_else(|| RuleError::UserNotFound.into())
    }

    /// Whether any user exists.
    pub async fn any(self) -> StoreResult<bool> {
        self.0.0.db.read(async |conn| Ok(users::any(conn).await?)).await
    }

    /// Where the browser sessions' records are kept (for tower-sessions).
    pub fn sessions(self) -> SessionStore {
        SessionStore::new(&self.0.0.db)
    }
}
