//! Ending a partnership from the pages, through the same use case as the API.

use axum::extract::{Path, State};
use axum::response::Response;

use super::actions::{Action, Done, answer_action};
use super::errors::Asked;
use crate::domain::PartnershipId;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::signed_in::SignedIn;

pub async fn end_partnership(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Path(id): Path<String>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            let id = PartnershipId::parse_text(&id)?;
            let other = state.service.partnerships().end(me.id(), id).await?;
            answer_action(&state, &me, &asked, Done { action: Action::Ended, other }).await
        })
        .await
}
