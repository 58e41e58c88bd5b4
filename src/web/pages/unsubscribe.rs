//! `/unsubscribe/{token}`: the address in every mail's `List-Unsubscribe` header and footer.
//! Nobody signs in: the signed token says whose mail and which kind.
//!
//! `GET` only shows what would stop and a button, because mail scanners open every link in a
//! mail; `POST` (the button, or a mail provider's bare one-click POST under RFC 8058) turns it
//! off. A token that does not verify changes nothing and says so.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::errors::Asked;
use super::layout::Layout;
use crate::domain::{Unsubscribe, UserId};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};

#[derive(Template, WebTemplate)]
#[template(path = "unsubscribe.html")]
pub struct UnsubscribePage {
    pub layout: Layout,
    pub token: String,
    pub name: String,
    pub what: &'static str,
    /// Already turned off (after the POST).
    pub done: bool,
}

/// The longest token looked at; a real one is about 200 bytes.
const MAX_TOKEN: usize = 1_000;

fn verify(state: &AppState, token: &str) -> AppResult<(UserId, Unsubscribe)> {
    let refused = || AppError::InvalidUnsubscribeLink;
    if token.len() > MAX_TOKEN {
        return Err(refused());
    }
    state.tokens.verify_unsubscribe(token).map_err(|_| refused())
}

async fn page(state: &AppState, token: String, done: bool) -> AppResult<UnsubscribePage> {
    let (user, scope) = verify(state, &token)?;
    let user = state.service.accounts().user(user).await?.ok_or(AppError::NotFound)?;
    if done {
        state.service.settings().unsubscribe(user.id, scope).await?;
    }
    Ok(UnsubscribePage {
        layout: Layout::bare(if done { "Unsubscribed" } else { "Unsubscribe" }),
        token,
        name: user.name.as_str().to_owned(),
        what: scope.describe(),
        done,
    })
}

pub async fn show(State(state): State<AppState>, asked: Asked, Path(token): Path<String>) -> Response {
    asked.answer(async { Ok(page(&state, token, false).await?.into_response()) }).await
}

/// Whatever the body says (`List-Unsubscribe=One-Click`, a form, nothing), the token decides.
pub async fn confirm(State(state): State<AppState>, asked: Asked, Path(token): Path<String>) -> Response {
    asked.answer(async { Ok(page(&state, token, true).await?.into_response()) }).await
}
