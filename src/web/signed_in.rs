//! Who is acting, for the API and the pages alike: the user named by a bearer token (API
//! clients), else by the signed-in session (browsers). Handlers take [`SignedIn`] and pass its
//! id to the store, which applies every rule about who may do what.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use super::error::{AppError, Unauthorized};
use super::request::{Authorization, authorization};
use super::session::UserSession;
use crate::domain::{RuleError, User, UserId};

/// The acting user, who still exists, and the request's session.
pub struct SignedIn {
    pub user: User,
    pub session: UserSession,
}

impl SignedIn {
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// The user may act only on its own resources: `user` must be itself.
    pub fn require(&self, user: UserId) -> Result<(), AppError> {
        if self.user.id == user { Ok(()) } else { Err(RuleError::Forbidden.into()) }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(session) = UserSession::from_parts(parts) else {
            tracing::error!("the session layer is missing in front of a handler");
            return Err(AppError::Internal);
        };
        let user = match authorization(&parts.headers) {
            Authorization::Absent => return from_session(session, state).await,
            Authorization::Bearer(token) => {
                state.tokens.verify(token).map_err(|_| AppError::Unauthorized(Unauthorized::BadToken))?
            }
            Authorization::Unusable => {
                return Err(AppError::Unauthorized(Unauthorized::BadHeader));
            }
        };
        match state.service.accounts().user(user).await? {
            Some(user) => Ok(Self { user, session }),
            None => Err(AppError::Unauthorized(Unauthorized::NoSuchUser)),
        }
    }
}

/// The signed-in user of the session, who must still exist.
async fn from_session(session: UserSession, state: &AppState) -> Result<SignedIn, AppError> {
    match session_user(state, &session).await? {
        Some(user) => Ok(SignedIn { user, session }),
        None => Err(AppError::Unauthorized(Unauthorized::NoOne)),
    }
}

/// The signed-in user of `session`, if any and if that user still exists; the visit extends
/// the session.
pub async fn session_user(state: &AppState, session: &UserSession) -> Result<Option<User>, AppError> {
    let Some(id) = session.signed_in_user().await? else { return Ok(None) };
    let user = state.service.accounts().user(id).await?;
    if user.is_some() {
        session.touch().await?;
    }
    Ok(user)
}
