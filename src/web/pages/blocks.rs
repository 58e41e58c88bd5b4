//! Blocking and unblocking from the pages, through the same use cases as the API.

use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::actions::{Action, Done, answer_action};
use super::errors::Asked;
use crate::domain::UserId;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::signed_in::SignedIn;

#[derive(Debug, Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    pub user_id: String,
}

pub async fn block(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Form(form): Form<BlockForm>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            let other = UserId::parse_text(&form.user_id)?;
            state.service.blocks().block(me.id(), other).await?;
            answer_action(&state, &me, &asked, Done { action: Action::Blocked, other }).await
        })
        .await
}

pub async fn unblock(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Path(user_id): Path<String>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            let other = UserId::parse_text(&user_id)?;
            state.service.blocks().unblock(me.id(), other).await?;
            answer_action(&state, &me, &asked, Done { action: Action::Unblocked, other }).await
        })
        .await
}
