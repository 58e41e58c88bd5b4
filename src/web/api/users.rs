//! `/users`: create, list and search, fetch one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::json::{Pagination, UserJson, UserPage};
use crate::domain::{Email, RuleError, SearchQuery, UserId, UserName};
use crate::web::AppState;
use crate::web::error::{AppResult, ErrorBody};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUser {
    #[schema(example = "alice@example.com")]
    pub email: String,
    #[schema(example = "Alice")]
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserSearch {
    /// Literal, case-insensitive substring of the name or e-mail.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub size: Option<i64>,
}

/// Create a user.
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserJson),
        (status = 409, description = "`email_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_email`, `invalid_name`", body = ErrorBody),
    ))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateUser>,
) -> AppResult<(StatusCode, Json<UserJson>)> {
    let name = UserName::parse(&body.name)?;
    let email = Email::parse(&body.email)?;
    let user = state.service.accounts().create(&email, &name).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// List users, optionally filtered by a search text. Without one, every user, by name. With one,
/// a search looks at 5,000 users at most (the first 5,000 the search index finds for three
/// characters or more, the 5,000 longest-standing users for one or two): when it stopped there,
/// `pagination.total_exact` is false and `total` counts the matches among those, and refining the
/// search finds the others.
#[utoipa::path(get, path = "/users", tag = "users", params(UserSearch),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 422, description = "`invalid_pagination`, `page_too_deep` (page × size over 10,000), `invalid_query`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many searches by this client; see `Retry-After`", body = ErrorBody),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<UserSearch>,
) -> AppResult<Json<UserPage>> {
    let page = PageQuery { page: query.page, size: query.size }.parse()?;
    let q = SearchQuery::parse(query.q.as_deref())?;
    let found = state.service.directory().search(&q, page).await?;
    let pagination = Pagination::from(&found);
    Ok(Json(UserPage { users: found.items.into_iter().map(Into::into).collect(), pagination }))
}

/// Fetch one user.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, description = "The user", body = UserJson),
        (status = 404, description = "`user_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_id`", body = ErrorBody),
    ))]
pub async fn get_user(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> AppResult<Json<UserJson>> {
    let id = UserId::parse(id)?;
    let user = state.service.accounts().user(id).await?.ok_or(RuleError::UserNotFound)?;
    Ok(Json(user.into()))
}
