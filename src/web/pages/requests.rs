//! Partner requests from the pages: send, accept, reject, withdraw. Each calls the same use case
//! as the API, so the rules and their messages are the same.

use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::errors::Asked;
use super::replies::{Changed, Done, finish};
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
            let other = state.service.accounts().existing(recipient).await?;
            let done = Done {
                message: format!("Request sent to {}.", other.name),
                changed: Changed { sent: true, ..Changed::default() },
                other: recipient,
            };
            finish(&state, &me, &asked, done).await
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
    let other = state.service.accounts().existing(request.sender_id).await?;
    let (message, partners) = match answer {
        Answer::Accept => (format!("You and {} are now partners.", other.name), true),
        Answer::Reject => (format!("You turned down {}’s request.", other.name), false),
    };
    let done = Done { message, changed: Changed { incoming: true, partners, ..Changed::default() }, other: other.id };
    finish(&state, &me, asked, done).await
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
            let other = state.service.accounts().existing(request.recipient_id).await?;
            let done = Done {
                message: format!("You withdrew your request to {}.", other.name),
                changed: Changed { sent: true, ..Changed::default() },
                other: other.id,
            };
            finish(&state, &me, &asked, done).await
        })
        .await
}
