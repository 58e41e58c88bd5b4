//! How the pages answer an [`AppError`]: a whole page for a plain request, the message where the
//! action was for htmx, the message as a flash on the page a form came from when the person can
//! fix it there, the message in place of the results for a refused search, and the way to sign
//! in when no one is. A broken rule reads the same sentence as in the API (the table of
//! `web/error.rs`).
//!
//! Every page handler answers through [`Asked::answer`], which renders its failure here; what
//! middleware refuses outside `/api` comes here through `web/refusals.rs`.

use std::future::Future;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_htmx::{HX_TARGET, HxRedirect, VaryHxRequest};

use super::layout::Layout;
use crate::web::error::{AppError, AppResult, Kind, Problem};
use crate::web::request::{is_htmx, is_safe};
use crate::web::session::{Flash, UserSession};

/// What a page's answer depends on, read from the request before it is handled: whether htmx
/// sent it (and into which element its answer goes), whether it is a form post, the page to go
/// back to, and the session.
pub struct Asked {
    htmx: bool,
    /// A form post (any method that writes).
    form: bool,
    /// The page the browser was on, to go back to.
    back: String,
    /// Where htmx will put the answer (the form's error slot, for an action).
    target: Option<String>,
    session: Option<UserSession>,
}

impl Asked {
    fn from_head(headers: &HeaderMap, method: &axum::http::Method, session: Option<UserSession>) -> Self {
        Self {
            htmx: is_htmx(headers),
            form: !is_safe(method),
            back: back_path(headers),
            target: headers.get(HX_TARGET).and_then(|t| t.to_str().ok()).map(str::to_owned),
            session,
        }
    }

    /// What a request refused before any handler ran asked for.
    pub fn of(request: &Request) -> Self {
        Self::from_head(request.headers(), request.method(), UserSession::from_extensions(request.extensions()))
    }

    pub fn is_htmx(&self) -> bool {
        self.htmx
    }

    /// The page a plain form goes back to.
    pub fn back(&self) -> &str {
        &self.back
    }

    /// Whether the action came from a row of "Find partners" (htmx names the target,
    /// `find-<id>-err`, in `HX-Target`).
    pub fn came_from_find_list(&self) -> bool {
        self.target.as_deref().is_some_and(|t| t.starts_with("find-"))
    }

    /// The answer to a page request: what `handled` made of it, or, when it failed, its error
    /// as the pages show one.
    pub async fn answer(&self, handled: impl Future<Output = AppResult<Response>>) -> Response {
        match handled.await {
            Ok(response) => response,
            Err(error) => answer(error, self).await,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_head(&parts.headers, &parts.method, UserSession::from_parts(parts)))
    }
}

/// The answer to `error` for a browser that asked as `asked` says.
pub async fn answer(error: AppError, asked: &Asked) -> Response {
    let problem = error.problem();
    let mut response = match problem.kind {
        Kind::SignedOut => signed_out(asked).await,
        Kind::Mistake if asked.form && !asked.htmx => flash_and_back(&problem, asked).await,
        // A refused search (too many, or text it cannot search for) answers where the results go.
        Kind::SearchesLimited | Kind::Mistake if asked.htmx => refused_results(&problem, asked.target.as_deref()),
        _ if asked.htmx => {
            (problem.status, InlineError { message: problem.message.clone().into_owned() }).into_response()
        }
        _ => page(&problem),
    };
    problem.mark(&mut response);
    (VaryHxRequest, response).into_response()
}

/// A whole page that says what went wrong and where to go from here.
pub fn page(problem: &Problem) -> Response {
    let title = title(problem);
    let page = ErrorPage { layout: Layout::bare(title), heading: title, message: problem.message.clone().into_owned() };
    (problem.status, WebTemplate(page)).into_response()
}

/// The heading of the page that says so.
fn title(problem: &Problem) -> &'static str {
    match problem.kind {
        Kind::Mistake => "That did not work",
        Kind::SearchesLimited => "Slow down",
        Kind::SignedOut => "Sign in",
        Kind::Unavailable(_) => "Not available right now",
        Kind::Other if problem.status == StatusCode::NOT_FOUND => "Page not found",
        Kind::Other if problem.status == StatusCode::PAYLOAD_TOO_LARGE => "Too large",
        Kind::Other if problem.status == StatusCode::FORBIDDEN => "Request refused",
        Kind::Other if problem.status.is_server_error() => "Something went wrong",
        Kind::Other => "That did not work",
    }
}

/// Sends a signed-out browser to the sign-in page (htmx follows `HX-Redirect` with a full load);
/// a form it sent is answered with a message there.
async fn signed_out(asked: &Asked) -> Response {
    if asked.form
        && let Some(session) = &asked.session
    {
        let flash = Flash::error("You are signed out. Choose who you are, then try again.");
        if let Err(error) = session.set_flash(flash).await {
            return page(&AppError::from(error).problem());
        }
    }
    if asked.htmx {
        return (StatusCode::UNAUTHORIZED, HxRedirect("/".into()), "").into_response();
    }
    Redirect::to("/").into_response()
}

/// Back to the page the form was on, with the message as a flash; a page of its own when the
/// session cannot take it.
async fn flash_and_back(problem: &Problem, asked: &Asked) -> Response {
    match &asked.session {
        Some(session) => match session.set_flash(Flash::error(problem.message.clone().into_owned())).await {
            Ok(()) => Redirect::to(&asked.back).into_response(),
            Err(failure) => page(&AppError::from(failure).problem()),
        },
        None => page(problem),
    }
}

/// The elements user search swaps its results into (the dashboard's and the sign-in page's).
const RESULT_TARGETS: [&str; 2] = ["find-results", "signin-list"];

/// A refused htmx search: the message in place of the results, under the same element id, so
/// the search box still finds its target next time; else the message alone.
fn refused_results(problem: &Problem, target: Option<&str>) -> Response {
    let message = problem.message.clone().into_owned();
    match RESULT_TARGETS.into_iter().find(|known| Some(*known) == target) {
        Some(id) => (problem.status, RefusedResults { id, message }).into_response(),
        None => (problem.status, InlineError { message }).into_response(),
    }
}

/// The page the form was on, from `Referer` when it is one of ours; else the dashboard.
pub fn back_path(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let referer =
        headers.get(header::REFERER).and_then(|r| r.to_str().ok()).and_then(|r| r.parse::<axum::http::Uri>().ok());
    match (host, referer) {
        (Some(host), Some(uri)) if uri.authority().is_some_and(|a| a.as_str().eq_ignore_ascii_case(host)) => {
            let path = uri.path_and_query().map_or("/", |p| p.as_str());
            // Only pages that GET answers with a page; never back to an address of an action.
            if path == "/" || path.starts_with("/users/search") || path.starts_with("/notifications") {
                path.to_owned()
            } else {
                "/".to_owned()
            }
        }
        _ => "/".to_owned(),
    }
}

/// A message shown in place of an action that failed.
#[derive(Template, WebTemplate)]
#[template(path = "partials/inline_error.html")]
pub struct InlineError {
    pub message: String,
}

/// The results of a search that was refused.
#[derive(Template, WebTemplate)]
#[template(path = "partials/results_refused.html")]
struct RefusedResults {
    id: &'static str,
    message: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}
