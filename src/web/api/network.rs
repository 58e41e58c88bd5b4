//! The network around a user: partners in common with another user, and people they may know.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::{Pagination, UserJson, UserPage};
use crate::domain::{SuggestionCount, UserId};
use crate::web::AppState;
use crate::web::error::{AppResult, ErrorBody};
use crate::web::extract::{ApiPath, ApiQuery, PageQuery};
use crate::web::signed_in::SignedIn;

/// Users who are partners of both, by id. Bounded: the partners of the less-connected of the two
/// are examined, their newest 2,000 at most; when that one has more, `pagination.total_exact` is
/// false and `total` counts the partners in common among those examined.
#[utoipa::path(get, path = "/users/{user_id}/partners-in-common/{other_id}", tag = "network",
    params(("user_id" = i64, Path, minimum = 1), ("other_id" = i64, Path, minimum = 1), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users who are partners of both", body = UserPage),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`user_not_found`: no user `other_id`", body = ErrorBody),
        (status = 422, description = "`invalid_pagination`, `page_too_deep`, `invalid_id`", body = ErrorBody),
    ))]
pub async fn partners_in_common(
    State(state): State<AppState>,
    me: SignedIn,
    ApiPath((user_id, other_id)): ApiPath<(i64, i64)>,
    ApiQuery(paging): ApiQuery<PageQuery>,
) -> AppResult<Json<UserPage>> {
    let user = UserId::parse(user_id)?;
    me.require(user)?;
    let other = UserId::parse(other_id)?;
    let found = state.service.network().in_common(user, other, paging.parse()?).await?;
    let pagination = Pagination::from(&found);
    Ok(Json(UserPage { users: found.items.into_iter().map(Into::into).collect(), pagination }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionsQuery {
    /// How many, 1 to 50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionJson {
    pub user: UserJson,
    /// Partners shared with the caller, counted within the bounded walk (see the operation).
    pub partners_in_common: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionList {
    pub suggestions: Vec<SuggestionJson>,
}

/// People the user may know: partners of their partners, ranked by partners in common, then
/// newest user first; then, if too few, the newest users sharing no partner. Never the user,
/// their partners, anyone with a pending request either way, anyone blocked either way.
/// Bounded: the user's newest 100 partners are walked, and of each their newest 100 partners;
/// `partners_in_common` counts what that walk found (exact unless someone on it has more).
#[utoipa::path(get, path = "/users/{user_id}/suggestions", tag = "network",
    params(("user_id" = i64, Path, minimum = 1), SuggestionsQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Suggestions, best first", body = SuggestionList),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 422, description = "`invalid_pagination` (size outside 1..50), `invalid_id`", body = ErrorBody),
    ))]
pub async fn suggestions(
    State(state): State<AppState>,
    me: SignedIn,
    ApiPath(user_id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<SuggestionsQuery>,
) -> AppResult<Json<SuggestionList>> {
    let user = UserId::parse(user_id)?;
    me.require(user)?;
    let count = SuggestionCount::parse(query.size)?;
    let found = state.service.network().suggestions(user, count).await?;
    let suggestions = found
        .into_iter()
        .map(|s| SuggestionJson { user: s.user.into(), partners_in_common: s.partners_in_common })
        .collect();
    Ok(Json(SuggestionList { suggestions }))
}
