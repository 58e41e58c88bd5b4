//! Ending partnerships, blocking and unblocking from the pages, through the same store
//! functions as the API.

use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::actions::{ActionContext, Changed, Done, finish};
use super::layout::CurrentUser;
use super::problem::Problem;
use super::requests::parse_id;
use crate::domain::{PartnershipId, UserId};
use crate::web::AppState;

#[derive(Debug, Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    pub user_id: String,
}

pub async fn end_partnership(
    State(state): State<AppState>,
    me: CurrentUser,
    ctx: ActionContext,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id: PartnershipId = parse_id(&id)?;
        // Read first: once ended, the partnership no longer says who the partner was.
        let partner = state.store.partner_in(me.id(), id).await?;
        state.store.end_partnership(me.id(), id).await?;
        let message = match &partner {
            Some(user) => format!("Your partnership with {} has ended.", user.name),
            None => "The partnership has ended.".to_owned(),
        };
        Ok::<_, Problem>(Done {
            message,
            changed: Changed { partners: true, ..Changed::default() },
            other: partner.map_or(me.id(), |user| user.id),
        })
    }
    .await;
    finish(&state, &me, ctx, result).await
}

pub async fn block(
    State(state): State<AppState>,
    me: CurrentUser,
    ctx: ActionContext,
    Form(form): Form<BlockForm>,
) -> Response {
    let result = async {
        let other: UserId = parse_id(&form.user_id)?;
        state.store.block(me.id(), other).await?;
        let user = state.store.existing_user(other).await?;
        Ok::<_, Problem>(Done {
            message: format!("You blocked {}. Neither of you can send the other a request.", user.name),
            // A pending request between the two, either way, was turned down.
            changed: Changed { incoming: true, sent: true, ..Changed::default() },
            other,
        })
    }
    .await;
    finish(&state, &me, ctx, result).await
}

pub async fn unblock(
    State(state): State<AppState>,
    me: CurrentUser,
    ctx: ActionContext,
    Path(user_id): Path<String>,
) -> Response {
    let result = async {
        let other: UserId = parse_id(&user_id)?;
        state.store.unblock(me.id(), other).await?;
        let user = state.store.existing_user(other).await?;
        Ok::<_, Problem>(Done { message: format!("You unblocked {}.", user.name), changed: Changed::default(), other })
    }
    .await;
    finish(&state, &me, ctx, result).await
}
