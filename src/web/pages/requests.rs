//! Partner requests from the pages: send, accept, reject, withdraw. Each calls the same store
//! function as the API, so the rules and their messages are the same.

use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::replies::{ActionContext, Changed, Done, finish};
use crate::domain::{Answer, RequestId, RequestMessage, UserId};
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::signed_in::SignedIn;

#[derive(Debug, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    pub recipient_id: String,
    #[serde(default)]
    pub message: Option<String>,
}

pub async fn send(
    State(state): State<AppState>,
    me: SignedIn,
    ctx: ActionContext,
    Form(form): Form<SendForm>,
) -> AppResult<Response> {
    let recipient = UserId::parse_text(&form.recipient_id)?;
    let message = RequestMessage::parse(form.message.as_deref())?;
    state.service.requests().send(me.id(), recipient, message.as_ref()).await?;
    let other = state.service.accounts().existing(recipient).await?;
    let done = Done {
        message: format!("Request sent to {}.", other.name),
        changed: Changed { sent: true, ..Changed::default() },
        other: recipient,
    };
    finish(&state, &me, ctx, done).await
}

pub async fn accept(state: State<AppState>, me: SignedIn, ctx: ActionContext, id: Path<String>) -> AppResult<Response> {
    respond(state, me, ctx, id, Answer::Accept).await
}

pub async fn reject(state: State<AppState>, me: SignedIn, ctx: ActionContext, id: Path<String>) -> AppResult<Response> {
    respond(state, me, ctx, id, Answer::Reject).await
}

async fn respond(
    State(state): State<AppState>,
    me: SignedIn,
    ctx: ActionContext,
    Path(id): Path<String>,
    answer: Answer,
) -> AppResult<Response> {
    let id = RequestId::parse_text(&id)?;
    let request = state.service.requests().answer(me.id(), id, answer).await?;
    let other = state.service.accounts().existing(request.sender_id).await?;
    let (message, partners) = match answer {
        Answer::Accept => (format!("You and {} are now partners.", other.name), true),
        Answer::Reject => (format!("You turned down {}’s request.", other.name), false),
    };
    let done = Done { message, changed: Changed { incoming: true, partners, ..Changed::default() }, other: other.id };
    finish(&state, &me, ctx, done).await
}

pub async fn cancel(
    State(state): State<AppState>,
    me: SignedIn,
    ctx: ActionContext,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = RequestId::parse_text(&id)?;
    let request = state.service.requests().withdraw(me.id(), id).await?;
    let other = state.service.accounts().existing(request.recipient_id).await?;
    let done = Done {
        message: format!("You withdrew your request to {}.", other.name),
        changed: Changed { sent: true, ..Changed::default() },
        other: other.id,
    };
    finish(&state, &me, ctx, done).await
}
