//! Ending a partnership from the pages, through the same store function as the API.

use axum::extract::{Path, State};
use axum::response::Response;

use super::replies::{ActionContext, Changed, Done, finish};
use crate::domain::PartnershipId;
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::signed_in::SignedIn;

pub async fn end_partnership(
    State(state): State<AppState>,
    me: SignedIn,
    ctx: ActionContext,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = PartnershipId::parse_text(&id)?;
    let other = state.service.partnerships().end(me.id(), id).await?;
    let partner = state.service.accounts().user(other).await?;
    let message = match &partner {
        Some(user) => format!("Your partnership with {} has ended.", user.name),
        None => "The partnership has ended.".to_owned(),
    };
    let done = Done {
        message,
        changed: Changed { partners: true, ..Changed::default() },
        other: partner.map_or(me.id(), |user| user.id),
    };
    finish(&state, &me, ctx, done).await
}
