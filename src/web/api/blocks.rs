//! Blocking a user and lifting the block.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::json::BlockJson;
use crate::domain::UserId;
use crate::web::AppState;
use crate::web::error::{AppResult, ErrorBody};
use crate::web::extract::{ApiJson, ApiPath};
use crate::web::signed_in::SignedIn;

#[derive(Debug, Deserialize, ToSchema)]
pub struct BlockBody {
    #[schema(minimum = 1)]
    pub blocked_user_id: i64,
}

/// Block a user: no partner requests either way; a pending one between the two is rejected.
#[utoipa::path(post, path = "/users/{user_id}/blocks", tag = "blocks",
    params(("user_id" = i64, Path, minimum = 1)), request_body = BlockBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Blocked (also when already blocked)", body = BlockJson),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody),
        (status = 422, description = "`self_block`, `invalid_id`", body = ErrorBody),
    ))]
pub async fn block(
    State(state): State<AppState>,
    me: SignedIn,
    ApiPath(user_id): ApiPath<i64>,
    ApiJson(body): ApiJson<BlockBody>,
) -> AppResult<(StatusCode, Json<BlockJson>)> {
    let user = UserId::parse(user_id)?;
    me.require(user)?;
    let block = state.service.blocks().block(user, UserId::parse(body.blocked_user_id)?).await?;
    Ok((StatusCode::CREATED, Json(block.into())))
}

/// Lift a block.
#[utoipa::path(delete, path = "/users/{user_id}/blocks/{blocked_user_id}", tag = "blocks",
    params(("user_id" = i64, Path, minimum = 1), ("blocked_user_id" = i64, Path, minimum = 1)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Unblocked"),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`block_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_id`", body = ErrorBody),
    ))]
pub async fn unblock(
    State(state): State<AppState>,
    me: SignedIn,
    ApiPath((user_id, blocked_user_id)): ApiPath<(i64, i64)>,
) -> AppResult<StatusCode> {
    let user = UserId::parse(user_id)?;
    me.require(user)?;
    state.service.blocks().unblock(user, UserId::parse(blocked_user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
