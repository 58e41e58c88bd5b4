//! The one error type of the HTTP layer, and the one table that says how each error reads.
//!
//! A handler or middleware of either interface fails with an [`AppError`], which names what went
//! wrong, whichever layer said so: a broken rule of the domain, the database being unavailable,
//! or something about the request itself. [`AppError::problem`] is the table: for each error its
//! status, the contract's stable code, the sentence for people (the same in the API and in the
//! pages), and what kind of failure it is. The API renders it as the contract's JSON body
//! (`IntoResponse` below); the pages render it as a page, a fragment, a flash message or the way
//! to sign in (`pages/errors.rs`); a bulk call reports it per id (`api/bulk.rs`, `pages/bulk.rs`).
//!
//! A 5xx never explains itself: its cause is logged where it happened, and the outage of a
//! database is logged once by the store.

use std::borrow::Cow;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{RuleError, Timestamp};
use crate::store::{StoreError, Unavailable};
use crate::web::session::SessionError;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppError {
    /// A rule of the product (`domain::RuleError`).
    Rule(RuleError),
    /// The database is unavailable, for this reason.
    Unavailable(Unavailable),
    /// A failure of ours, logged where it happened.
    Internal,
    /// No one is signed in, or the credentials say no one who exists.
    Unauthorized(Unauthorized),
    NotFound,
    MethodNotAllowed,
    /// The body is larger than any request may be (`BODY_LIMIT`).
    PayloadTooLarge,
    /// Too many writes (or, with `searches`, searches) from one client; `wait` seconds.
    RateLimited {
        searches: bool,
        wait: u64,
    },
    /// A state-changing request that a browser sent from another site.
    CrossSite,
    /// The user has `open` live event streams already, as many as one may.
    TooManyStreams {
        open: usize,
    },
    /// As many live event streams are open from the client's address as one address may have.
    TooManyStreamsFromNetwork,
    /// As many live event streams are open as the process takes.
    StreamsFull,
    /// An unsubscribe link whose token does not verify.
    InvalidUnsubscribeLink,
    /// Passkeys cannot be used at this site's address, for this reason.
    PasskeysUnavailable(&'static str),
    /// A passkey ceremony that failed, and how.
    Passkey(crate::web::passkeys::CeremonyError),
    /// A request that cannot be read, described where it was read (an extractor's own words).
    Unreadable {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
}

/// Why no one is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unauthorized {
    /// Neither a bearer token nor a signed-in session.
    NoOne,
    BadToken,
    /// An `Authorization` header that is not `Bearer <token>`.
    BadHeader,
    /// A valid token for a user who does not exist.
    NoSuchUser,
}

/// An error as the interfaces show it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// The contract's stable code, e.g. `duplicate_request`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: Cow<'static, str>,
    /// Seconds to wait before retrying (429, 503): the `Retry-After` header.
    pub retry_after: Option<u64>,
    /// When waiting helps, the instant from which a retry can succeed (`cooldown`).
    pub retry_at: Option<Timestamp>,
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

/// How long a refused live event stream waits before it tries again: as often as the page's
/// fallback poller asks.
pub const STREAM_RETRY_AFTER: u64 = 60;

impl AppError {
    /// An error its reader describes in its own words (`Unreadable`).
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Unreadable { status, code, message: message.into() }
    }

    /// The table: how each error reads.
    pub fn problem(&self) -> Problem {
        use StatusCode as S;
        let (status, code, message): (StatusCode, &'static str, Cow<'static, str>) = match self {
            Self::Rule(rule) => return rule_problem(rule),
            Self::Unavailable(cause) => (S::SERVICE_UNAVAILABLE, cause.code(), unavailable_sentence(*cause).into()),
            Self::Internal => {
                (S::INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side. Please try again in a moment.".into())
            }
            Self::Unauthorized(why) => (
                S::UNAUTHORIZED,
                "unauthorized",
                match why {
                    Unauthorized::NoOne => "Sign in or send a bearer token.",
                    Unauthorized::BadToken => "The bearer token is invalid or expired.",
                    Unauthorized::BadHeader => "The Authorization header must be `Bearer <token>`.",
                    Unauthorized::NoSuchUser => "The bearer token names a user that does not exist.",
                }
                .into(),
            ),
            Self::NotFound => (S::NOT_FOUND, "not_found", "There is nothing at this address.".into()),
            Self::MethodNotAllowed => {
                (S::METHOD_NOT_ALLOWED, "method_not_allowed", "This address does not accept that method.".into())
            }
            Self::PayloadTooLarge => {
                (S::PAYLOAD_TOO_LARGE, "payload_too_large", "That was more than we accept in one request (64 KiB).".into())
            }
            Self::RateLimited { searches, wait } => {
                let what = if *searches { "searching" } else { "making changes" };
                let message = format!("You are {what} too quickly. Please wait {wait} seconds and try again.");
                (S::TOO_MANY_REQUESTS, "rate_limited", message.into())
            }
            Self::CrossSite => (
                S::FORBIDDEN,
                "cross_site_request",
                "This form was sent from another site, so it was refused. Go back to DealNest and try again.".into(),
            ),
            Self::TooManyStreams { open } => (
                S::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!(
                    "You already have {open} live update streams open; close a tab, and this one will update on its own."
                )
                .into(),
            ),
            Self::TooManyStreamsFromNetwork => (
                S::TOO_MANY_REQUESTS,
                "too_many_streams",
                "Too many live update streams are open from your network; this page will update on its own.".into(),
            ),
            Self::StreamsFull => (
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                "Too many live update streams are open; this page will update on its own.".into(),
            ),
            Self::InvalidUnsubscribeLink => (
                S::BAD_REQUEST,
                "invalid_unsubscribe_link",
                "This unsubscribe link is not valid: it may have been cut short or changed, or it was signed with a \
                 key this server no longer uses. Nothing was changed. Sign in and open Settings to choose which \
                 mails you get."
                    .into(),
            ),
            Self::PasskeysUnavailable(why) => (S::CONFLICT, "passkeys_unavailable", (*why).into()),
            Self::Passkey(failed) => {
                use crate::web::passkeys::CeremonyError;
                let (code, message) = match failed {
                    CeremonyError::NotStarted => (
                        "no_passkey_ceremony",
                        "There is no passkey request under way, or it took too long. Start again.",
                    ),
                    CeremonyError::Refused => ("passkey_refused", "That passkey was not accepted. Try again."),
                    CeremonyError::Unknown => (
                        "passkey_unknown",
                        "That passkey is not registered here. Remove it from your device, or sign in another way.",
                    ),
                };
                (S::BAD_REQUEST, code, message.into())
            }
            Self::Unreadable { status, code, message } => (*status, *code, message.clone().into()),
        };
        let (retry_after, kind) = match self {
            Self::Unavailable(cause) => (Some(cause.retry_after()), Kind::Unavailable(*cause)),
            Self::Unauthorized(_) => (None, Kind::SignedOut),
            Self::RateLimited { searches: true, wait } => (Some(*wait), Kind::SearchesLimited),
            Self::RateLimited { searches: false, wait } => (Some(*wait), Kind::Mistake),
            Self::PasskeysUnavailable(_) | Self::Passkey(_) => (None, Kind::Mistake),
            Self::TooManyStreams { .. } | Self::TooManyStreamsFromNetwork | Self::StreamsFull => {
                (Some(STREAM_RETRY_AFTER), Kind::Other)
            }
            _ => (None, Kind::Other),
        };
        Problem { status, code, message, retry_after, retry_at: None, kind }
    }
}

/// The rows of the table for the rules of the product.
fn rule_problem(rule: &RuleError) -> Problem {
    use RuleError::*;
    use StatusCode as S;
    let (status, code, message): (StatusCode, &'static str, Cow<'static, str>) = match rule {
        InvalidEmail(why) => (S::UNPROCESSABLE_ENTITY, "invalid_email", (*why).into()),
        InvalidName(why) => (S::UNPROCESSABLE_ENTITY, "invalid_name", (*why).into()),
        InvalidMessage(why) => (S::UNPROCESSABLE_ENTITY, "invalid_message", (*why).into()),
        InvalidPagination(why) => (S::UNPROCESSABLE_ENTITY, "invalid_pagination", (*why).into()),
        PageTooDeep(depth) => (
            S::UNPROCESSABLE_ENTITY,
            "page_too_deep",
            format!(
                "Only the first {depth} items of a list can be paged through; narrow it down (refine the search) to see others."
            )
            .into(),
        ),
        InvalidQuery(why) => (S::UNPROCESSABLE_ENTITY, "invalid_query", (*why).into()),
        InvalidId => (S::UNPROCESSABLE_ENTITY, "invalid_id", "An id must be a positive whole number.".into()),
        InvalidAction => (S::UNPROCESSABLE_ENTITY, "invalid_action", "The action must be \"accept\" or \"reject\".".into()),
        InvalidBulkAction => {
            (S::UNPROCESSABLE_ENTITY, "invalid_action", "The action must be \"accept\", \"reject\" or \"cancel\".".into())
        }
        InvalidRequestIds(why) => (S::UNPROCESSABLE_ENTITY, "invalid_request_ids", (*why).into()),
        InvalidSettings(why) => (S::UNPROCESSABLE_ENTITY, "invalid_settings", (*why).into()),
        SelfRequest => {
            (S::UNPROCESSABLE_ENTITY, "self_request", "You cannot send a partner request to yourself.".into())
        }
        SelfBlock => (S::UNPROCESSABLE_ENTITY, "self_block", "You cannot block yourself.".into()),
        EmailTaken => (S::CONFLICT, "email_taken", "That e-mail address is already registered.".into()),
        DuplicateRequest => {
            (S::CONFLICT, "duplicate_request", "You already have a pending request to this user.".into())
        }
        ReverseRequestPending(id) => (
            S::CONFLICT,
            "reverse_request_pending",
            format!("This user already sent you a request (request {id}); accept or reject it instead.").into(),
        ),
        AlreadyPartners => (S::CONFLICT, "already_partners", "You are already partners.".into()),
        Blocked => (S::CONFLICT, "blocked", "A block between you and this user prevents partner requests.".into()),
        NotPending => (S::CONFLICT, "not_pending", "This request has already been answered or withdrawn.".into()),
        Cooldown(until) => {
            (S::CONFLICT, "cooldown", format!("You can ask again after {}.", until.day_month()).into())
        }
        NotAcceptingRequests => {
            (S::CONFLICT, "not_accepting_requests", "This user is not taking partner requests from you.".into())
        }
        UserNotFound => (S::NOT_FOUND, "user_not_found", "That user does not exist.".into()),
        RequestNotFound => (S::NOT_FOUND, "request_not_found", "That partner request does not exist.".into()),
        PartnershipNotFound => (S::NOT_FOUND, "partnership_not_found", "That partnership does not exist.".into()),
        BlockNotFound => (S::NOT_FOUND, "block_not_found", "You have not blocked that user.".into()),
        InvalidPasskeyName(why) => (S::UNPROCESSABLE_ENTITY, "invalid_passkey_name", (*why).into()),
        PasskeyNotFound => (S::NOT_FOUND, "passkey_not_found", "That passkey does not exist.".into()),
        TooManyPasskeys(n) => {
            (S::CONFLICT, "too_many_passkeys", format!("You can have at most {n} passkeys; remove one first.").into())
        }
        PasskeyTaken => (S::CONFLICT, "passkey_taken", "That passkey is already registered.".into()),
        Forbidden => (S::FORBIDDEN, "forbidden", "You are not allowed to do that.".into()),
        QuotaExceeded(n) => (
            S::TOO_MANY_REQUESTS,
            "request_quota_exceeded",
            format!("You have reached the limit of {n} new partner requests in 24 hours; try again later.").into(),
        ),
        NewAccountQuotaExceeded(n) => (
            S::TOO_MANY_REQUESTS,
            "request_quota_exceeded",
            format!("New accounts can send {n} partner requests in their first day; try again later.").into(),
        ),
    };
    let retry_after = matches!(rule, QuotaExceeded(_) | NewAccountQuotaExceeded(_)).then_some(3600);
    let retry_at = if let Cooldown(until) = rule { Some(*until) } else { None };
    Problem { status, code, message, retry_after, retry_at, kind: Kind::Mistake }
}

/// The sentence for each way the database is unavailable.
fn unavailable_sentence(cause: Unavailable) -> &'static str {
    match cause {
        Unavailable::Down => "The database is not reachable right now; nothing was changed. Please try again shortly.",
        Unavailable::Busy => "The service is busy right now; nothing was changed. Please try again in a moment.",
        Unavailable::Timeout => "That took too long and was stopped; nothing was changed. Please try again.",
        Unavailable::StorageFull => {
            "The service has run out of storage space; nothing was changed. Please try again later."
        }
        Unavailable::ReadOnly => {
            "The service accepts no changes right now; nothing was changed. Please try again later."
        }
        Unavailable::OutcomeUnknown => {
            "We lost contact with the database while saving, so we cannot tell whether the change was made. \
             Please check, then try again."
        }
    }
}

impl Problem {
    /// The contract's error detail (a bulk call's per-id error is this too).
    pub fn detail(&self) -> ErrorDetail {
        ErrorDetail {
            code: self.code.to_owned(),
            message: self.message.clone().into_owned(),
            retry_at: self.retry_at.map(Timestamp::rfc3339),
        }
    }

    /// Marks `response` with what it answers: `Retry-After`, and the cause when the database
    /// was unavailable (counted by `count_refusals`).
    pub fn mark(&self, response: &mut Response) {
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        let unavailable = match self.kind {
            Kind::Unavailable(cause) => Some(cause),
            _ => None,
        };
        response.extensions_mut().insert(Refused { status: self.status, unavailable });
    }
}

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

impl From<RuleError> for AppError {
    fn from(rule: RuleError) -> Self {
        Self::Rule(rule)
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rule(rule) => Self::Rule(rule),
            StoreError::Database(cause) if let Some(unavailable) = cause.unavailable() => {
                // The outage's start and end are logged once, by the store.
                tracing::debug!(error = %cause, "database unavailable");
                Self::Unavailable(unavailable)
            }
            StoreError::Database(cause) => {
                tracing::error!(error = &cause as &dyn std::error::Error, "database error");
                Self::Internal
            }
        }
    }
}

impl From<SessionError> for AppError {
    fn from(error: SessionError) -> Self {
        if let Some(cause) = error.unavailable() {
            tracing::debug!(error = &error as &dyn std::error::Error, "session store unavailable");
            return Self::Unavailable(cause);
        }
        tracing::error!(error = &error as &dyn std::error::Error, "session store error");
        Self::Internal
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        let (status, code) = match &rejection {
            JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_error"),
            JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            JsonRejection::MissingJsonContentType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => return Self::PayloadTooLarge,
            _ => (StatusCode::BAD_REQUEST, "invalid_body"),
        };
        Self::new(status, code, rejection.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        let message = format!("An id in the path is not a valid id: {}", rejection.body_text());
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_id", message)
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", rejection.body_text())
    }
}

/// The API's answer: the contract's JSON error body, with `Retry-After` where waiting helps and
/// `WWW-Authenticate` on a 401.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let mut response = (problem.status, Json(ErrorBody { error: problem.detail() })).into_response();
        if problem.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        problem.mark(&mut response);
        response
    }
}

/// The mark of a response that answers an error: its status (a page may show the error as a
/// redirect back with a message) and, when the database was unavailable, why. The metrics read it.
#[derive(Debug, Clone, Copy)]
pub struct Refused {
    pub status: StatusCode,
    pub unavailable: Option<Unavailable>,
}
