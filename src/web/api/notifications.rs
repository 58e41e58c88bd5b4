//! A user's notifications.

use axum::Json;
use axum::extract::State;

use super::json::{NotificationPage, Pagination};
use crate::domain::UserId;
use crate::web::AppState;
use crate::web::error::{AppResult, ErrorBody};
use crate::web::extract::{ApiPath, ApiQuery, PageQuery};
use crate::web::signed_in::SignedIn;

/// The user's notifications, newest first.
#[utoipa::path(get, path = "/users/{user_id}/notifications", tag = "notifications",
    params(("user_id" = i64, Path, minimum = 1), PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of notifications", body = NotificationPage),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 422, description = "`invalid_pagination`, `page_too_deep` (page × size over 10,000), `invalid_id`", body = ErrorBody),
    ))]
pub async fn notifications(
    State(state): State<AppState>,
    me: SignedIn,
    ApiPath(user_id): ApiPath<i64>,
    ApiQuery(paging): ApiQuery<PageQuery>,
) -> AppResult<Json<NotificationPage>> {
    let user = UserId::parse(user_id)?;
    me.require(user)?;
    let page = state.service.notifications().list(user, paging.parse()?).await?;
    let pagination = Pagination::from(&page);
    Ok(Json(NotificationPage { notifications: page.items.into_iter().map(Into::into).collect(), pagination }))
}
