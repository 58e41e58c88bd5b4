//! The one error type of the HTTP layer and its mapping to the contract's statuses and codes.
//!
//! Every failure a handler can meet becomes an [`ApiError`]; its JSON form is the contract's
//! error body `{"error": {"code", "message"}}`. A 5xx body never reveals the cause, which is
//! logged inside the request's span instead.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::RuleError;
use crate::store::{StoreError, Unavailable};
use crate::web::session::SessionError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait before retrying (429, 503).
    pub retry_after: Option<u64>,
    /// Set when the database being unavailable is why: the response then carries [`Refused`].
    pub refused: Option<Unavailable>,
}

/// A response extension: this request was refused because the database was unavailable. Read
/// by [`count_refusals`], whichever interface made the response.
#[derive(Debug, Clone, Copy)]
pub struct Refused(pub Unavailable);

/// Middleware: counts every request refused because the database was unavailable, by cause
/// (`dealnest_requests_refused_total`), and in the outage under way (its end is logged with the
/// count).
pub async fn count_refusals(
    axum::extract::State(state): axum::extract::State<super::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if let Some(Refused(cause)) = response.extensions().get::<Refused>() {
        state.store.outages().refused(*cause);
    }
    response
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The contract's error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code, e.g. `duplicate_request`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None, refused: None }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden() -> Self {
        RuleError::Forbidden.into()
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "There is nothing at this address.")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "This address does not accept that method.")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side.")
    }
}

/// The HTTP status of each broken rule.
pub fn rule_status(rule: &RuleError) -> StatusCode {
    use RuleError::*;
    match rule {
        InvalidEmail(_) | InvalidName(_) | InvalidMessage | InvalidPagination(_) | PageTooDeep(_) | InvalidQuery
        | InvalidId | InvalidAction | SelfRequest | SelfBlock => StatusCode::UNPROCESSABLE_ENTITY,
        EmailTaken | DuplicateRequest | ReverseRequestPending(_) | AlreadyPartners | Blocked | NotPending => {
            StatusCode::CONFLICT
        }
        UserNotFound | RequestNotFound | PartnershipNotFound | BlockNotFound => StatusCode::NOT_FOUND,
        Forbidden => StatusCode::FORBIDDEN,
        QuotaExceeded(_) | NewAccountQuotaExceeded(_) => StatusCode::TOO_MANY_REQUESTS,
    }
}

impl From<RuleError> for ApiError {
    fn from(rule: RuleError) -> Self {
        let mut error = Self::new(rule_status(&rule), rule.code(), rule.to_string());
        if matches!(rule, RuleError::QuotaExceeded(_) | RuleError::NewAccountQuotaExceeded(_)) {
            error.retry_after = Some(3600);
        }
        error
    }
}

impl ApiError {
    /// 503 with the cause's code, sentence and `Retry-After`.
    pub fn unavailable(cause: Unavailable) -> Self {
        let mut error = Self::new(StatusCode::SERVICE_UNAVAILABLE, cause.code(), cause.message());
        error.retry_after = Some(cause.retry_after());
        error.refused = Some(cause);
        error
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        if let Some(cause) = error.unavailable() {
            // The outage's start and end are logged once, by the store.
            tracing::debug!(error = &error as &dyn std::error::Error, "session store unavailable");
            return Self::unavailable(cause);
        }
        tracing::error!(error = &error as &dyn std::error::Error, "cannot read the session");
        Self::internal()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rule(rule) => rule.into(),
            StoreError::Database(cause) if let Some(unavailable) = cause.unavailable() => {
                tracing::debug!(error = %cause, "database unavailable");
                Self::unavailable(unavailable)
            }
            StoreError::Database(cause) => {
                tracing::error!(error = &cause as &dyn std::error::Error, "database error");
                Self::internal()
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let (status, code) = match &rejection {
            JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_error"),
            JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            JsonRejection::MissingJsonContentType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large.");
            }
            _ => (StatusCode::BAD_REQUEST, "invalid_body"),
        };
        Self::new(status, code, rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_id",
            format!("An id in the path is not a valid id: {}", rejection.body_text()),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message } };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(cause) = self.refused {
            response.extensions_mut().insert(Refused(cause));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
