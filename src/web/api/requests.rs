//! `/partner-requests`: send, answer, withdraw, fetch, and the received and sent lists.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::json::{Pagination, PartnerRequestJson, RequestPage};
use crate::domain::{Answer, CountedPage, PartnerRequest, RequestId, RequestMessage, UserId};
use crate::web::AppState;
use crate::web::error::{AppResult, ErrorBody};
use crate::web::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};
use crate::web::signed_in::SignedIn;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SendRequest {
    #[schema(minimum = 1)]
    pub recipient_id: i64,
    /// Optional; when given it must be the caller.
    #[schema(minimum = 1)]
    pub sender_id: Option<i64>,
    /// Optional note for the recipient, at most 500 characters.
    #[schema(max_length = 500)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RespondBody {
    /// `accept` or `reject`.
    #[schema(example = "accept")]
    pub action: String,
}

/// Send a partner request.
#[utoipa::path(post, path = "/partner-requests", tag = "partner requests", request_body = SendRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created, pending", body = PartnerRequestJson),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`: sender_id is not the caller", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody),
        (status = 409, description = "`duplicate_request`, `reverse_request_pending`, `already_partners`, `blocked`, `not_accepting_requests` (the recipient's setting refuses the sender), `cooldown` (after a rejection or a withdrawal; `error.retry_at` says from when)", body = ErrorBody),
        (status = 422, description = "`self_request`, `invalid_message`, `invalid_id`", body = ErrorBody),
        (status = 429, description = "`request_quota_exceeded`", body = ErrorBody),
    ))]
pub async fn send_request(
    State(state): State<AppState>,
    identity: SignedIn,
    ApiJson(body): ApiJson<SendRequest>,
) -> AppResult<(StatusCode, Json<PartnerRequestJson>)> {
    if let Some(sender) = body.sender_id {
        identity.require(UserId::parse(sender)?)?;
    }
    let recipient = UserId::parse(body.recipient_id)?;
    let message = RequestMessage::parse(body.message.as_deref())?;
    let request = state.service.requests().send(identity.id(), recipient, message.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(request.into())))
}

/// Pending requests the user received, newest first; a request past its `expires_at` is left out
/// (and out of the total) from that instant.
#[utoipa::path(get, path = "/partner-requests/received/{user_id}", tag = "partner requests",
    params(("user_id" = i64, Path, minimum = 1), PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of pending requests", body = RequestPage),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 422, description = "`invalid_pagination`, `page_too_deep` (page × size over 10,000), `invalid_id`", body = ErrorBody),
    ))]
pub async fn received(
    State(state): State<AppState>,
    identity: SignedIn,
    ApiPath(user_id): ApiPath<i64>,
    ApiQuery(paging): ApiQuery<PageQuery>,
) -> AppResult<Json<RequestPage>> {
    let user = UserId::parse(user_id)?;
    identity.require(user)?;
    let page = state.service.requests().received(user, paging.parse()?).await?;
    Ok(Json(request_page(page)))
}

/// Pending requests the user sent, newest first; a request past its `expires_at` is left out (and
/// out of the total) from that instant.
#[utoipa::path(get, path = "/partner-requests/sent/{user_id}", tag = "partner requests",
    params(("user_id" = i64, Path, minimum = 1), PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of pending requests", body = RequestPage),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 422, description = "`invalid_pagination`, `page_too_deep` (page × size over 10,000), `invalid_id`", body = ErrorBody),
    ))]
pub async fn sent(
    State(state): State<AppState>,
    identity: SignedIn,
    ApiPath(user_id): ApiPath<i64>,
    ApiQuery(paging): ApiQuery<PageQuery>,
) -> AppResult<Json<RequestPage>> {
    let user = UserId::parse(user_id)?;
    identity.require(user)?;
    let page = state.service.requests().sent(user, paging.parse()?).await?;
    Ok(Json(request_page(page)))
}

fn request_page(page: CountedPage<PartnerRequest>) -> RequestPage {
    let pagination = Pagination::from(&page);
    RequestPage { requests: page.items.into_iter().map(Into::into).collect(), pagination }
}

/// Fetch one request; only its sender and recipient may.
#[utoipa::path(get, path = "/partner-requests/{request_id}", tag = "partner requests",
    params(("request_id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The request", body = PartnerRequestJson),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`request_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_id`", body = ErrorBody),
    ))]
pub async fn get_request(
    State(state): State<AppState>,
    identity: SignedIn,
    ApiPath(request_id): ApiPath<i64>,
) -> AppResult<Json<PartnerRequestJson>> {
    let request = state.service.requests().get(identity.id(), RequestId::parse(request_id)?).await?;
    Ok(Json(request.into()))
}

/// Accept or reject a pending request; only its recipient may. Accepting creates the partnership.
#[utoipa::path(post, path = "/partner-requests/{request_id}/respond", tag = "partner requests",
    params(("request_id" = i64, Path, minimum = 1)), request_body = RespondBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "The request with its new status", body = PartnerRequestJson),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`request_not_found`", body = ErrorBody),
        (status = 409, description = "`not_pending` (also once it expired), `already_partners`", body = ErrorBody),
        (status = 422, description = "`invalid_action`", body = ErrorBody),
    ))]
pub async fn respond(
    State(state): State<AppState>,
    identity: SignedIn,
    ApiPath(request_id): ApiPath<i64>,
    ApiJson(body): ApiJson<RespondBody>,
) -> AppResult<Json<PartnerRequestJson>> {
    let request_id = RequestId::parse(request_id)?;
    let answer = Answer::parse(&body.action)?;
    let request = state.service.requests().answer(identity.id(), request_id, answer).await?;
    Ok(Json(request.into()))
}

/// Withdraw a pending request; only its sender may.
#[utoipa::path(post, path = "/partner-requests/{request_id}/cancel", tag = "partner requests",
    params(("request_id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The request, now cancelled", body = PartnerRequestJson),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`request_not_found`", body = ErrorBody),
        (status = 409, description = "`not_pending` (also once it expired)", body = ErrorBody),
        (status = 422, description = "`invalid_id`", body = ErrorBody),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    identity: SignedIn,
    ApiPath(request_id): ApiPath<i64>,
) -> AppResult<Json<PartnerRequestJson>> {
    let request = state.service.requests().withdraw(identity.id(), RequestId::parse(request_id)?).await?;
    Ok(Json(request.into()))
}
