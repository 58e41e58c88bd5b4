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
use axum::response::{IntoResponse, Redirect, Response};
use axum_htmx::{HxResponseTrigger, VaryHxRequest};

use super::errors::Asked;
use super::find::FindRow;
use super::layout::{NotificationsLink, StatusRegion};
use super::lists::{IncomingSection, Lists, LivePoller, PartnersSection, SentSection};
use super::network::SuggestionsSection;
use crate::domain::UserId;
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::session::Flash;
use crate::web::signed_in::SignedIn;

/// The event that makes the "Find partners" results refresh themselves.
pub const RELATIONS_CHANGED: &str = "dn-relations-changed";

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
    /// Whom to suggest changes with every action (a send, an answer, a new partner).
    pub suggestions: Option<SuggestionsSection>,
    pub nav: NotificationsLink,
    pub status: Option<StatusRegion>,
    pub live: LivePoller,
}

/// Answers an action that `me` completed, as the request came (see the module doc); a failed
/// one is answered by `errors::answer`.
pub async fn finish(state: &AppState, me: &SignedIn, asked: &Asked, done: Done) -> AppResult<Response> {
    let response = if asked.is_htmx() {
        update(state, me, asked, done).await?
    } else {
        me.session.set_flash(Flash::success(done.message)).await?;
        Redirect::to(asked.back()).into_response()
    };
    Ok((VaryHxRequest, response).into_response())
}

async fn update(state: &AppState, me: &SignedIn, asked: &Asked, done: Done) -> AppResult<Response> {
    let lists = Lists::load(&state.service, me.id()).await?.out_of_band();
    let find_row = if asked.came_from_find_list() {
        state.service.network().candidate(me.id(), done.other).await?.map(|c| FindRow::new(&c, true))
    } else {
        None
    };
    let from_find_list = find_row.is_some();
    let update = ActionUpdate {
        find_row,
        incoming: done.changed.incoming.then_some(lists.incoming),
        sent: done.changed.sent.then_some(lists.sent),
        partners: done.changed.partners.then_some(lists.partners),
        suggestions: Some(SuggestionsSection::load(state, me.id()).await?),
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
