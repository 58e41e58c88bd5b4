//! A user's partnerships: the list, and ending one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::json::{Pagination, PartnershipPage};
use crate::domain::{PartnershipId, UserId};
use crate::web::AppState;
use crate::web::error::{AppResult, ErrorBody};
use crate::web::extract::{ApiPath, ApiQuery, PageQuery};
use crate::web::signed_in::SignedIn;

/// The user's partnerships, newest first.
#[utoipa::path(get, path = "/users/{user_id}/partnerships", tag = "partnerships",
    params(("user_id" = i64, Path, minimum = 1), PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of partnerships", body = PartnershipPage),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 422, description = "`invalid_pagination`, `page_too_deep` (page × size over 10,000), `invalid_id`", body = ErrorBody),
    ))]
pub async fn partnerships(
    State(state): State<AppState>,
    me: SignedIn,
    ApiPath(user_id): ApiPath<i64>,
    ApiQuery(paging): ApiQuery<PageQuery>,
) -> AppResult<Json<PartnershipPage>> {
    let user = UserId::parse(user_id)?;
    me.require(user)?;
    let page = state.service.partnerships().list(user, paging.parse()?).await?;
    let pagination = Pagination::from(&page);
    Ok(Json(PartnershipPage { partnerships: page.items.into_iter().map(Into::into).collect(), pagination }))
}

/// End a partnership; either member may.
#[utoipa::path(delete, path = "/partnerships/{partnership_id}", tag = "partnerships",
    params(("partnership_id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`partnership_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_id`", body = ErrorBody),
    ))]
pub async fn end_partnership(
    State(state): State<AppState>,
    me: SignedIn,
    ApiPath(partnership_id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    state.service.partnerships().end(me.id(), PartnershipId::parse(partnership_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
