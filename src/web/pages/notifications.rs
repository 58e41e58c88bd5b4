//! The signed-in user's notifications. Opening the page marks them read; the ones that were new
//! stay marked "New" on this visit.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::errors::Asked;
use super::find::Pager;
use super::layout::Layout;
use super::relative_time::When;
use crate::domain::PageRequest;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::signed_in::SignedIn;

pub struct NoteRow {
    pub text: String,
    pub when: When,
    pub new: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub notes: Vec<NoteRow>,
    pub total: i64,
    pub pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
pub struct NotesParams {
    #[serde(default)]
    pub page: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Query(params): Query<NotesParams>,
) -> Response {
    asked.answer(notes(state, me, params)).await
}

async fn notes(state: AppState, me: Result<SignedIn, AppError>, params: NotesParams) -> AppResult<Response> {
    let me = me?;
    let page = params.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| *p >= 1);
    let page = PageRequest::parse(page, None)?;
    let list = state.service.notifications().list(me.id(), page).await?;
    state.service.notifications().mark_read(me.id()).await?;
    let unread = state.service.notifications().unread(me.id()).await?;
    let flash = me.session.take_flash().await?;
    let now = state.service.now();
    let has_more = page.offset() + page.limit() < list.total;
    let notes = list
        .items
        .into_iter()
        .map(|n| NoteRow { new: n.read_at.is_none(), when: When::new(n.created_at, now), text: n.text })
        .collect();
    Ok(NotificationsPage {
        layout: Layout::new("Notifications", Some(me.user), unread, flash),
        notes,
        total: list.total,
        pager: Pager::new(
            page,
            has_more,
            false,
            |n| format!("/notifications?page={n}"),
            None,
            "Notification pages",
            "Older notifications are not listed.",
        ),
    }
    .into_response())
}
