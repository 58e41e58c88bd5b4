//! Ending a partnership from the pages, through the same use case as the API.

use axum::extract::{Path, State};
use axum::response::Response;

use super::errors::Asked;
use super::replies::{Changed, Done, finish};
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
            finish(&state, &me, &asked, done).await
        })
        .await
}
