//! Partner requests from the pages: send, accept, reject, withdraw. Each calls the same use case
//! as the API, so the rules and their messages are the same.

use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::actions::{Action, Done, answer_action};
use super::errors::Asked;
use crate::domain::{Answer, RequestId, RequestMessage, UserId};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
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
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Form(form): Form<SendForm>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            let recipient = UserId::parse_text(&form.recipient_id)?;
            let message = RequestMessage::parse(form.message.as_deref())?;
            state.service.requests().send(me.id(), recipient, message.as_ref()).await?;
            answer_action(&state, &me, &asked, Done { action: Action::Sent, other: recipient }).await
        })
        .await
}

pub async fn accept(
    state: State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    id: Path<String>,
) -> Response {
    asked.answer(answer_request(state, &asked, me, id, Answer::Accept)).await
}

pub async fn reject(
    state: State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    id: Path<String>,
) -> Response {
    asked.answer(answer_request(state, &asked, me, id, Answer::Reject)).await
}

async fn answer_request(
    State(state): State<AppState>,
    asked: &Asked,
    me: Result<SignedIn, AppError>,
    Path(id): Path<String>,
    answer: Answer,
) -> AppResult<Response> {
    let me = me?;
    let id = RequestId::parse_text(&id)?;
    let request = state.service.requests().answer(me.id(), id, answer).await?;
    let action = match answer {
        Answer::Accept => Action::Accepted,
        Answer::Reject => Action::Rejected,
    };
    answer_action(&state, &me, asked, Done { action, other: request.sender_id }).await
}

pub async fn cancel(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Path(id): Path<String>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            let id = RequestId::parse_text(&id)?;
            let request = state.service.requests().withdraw(me.id(), id).await?;
            answer_action(&state, &me, &asked, Done { action: Action::Withdrew, other: request.recipient_id }).await
        })
        .await
}
