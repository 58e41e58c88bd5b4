//! Answering or withdrawing many partner requests at once.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{BulkAction, BulkIds, RequestStatus};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult, ErrorBody, ErrorDetail};
use crate::web::extract::ApiJson;
use crate::web::signed_in::SignedIn;

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkBody {
    /// `accept`, `reject` or `cancel`.
    #[schema(example = "accept")]
    pub action: String,
    /// 1 to 100 request ids, none repeated.
    #[schema(min_items = 1, max_items = 100)]
    pub request_ids: Vec<i64>,
}

/// One id's outcome: its new `status`, or the `error` the single endpoint would have answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub request_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<RequestStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResults {
    /// In the order the ids were given.
    pub results: Vec<BulkResult>,
}

/// Accept, reject or withdraw many requests. Each id is handled exactly as its single endpoint
/// would handle it (same authorization, same errors, its own transaction and notification), one
/// after the other: one failing id never stops or undoes the others.
#[utoipa::path(post, path = "/partner-requests/bulk", tag = "partner requests", request_body = BulkBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What happened to each id", body = BulkResults),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 422, description = "`invalid_action`; `invalid_request_ids` (none, over 100, or one repeated)", body = ErrorBody),
    ))]
pub async fn bulk(
    State(state): State<AppState>,
    me: SignedIn,
    ApiJson(body): ApiJson<BulkBody>,
) -> AppResult<Json<BulkResults>> {
    let action = BulkAction::parse(&body.action)?;
    let ids = BulkIds::parse(body.request_ids)?;
    let outcomes = state.service.requests().bulk(me.id(), action, &ids).await;
    let results = outcomes
        .into_iter()
        .map(|outcome| match outcome.result {
            Ok(request) => BulkResult { request_id: outcome.raw_id, status: Some(request.status), error: None },
            Err(error) => {
                let detail = AppError::from(error).problem().detail();
                BulkResult { request_id: outcome.raw_id, status: None, error: Some(detail) }
            }
        })
        .collect();
    Ok(Json(BulkResults { results }))
}
