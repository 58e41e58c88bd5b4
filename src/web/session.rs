//! The browser session, typed: who is signed in, the one-time flash message, and the draft of a
//! sign-up form that failed. Every key lives here, so no handler spells one out.
//!
//! Records are kept by tower-sessions in the database (see `store::SessionStore`). A session
//! ends after [`INACTIVITY`] without use: tower-sessions only writes a record back when it
//! changed, so [`UserSession::touch`] records a visit at most once per [`TOUCH_EVERY`], which
//! moves the expiry forward without a write on every request.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::domain::{Timestamp, UserId};

/// A session unused this long is gone.
pub const INACTIVITY: time::Duration = time::Duration::days(7);
/// How stale the last recorded visit may be before a request records a new one.
const TOUCH_EVERY: i64 = 60 * 60 * 1000;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "dealnest_session";

const USER_ID: &str = "user_id";
const SEEN_AT: &str = "seen_at";
const FLASH: &str = "flash";
const SIGNUP_DRAFT: &str = "signup_draft";
const PASSKEY_CEREMONY: &str = "passkey_ceremony";

/// A message shown once, on the next page the browser loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlashKind {
    Success,
    Error,
}

impl Flash {
    pub fn success(text: impl Into<String>) -> Self {
        Self { kind: FlashKind::Success, text: text.into() }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self { kind: FlashKind::Error, text: text.into() }
    }

    pub fn is_error(&self) -> bool {
        self.kind == FlashKind::Error
    }
}

/// What a person typed into the sign-up form, kept when it was refused so they need not type it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupDraft {
    pub name: String,
    pub email: String,
}

/// A failure to read or write the session record (the database, or a record that no longer decodes).
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(#[from] tower_sessions::session::Error);

impl SessionError {
    /// When the database being unavailable is why the session could not be read or written.
    pub fn unavailable(&self) -> Option<crate::store::Unavailable> {
        match &self.0 {
            tower_sessions::session::Error::Store(error) => crate::store::unavailable_cause(error),
            _ => None,
        }
    }
}

/// The typed view of the request's session.
#[derive(Debug, Clone)]
pub struct UserSession(Session);

impl UserSession {
    /// The signed-in user's id, as the session remembers it (the caller checks the user still exists).
    pub async fn signed_in_user(&self) -> Result<Option<UserId>, SessionError> {
        let id: Option<i64> = self.0.get(USER_ID).await?;
        Ok(id.and_then(|id| UserId::parse(id).ok()))
    }

    /// Signs `user` in under a fresh session id, so an id planted before sign-in is worthless after it.
    pub async fn sign_in(&self, user: UserId) -> Result<(), SessionError> {
        self.0.cycle_id().await?;
        self.0.insert(USER_ID, user.get()).await?;
        self.0.insert(SEEN_AT, Timestamp::now().millis()).await?;
        Ok(())
    }

    /// Deletes the session record and forgets its id.
    pub async fn sign_out(&self) -> Result<(), SessionError> {
        self.0.flush().await?;
        Ok(())
    }

    /// Records a visit when the last one is older than [`TOUCH_EVERY`], which saves the record and
    /// so moves its expiry [`INACTIVITY`] into the future.
    pub async fn touch(&self) -> Result<(), SessionError> {
        let now = Timestamp::now().millis();
        let seen: Option<i64> = self.0.get(SEEN_AT).await?;
        if seen.is_none_or(|seen| now - seen > TOUCH_EVERY) {
            self.0.insert(SEEN_AT, now).await?;
        }
        Ok(())
    }

    pub async fn set_flash(&self, flash: Flash) -> Result<(), SessionError> {
        self.0.insert(FLASH, flash).await?;
        Ok(())
    }

    /// The flash message, removed so it shows once.
    pub async fn take_flash(&self) -> Result<Option<Flash>, SessionError> {
        self.take(FLASH).await
    }

    pub async fn set_signup_draft(&self, draft: SignupDraft) -> Result<(), SessionError> {
        self.0.insert(SIGNUP_DRAFT, draft).await?;
        Ok(())
    }

    pub async fn take_signup_draft(&self) -> Result<Option<SignupDraft>, SessionError> {
        self.take(SIGNUP_DRAFT).await
    }

    /// Keeps the passkey ceremony under way (see `web::passkeys`), replacing any other.
    pub async fn set_passkey_ceremony<T: Serialize>(&self, ceremony: &T) -> Result<(), SessionError> {
        self.0.insert(PASSKEY_CEREMONY, ceremony).await?;
        Ok(())
    }

    /// The passkey ceremony under way, removed so it is used once; as JSON, which the caller
    /// reads (a record from another version may not).
    pub async fn take_passkey_ceremony(&self) -> Result<Option<serde_json::Value>, SessionError> {
        self.take(PASSKEY_CEREMONY).await
    }

    /// Removes `key` only when it is there: tower-sessions marks a session changed on any
    /// removal, and a changed session is written back to the database, so removing an absent
    /// key would make every page view a write.
    async fn take<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        let value: Option<T> = self.0.get(key).await?;
        if value.is_some() {
            self.0.remove_value(key).await?;
        }
        Ok(value)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for UserSession {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::from_request_parts(parts, state).await.map(Self)
    }
}

impl UserSession {
    /// The session of a request that went through the session layer, if it did.
    pub fn from_parts(parts: &Parts) -> Option<Self> {
        Self::from_extensions(&parts.extensions)
    }

    pub fn from_extensions(extensions: &axum::http::Extensions) -> Option<Self> {
        extensions.get::<Session>().cloned().map(Self)
    }
}
