//! The one error type of the HTTP layer. A handler of either interface fails with an
//! [`AppError`]: the status, the contract's stable code and a sentence for people (the same
//! sentence in the API and in the pages), and what kind of failure it is. Its response is the
//! contract's JSON error body, marked with the error itself; for the pages, `render.rs` turns the
//! marked response into what a browser should see (a page, a fragment where the action was, a
//! flash message back on the page a form came from, or the way to sign in).
//!
//! A 5xx never explains itself: its cause is logged where it happened, and the outage of a
//! database is logged once by the store.

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
pub struct AppError {
    pub status: StatusCode,
    /// The contract's stable code, e.g. `duplicate_request`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// Seconds to wait before retrying (429, 503).
    pub retry_after: Option<u64>,
    /// When waiting helps, the instant from which a retry can succeed (`cooldown`).
    pub retry_at: Option<crate::domain::Timestamp>,
    pub kind: Kind,
}

/// What kind of failure an error is, which decides how the pages answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The person's own mistake or limit (a rule of the product, too many changes): a form
    /// comes back to its page with the message.
    Mistake,
    /// Too many searches: the message goes where the results would.
    SearchesLimited,
    /// No one is signed in (or the token is no good): the pages send the browser to sign in.
    SignedOut,
    /// The database is unavailable, for this reason.
    Unavailable(Unavailable),
    /// Anything else: an address that does not exist, a request we cannot read, a failure of ours.
    Other,
}

pub type AppResult<T> = Result<T, AppError>;

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
    /// RFC 3339; from when a retry can succeed, where waiting helps (`cooldown`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub retry_at: Option<String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None, retry_at: None, kind: Kind::Other }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self { kind: Kind::SignedOut, ..Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message) }
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

    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "That was more than we accept in one request (64 KiB).",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side. Please try again in a moment.",
        )
    }

    /// 503 with the cause's code, sentence and `Retry-After`.
    pub fn unavailable(cause: Unavailable) -> Self {
        Self {
            retry_after: Some(cause.retry_after()),
            kind: Kind::Unavailable(cause),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, cause.code(), cause.message())
        }
    }

    /// 429: too many writes (or, with `searches`, searches) from one client; `wait` seconds.
    pub fn rate_limited(searches: bool, wait: u64) -> Self {
        let (what, kind) =
            if searches { ("searching", Kind::SearchesLimited) } else { ("making changes", Kind::Mistake) };
        let message = format!("You are {what} too quickly. Please wait {wait} seconds and try again.");
        Self { retry_after: Some(wait), kind, ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message) }
    }

    /// The heading of the page that says so.
    pub fn title(&self) -> &'static str {
        match self.kind {
            Kind::Mistake => "That did not work",
            Kind::SearchesLimited => "Slow down",
            Kind::SignedOut => "Sign in",
            Kind::Unavailable(_) => "Not available right now",
            Kind::Other if self.status == StatusCode::NOT_FOUND => "Page not found",
            Kind::Other if self.status == StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            Kind::Other if self.status == StatusCode::FORBIDDEN => "Request refused",
            Kind::Other if self.status.is_server_error() => "Something went wrong",
            Kind::Other => "That did not work",
        }
    }
}

/// The HTTP status of each broken rule.
pub fn rule_status(rule: &RuleError) -> StatusCode {
    use RuleError::*;
    match rule {
        InvalidEmail(_)
        | InvalidName(_)
        | InvalidMessage
        | InvalidPagination(_)
        | PageTooDeep(_)
        | InvalidQuery
        | InvalidId
        | InvalidAction
        | InvalidBulkAction
        | InvalidRequestIds(_)
        | SelfRequest
        | SelfBlock
        | InvalidSettings(_)
        | InvalidPasskeyName(_) => StatusCode::UNPROCESSABLE_ENTITY,
        EmailTaken
        | DuplicateRequest
        | ReverseRequestPending(_)
        | AlreadyPartners
        | Blocked
        | NotPending
        | Cooldown(_)
        | NotAcceptingRequests
        | TooManyPasskeys(_)
        | PasskeyTaken => StatusCode::CONFLICT,
        UserNotFound | RequestNotFound | PartnershipNotFound | BlockNotFound | PasskeyNotFound => StatusCode::NOT_FOUND,
        Forbidden => StatusCode::FORBIDDEN,
        QuotaExceeded(_) | NewAccountQuotaExceeded(_) => StatusCode::TOO_MANY_REQUESTS,
    }
}

impl From<RuleError> for AppError {
    fn from(rule: RuleError) -> Self {
        let retry_after =
            matches!(rule, RuleError::QuotaExceeded(_) | RuleError::NewAccountQuotaExceeded(_)).then_some(3600);
        let retry_at = if let RuleError::Cooldown(until) = rule { Some(until) } else { None };
        Self {
            status: rule_status(&rule),
            code: rule.code(),
            message: rule.to_string(),
            retry_after,
            retry_at,
            kind: Kind::Mistake,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rule(rule) => rule.into(),
            StoreError::Database(cause) if let Some(unavailable) = cause.unavailable() => {
                // The outage's start and end are logged once, by the store.
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

impl From<SessionError> for AppError {
    fn from(error: SessionError) -> Self {
        if let Some(cause) = error.unavailable() {
            tracing::debug!(error = &error as &dyn std::error::Error, "session store unavailable");
            return Self::unavailable(cause);
        }
        tracing::error!(error = &error as &dyn std::error::Error, "session store error");
        Self::internal()
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        let (status, code) = match &rejection {
            JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_error"),
            JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            JsonRejection::MissingJsonContentType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => return Self::payload_too_large(),
            _ => (StatusCode::BAD_REQUEST, "invalid_body"),
        };
        Self::new(status, code, rejection.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_id",
            format!("An id in the path is not a valid id: {}", rejection.body_text()),
        )
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", rejection.body_text())
    }
}

/// The contract's JSON answer, carrying the error itself for the pages' renderer.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                retry_at: self.retry_at.map(|at| at.rfc3339()),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// Middleware: counts every request refused because the database was unavailable, by cause
/// (`dealnest_requests_refused_total`), and in the outage under way (its end is logged with the
/// count).
pub async fn count_refusals(
    axum::extract::State(state): axum::extract::State<super::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if let Some(AppError { kind: Kind::Unavailable(cause), .. }) = response.extensions().get::<AppError>() {
        state.store.outages().refused(*cause);
    }
    response
}
