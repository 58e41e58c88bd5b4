//! The start page (`/`: the dashboard when signed in, else the sign-in page), the one user search
//! address both use, and the live update of the dashboard's lists.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_htmx::{HxResponseTrigger, VaryHxRequest};
use serde::Deserialize;

use super::actions::{ActionUpdate, RELATIONS_CHANGED};
use super::errors::Asked;
use super::find::{FindResults, FindSection, SEARCH_PAGE_SIZE, Search, SearchParams};
use super::layout::{Layout, SizedRender};
use super::lists::{IncomingSection, Lists, LivePoller, PartnersSection, SentSection};
use super::network::SuggestionsSection;
use super::signin;
use crate::domain::{PageRequest, User};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::session::UserSession;
use crate::web::signed_in::{SignedIn, session_user};

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub first_name: String,
    pub incoming: IncomingSection,
    pub sent: SentSection,
    pub partners: PartnersSection,
    pub find: FindSection,
    pub suggestions: SuggestionsSection,
    pub live: LivePoller,
}

pub async fn home(State(state): State<AppState>, asked: Asked, session: UserSession) -> Response {
    asked.answer(start_page(&state, &session, SearchParams::default(), false)).await
}

/// One address, four answers: signed in or not, htmx (the results alone) or not (the whole page).
pub async fn search(
    State(state): State<AppState>,
    asked: Asked,
    session: UserSession,
    Query(params): Query<SearchParams>,
) -> Response {
    asked
        .answer(async {
            let response = start_page(&state, &session, params, asked.is_htmx()).await?;
            Ok((VaryHxRequest, response).into_response())
        })
        .await
}

async fn start_page(state: &AppState, session: &UserSession, params: SearchParams, htmx: bool) -> AppResult<Response> {
    let search = Search::parse(&params)?;
    let Some(user) = session_user(state, session).await? else {
        return signin::page_or_list(state, session, search, htmx).await;
    };
    if htmx {
        let found = state.service.network().candidates(user.id, &search.query, search.page).await?;
        return Ok(FindResults::new(&search.text, &found).into_response());
    }
    if search.text.is_empty() && search.page == first_search_page() {
        // The dashboard as it opens: kept by the service while nothing it shows has changed.
        let kept = state.service.dashboard().view(user.id, search.page).await?;
        let find = FindSection { results: FindResults::new("", &kept.candidates), q: String::new() };
        let suggestions = SuggestionsSection::new(&kept.suggestions);
        return dashboard(session, user, find, suggestions, Lists::new(&kept.relations, state.service.now())).await;
    }
    // A search typed with JavaScript off: everything the page shows, as of one moment.
    let found = state.service.dashboard().search(user.id, &search.query, search.page).await?;
    let find = FindSection { results: FindResults::new(&search.text, &found.candidates), q: search.text };
    let suggestions = SuggestionsSection::new(&found.suggestions);
    dashboard(session, user, find, suggestions, Lists::new(&found.relations, state.service.now())).await
}

/// The first page of user search (sign-in list and "Find partners").
pub fn first_search_page() -> PageRequest {
    PageRequest::parse(None, Some(SEARCH_PAGE_SIZE)).expect("the search page size is within bounds")
}

async fn dashboard(
    session: &UserSession,
    user: User,
    find: FindSection,
    suggestions: SuggestionsSection,
    lists: Lists,
) -> AppResult<Response> {
    let flash = session.take_flash().await?;
    let first_name = user.name.as_str().split_whitespace().next().unwrap_or_default().to_owned();
    let layout = Layout::new("Dashboard", Some(user), lists.nav.unread, flash);
    let page = DashboardPage {
        layout,
        first_name,
        incoming: lists.incoming,
        sent: lists.sent,
        partners: lists.partners,
        find,
        suggestions,
        live: lists.live,
    };
    static RENDER: SizedRender = SizedRender::new();
    RENDER.respond(&page)
}

#[derive(Debug, Deserialize)]
pub struct LiveParams {
    #[serde(default)]
    pub v: String,
}

/// The poller's question "did my lists change?": 204 when they did not, else every list out of
/// band, and a nudge to the search results, which may show a stale standing.
pub async fn live(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Query(params): Query<LiveParams>,
) -> Response {
    asked.answer(live_update(state, me, params)).await
}

async fn live_update(state: AppState, me: Result<SignedIn, AppError>, params: LiveParams) -> AppResult<Response> {
    let me = me?;
    // Answered from the kept dashboard while nothing changed: one primary-key read.
    let kept = state.service.dashboard().view(me.id(), first_search_page()).await?;
    let lists = Lists::new(&kept.relations, state.service.now());
    if lists.live.stamp == params.v {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let lists = lists.out_of_band();
    let update = ActionUpdate {
        find_row: None,
        incoming: Some(lists.incoming),
        sent: Some(lists.sent),
        partners: Some(lists.partners),
        suggestions: Some(SuggestionsSection { oob: true, ..SuggestionsSection::new(&kept.suggestions) }),
        nav: lists.nav,
        status: None,
        live: lists.live,
    };
    Ok((HxResponseTrigger::normal([RELATIONS_CHANGED]), update).into_response())
}
