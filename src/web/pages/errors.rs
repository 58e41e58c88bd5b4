//! How the pages answer an [`AppError`] (see `web/render.rs`, which calls here for every request
//! outside `/api`): a whole page for a plain request, the message where the action was for htmx,
//! the message as a flash on the page a form came from when the person can fix it there, the
//! message in place of the results for a refused search, and the way to sign in when no one is.
//! A broken rule reads the same sentence as in the API.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_htmx::{HX_TARGET, HxRedirect, VaryHxRequest};

use super::layout::Layout;
use crate::web::error::{AppError, Kind};
use crate::web::request::{is_htmx, is_safe};
use crate::web::session::{Flash, UserSession};

/// What the answer depends on, read from the request before it is handled.
pub struct Asked {
    htmx: bool,
    /// A form post (any method that writes).
    form: bool,
    /// The page the browser was on, to go back to.
    back: String,
    /// Where htmx will put the answer.
    target: Option<String>,
    session: Option<UserSession>,
}

impl Asked {
    pub fn of(request: &Request) -> Self {
        let headers = request.headers();
        Self {
            htmx: is_htmx(headers),
            form: !is_safe(request.method()),
            back: back_path(headers),
            target: headers.get(HX_TARGET).and_then(|t| t.to_str().ok()).map(str::to_owned),
            session: UserSession::from_extensions(request.extensions()),
        }
    }
}

/// The answer to `error` for a browser that asked as `asked` says.
pub async fn answer(error: AppError, asked: Asked) -> Response {
    let mut response = match error.kind {
        Kind::SignedOut => signed_out(&asked).await,
        Kind::Mistake if asked.form && !asked.htmx => flash_and_back(&error, &asked).await,
        // A refused search (too many, or text it cannot search for) answers where the results go.
        Kind::SearchesLimited | Kind::Mistake if asked.htmx => refused_results(&error, asked.target.as_deref()),
        _ if asked.htmx => (error.status, InlineError { message: error.message.clone() }).into_response(),
        _ => page(&error),
    };
    if let Some(seconds) = error.retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
    }
    // The mark stays: `count_refusals` reads it.
    response.extensions_mut().insert(error);
    (VaryHxRequest, response).into_response()
}

/// A whole page that says what went wrong and where to go from here.
pub fn page(error: &AppError) -> Response {
    let title = error.title();
    let page = ErrorPage { layout: Layout::bare(title), heading: title, message: error.message.clone() };
    (error.status, WebTemplate(page)).into_response()
}

/// Sends a signed-out browser to the sign-in page (htmx follows `HX-Redirect` with a full load);
/// a form it sent is answered with a message there.
async fn signed_out(asked: &Asked) -> Response {
    if asked.form
        && let Some(session) = &asked.session
    {
        let flash = Flash::error("You are signed out. Choose who you are, then try again.");
        if let Err(error) = session.set_flash(flash).await {
            return page(&AppError::from(error));
        }
    }
    if asked.htmx {
        return (StatusCode::UNAUTHORIZED, HxRedirect("/".into()), "").into_response();
    }
    Redirect::to("/").into_response()
}

/// Back to the page the form was on, with the message as a flash; a page of its own when the
/// session cannot take it.
async fn flash_and_back(error: &AppError, asked: &Asked) -> Response {
    match &asked.session {
        Some(session) => match session.set_flash(Flash::error(error.message.clone())).await {
            Ok(()) => Redirect::to(&asked.back).into_response(),
            Err(failure) => page(&AppError::from(failure)),
        },
        None => page(error),
    }
}

/// The elements user search swaps its results into (the dashboard's and the sign-in page's).
const RESULT_TARGETS: [&str; 2] = ["find-results", "signin-list"];

/// A refused htmx search: the message in place of the results, under the same element id, so
/// the search box still finds its target next time; else the message alone.
fn refused_results(error: &AppError, target: Option<&str>) -> Response {
    let message = error.message.clone();
    match RESULT_TARGETS.into_iter().find(|known| Some(*known) == target) {
        Some(id) => (error.status, RefusedResults { id, message }).into_response(),
        None => (error.status, InlineError { message }).into_response(),
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
