//! Who is acting: the user named by a bearer token (API clients) or by the signed-in session
//! (browsers). Handlers take [`Identity`] and pass its id to the store, which applies every rule
//! about who may do what.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use super::request::{Authorization, authorization};
use super::session::UserSession;
use crate::domain::UserId;

/// The acting user, known to exist.
#[derive(Debug, Clone, Copy)]
pub struct Identity(pub UserId);

impl Identity {
    pub fn id(self) -> UserId {
        self.0
    }

    /// The identity may act only on its own resources: `user` must be itself.
    pub fn require(self, user: UserId) -> Result<(), ApiError> {
        if self.0 == user { Ok(()) } else { Err(ApiError::forbidden()) }
    }
}

impl FromRequestParts<AppState> for Identity {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = match authorization(&parts.headers) {
            Authorization::Absent => return from_session(parts, state).await,
            Authorization::Bearer(token) => token,
            Authorization::Unusable => {
                return Err(ApiError::unauthorized("The Authorization header must be `Bearer <token>`."));
            }
        };
        let user = state
            .tokens
            .verify(token)
            .map_err(|_| ApiError::unauthorized("The bearer token is invalid or expired."))?;
        if !state.store.user_exists(user).await? {
            return Err(ApiError::unauthorized("The bearer token names a user that does not exist."));
        }
        Ok(Self(user))
    }
}

/// A browser's identity: the signed-in user of its session, if that user still exists.
async fn from_session(parts: &Parts, state: &AppState) -> Result<Identity, ApiError> {
    let signed_out = || ApiError::unauthorized("Sign in or send a bearer token.");
    let session = UserSession::from_parts(parts).ok_or_else(signed_out)?;
    let user = session.signed_in_user().await?;
    let user = user.ok_or_else(signed_out)?;
    if !state.store.user_exists(user).await? {
        return Err(signed_out());
    }
    Ok(Identity(user))
}
