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
use crate::domain::{RuleError, User, UserId};
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::session::Flash;
use crate::web::signed_in::SignedIn;

/// The event that makes the "Find partners" results refresh themselves.
pub const RELATIONS_CHANGED: &str = "dn-relations-changed";

/// Which dashboard lists an action changed.
#[derive(Debug, Clone, Copy, Default)]
struct Changed {
    incoming: bool,
    sent: bool,
    partners: bool,
}

/// What a dashboard action did, which says what to tell the person and which lists changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Sent,
    Accepted,
    Rejected,
    Withdrew,
    Blocked,
    Unblocked,
    Ended,
}

impl Action {
    /// What to tell the person, who did it with `other`.
    fn message(self, other: Option<&User>) -> AppResult<String> {
        let Some(other) = other else {
            // Only a partnership outlives (in its ending) the knowledge of who the partner was.
            return match self {
                Self::Ended => Ok("The partnership has ended.".to_owned()),
                _ => Err(RuleError::UserNotFound.into()),
            };
        };
        let name = &other.name;
        Ok(match self {
            Self::Sent => format!("Request sent to {name}."),
            Self::Accepted => format!("You and {name} are now partners."),
            Self::Rejected => format!("You turned down {name}’s request."),
            Self::Withdrew => format!("You withdrew your request to {name}."),
            Self::Blocked => format!("You blocked {name}. Neither of you can send the other a request."),
            Self::Unblocked => format!("You unblocked {name}."),
            Self::Ended => format!("Your partnership with {name} has ended."),
        })
    }

    fn changed(self) -> Changed {
        match self {
            Self::Sent | Self::Withdrew => Changed { sent: true, ..Changed::default() },
            Self::Accepted => Changed { incoming: true, partners: true, ..Changed::default() },
            Self::Rejected => Changed { incoming: true, ..Changed::default() },
            // A pending request between the two, either way, was turned down.
            Self::Blocked => Changed { incoming: true, sent: true, ..Changed::default() },
            Self::Unblocked => Changed::default(),
            Self::Ended => Changed { partners: true, ..Changed::default() },
        }
    }
}

/// A successful action: what it did, and with whom.
pub struct Done {
    pub action: Action,
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
/// one is answered by `errors::answer`. With htmx, everything the answer shows is read in one
/// snapshot after the action's write.
pub async fn answer_action(state: &AppState, me: &SignedIn, asked: &Asked, done: Done) -> AppResult<Response> {
    let response = if asked.is_htmx() {
        update(state, me, asked, done).await?
    } else {
        let other = state.service.accounts().user(done.other).await?;
        me.session.set_flash(Flash::success(done.action.message(other.as_ref())?)).await?;
        Redirect::to(asked.back()).into_response()
    };
    Ok((VaryHxRequest, response).into_response())
}

async fn update(state: &AppState, me: &SignedIn, asked: &Asked, done: Done) -> AppResult<Response> {
    let after = state.service.dashboard().after_action(me.id(), Some(done.other), asked.came_from_find_list()).await?;
    let message = done.action.message(after.other.as_ref())?;
    let lists = Lists::new(&after.relations, state.service.now()).out_of_band();
    let find_row = after.candidate.as_ref().map(|candidate| FindRow::new(candidate, true));
    let from_find_list = find_row.is_some();
    let changed = done.action.changed();
    let update = ActionUpdate {
        find_row,
        incoming: changed.incoming.then_some(lists.incoming),
        sent: changed.sent.then_some(lists.sent),
        partners: changed.partners.then_some(lists.partners),
        suggestions: Some(SuggestionsSection::new(&after.suggestions).out_of_band()),
        nav: lists.nav,
        status: Some(StatusRegion { flash: Some(Flash::success(message)), oob: true }),
        live: lists.live,
    };
    if from_find_list {
        return Ok(update.into_response());
    }
    // The person may also be listed under "Find partners", now with a stale standing.
    Ok((HxResponseTrigger::normal([RELATIONS_CHANGED]), update).into_response())
}
