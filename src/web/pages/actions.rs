//! How every dashboard action answers, with and without JavaScript.
//!
//! - Plain form POST: 303 See Other back to the page the form was on, with a one-time flash
//!   message (success or the rule that was broken).
//! - htmx: 200 with only what changed, out of band (the affected sections, the person's row in
//!   "Find partners", the notifications count, the status message, the poller's fingerprint);
//!   the form's own target, its error slot, is emptied. A broken rule answers with its status
//!   (409, 422, 403…) and the message alone, which htmx puts in that slot, next to the button.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_htmx::{HX_TARGET, HxResponseTrigger, HxTarget, VaryHxRequest};

use super::find::{FindRow, refused_results};
use super::layout::{CurrentUser, NotificationsLink, StatusRegion};
use super::problem::Problem;
use super::sections::{IncomingSection, Lists, LivePoller, PartnersSection, SentSection};
use crate::domain::UserId;
use crate::web::AppState;
use crate::web::limits::Budget;
use crate::web::request::is_htmx;
use crate::web::session::{Flash, UserSession};

/// The event that makes the "Find partners" results refresh themselves.
pub const RELATIONS_CHANGED: &str = "dn-relations-changed";

/// How the request came: by htmx (and from which element) or as a plain form.
pub struct ActionContext {
    htmx: bool,
    /// The id of the element htmx will swap into (the form's error slot).
    target: Option<String>,
    /// Where a plain form goes back to.
    back: String,
}

impl ActionContext {
    fn came_from_find_list(&self) -> bool {
        self.target.as_deref().is_some_and(|t| t.starts_with("find-"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ActionContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let HxTarget(target) = HxTarget::from_request_parts(parts, state).await?;
        Ok(Self { htmx: is_htmx(&parts.headers), target, back: back_path(&parts.headers) })
    }
}

/// The page the form was on, from `Referer` when it is one of ours; else the dashboard.
fn back_path(headers: &HeaderMap) -> String {
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

/// Which dashboard lists an action changed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Changed {
    pub incoming: bool,
    pub sent: bool,
    pub partners: bool,
}

/// A successful action: what to tell the person, what changed, and who the other person was.
pub struct Done {
    pub message: String,
    pub changed: Changed,
    pub other: UserId,
}

/// The htmx answer to a successful action: every part out of band, nothing in place.
#[derive(Template, WebTemplate)]
#[template(path = "partials/action_update.html")]
pub struct ActionUpdate {
    pub find_row: Option<FindRow>,
    pub incoming: Option<IncomingSection>,
    pub sent: Option<SentSection>,
    pub partners: Option<PartnersSection>,
    pub nav: NotificationsLink,
    pub status: Option<StatusRegion>,
    pub live: LivePoller,
}

/// Answers an action that `me` attempted, as the request came (see the module doc).
pub async fn finish(state: &AppState, me: &CurrentUser, ctx: ActionContext, result: Result<Done, Problem>) -> Response {
    (VaryHxRequest, answer(state, me, ctx, result).await).into_response()
}

async fn answer(state: &AppState, me: &CurrentUser, ctx: ActionContext, result: Result<Done, Problem>) -> Response {
    if ctx.htmx {
        let answered = match result {
            Ok(done) => update(state, me, &ctx, done).await,
            Err(problem) => Err(problem),
        };
        return answered.unwrap_or_else(Problem::fragment);
    }
    let flash = match result {
        Ok(done) => Flash::success(done.message),
        Err(problem) if problem.is_rule() => Flash::error(problem.message()),
        Err(problem) => return problem.page(),
    };
    if let Err(error) = me.session.set_flash(flash).await {
        return Problem::from(error).page();
    }
    Redirect::to(&ctx.back).into_response()
}

async fn update(state: &AppState, me: &CurrentUser, ctx: &ActionContext, done: Done) -> Result<Response, Problem> {
    let lists = Lists::load(&state.store, me.id()).await?.out_of_band();
    let find_row = if ctx.came_from_find_list() {
        state.store.candidate(me.id(), done.other).await?.map(|c| FindRow::new(&c, true))
    } else {
        None
    };
    let from_find_list = find_row.is_some();
    let update = ActionUpdate {
        find_row,
        incoming: done.changed.incoming.then_some(lists.incoming),
        sent: done.changed.sent.then_some(lists.sent),
        partners: done.changed.partners.then_some(lists.partners),
        nav: lists.nav,
        status: Some(StatusRegion { flash: Some(Flash::success(done.message)), oob: true }),
        live: lists.live,
    };
    if from_find_list {
        return Ok(update.into_response());
    }
    // The person may also be listed under "Find partners", now with a stale standing.
    Ok((HxResponseTrigger::normal([RELATIONS_CHANGED]), update).into_response())
}

/// Answers a page request the rate limiter refused, in the page's own terms: a refused write
/// the way [`finish`] answers a broken rule (the message beside the button for htmx, a flash
/// message on the page it came from otherwise); a refused search in place of the results it
/// would have shown (htmx) or as a page.
pub async fn refuse_rate_limited(parts: &Parts, session: Option<UserSession>, budget: Budget, wait: u64) -> Response {
    let htmx = is_htmx(&parts.headers);
    let response = match budget {
        Budget::Reads => {
            let problem = Problem::ReadLimited(wait);
            let target = parts.headers.get(HX_TARGET).and_then(|t| t.to_str().ok());
            match target {
                Some(target) if htmx => refused_results(target, problem),
                _ => problem.respond(htmx),
            }
        }
        Budget::Writes => {
            let problem = Problem::RateLimited(wait);
            if htmx {
                problem.fragment()
            } else if let Some(session) = session
                && session.set_flash(Flash::error(problem.message())).await.is_ok()
            {
                Redirect::to(&back_path(&parts.headers)).into_response()
            } else {
                problem.page()
            }
        }
    };
    (VaryHxRequest, response).into_response()
}
