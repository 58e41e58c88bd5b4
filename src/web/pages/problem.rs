//! What can go wrong on a page, and how a person is told: a full page for a plain request, a
//! short message in place of the action for an htmx one. A broken rule speaks the same sentence
//! as the API (`RuleError`'s `Display`); a failure of ours is logged and never explained.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::layout::Layout;
use crate::domain::RuleError;
use crate::store::{StoreError, Unavailable};
use crate::web::error::{Refused, rule_status};
use crate::web::session::SessionError;

const INTERNAL: &str = "Something went wrong on our side. Please try again in a moment.";

#[derive(Debug)]
pub enum Problem {
    /// The person's request broke a rule of the product.
    Rule(RuleError),
    /// The database cannot serve for now (see [`Unavailable`]).
    Unavailable(Unavailable),
    /// Too many changes in a short time; try again after this many seconds.
    RateLimited(u64),
    /// Too many searches in a short time; try again after this many seconds.
    ReadLimited(u64),
    /// A failure of ours; the cause was logged where it happened.
    Internal,
}

impl Problem {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Rule(rule) => rule_status(rule),
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::RateLimited(_) | Self::ReadLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::Rule(rule) => rule.to_string(),
            Self::Unavailable(cause) => cause.message().to_owned(),
            Self::RateLimited(wait) => {
                format!("You are making changes too quickly. Please wait {wait} seconds and try again.")
            }
            Self::ReadLimited(wait) => {
                format!("You are searching too quickly. Please wait {wait} seconds and try again.")
            }
            Self::Internal => INTERNAL.to_owned(),
        }
    }

    /// True for the person's own mistakes, which a form answers with a message rather than an error page.
    pub fn is_rule(&self) -> bool {
        matches!(self, Self::Rule(_) | Self::RateLimited(_) | Self::ReadLimited(_))
    }

    /// The answer to a plain (non-htmx) request: a whole page.
    pub fn page(self) -> Response {
        let title = match &self {
            Self::Rule(_) => "That did not work",
            Self::Unavailable(_) => "Not available right now",
            Self::RateLimited(_) | Self::ReadLimited(_) => "Slow down",
            Self::Internal => "Something went wrong",
        };
        let refused = self.refused();
        refused.mark(ErrorPage::new(self.status(), title, &self.message()).into_response())
    }

    /// The answer to an htmx request: the message alone, swapped in where the action was.
    pub fn fragment(self) -> Response {
        let refused = self.refused();
        refused.mark((self.status(), InlineError { message: self.message() }).into_response())
    }

    fn refused(&self) -> Marks {
        Marks(match self {
            Self::Unavailable(cause) => Some(*cause),
            _ => None,
        })
    }

    /// [`Problem::fragment`] for htmx requests, [`Problem::page`] otherwise.
    pub fn respond(self, htmx: bool) -> Response {
        if htmx { self.fragment() } else { self.page() }
    }
}

/// What a response for a refused request carries: `Retry-After` and the [`Refused`] mark.
struct Marks(Option<Unavailable>);

impl Marks {
    fn mark(self, mut response: Response) -> Response {
        if let Some(cause) = self.0 {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, cause.retry_after().into());
            response.extensions_mut().insert(Refused(cause));
        }
        response
    }
}

impl From<RuleError> for Problem {
    fn from(rule: RuleError) -> Self {
        Self::Rule(rule)
    }
}

impl From<StoreError> for Problem {
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

impl From<SessionError> for Problem {
    fn from(error: SessionError) -> Self {
        if let Some(unavailable) = error.unavailable() {
            tracing::debug!(error = &error as &dyn std::error::Error, "session store unavailable");
            return Self::Unavailable(unavailable);
        }
        tracing::error!(error = &error as &dyn std::error::Error, "session store error");
        Self::Internal
    }
}

/// A message shown in place of an action that failed.
#[derive(Template, WebTemplate)]
#[template(path = "partials/inline_error.html")]
pub struct InlineError {
    pub message: String,
}

/// A whole page that says what went wrong and where to go from here, with its status.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: StatusCode,
    pub heading: String,
    pub message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, heading: &str, message: &str) -> Self {
        Self { layout: Layout::bare(heading), status, heading: heading.to_owned(), message: message.to_owned() }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let status = self.status;
        (status, WebTemplate(self)).into_response()
    }
}
