//! The browser interface: server-rendered pages (Askama templates in `templates/`), enhanced by
//! htmx. Every action is a plain form that works without JavaScript (POST, 303 back, a one-time
//! flash message); with htmx the same address answers with only the fragments that changed.
//! Full pages and fragments render the same partial templates, so they cannot drift apart.
//!
//! Handlers hold no SQL and no rules: they parse what was typed, call the store functions the
//! API calls, and choose how to answer.

mod actions;
mod dashboard;
mod dom;
mod find;
mod layout;
mod notifications;
mod person;
mod problem;
mod relations;
mod requests;
mod sections;
mod signin;
mod time;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;

pub use actions::refuse_rate_limited;
pub use layout::CurrentUser;
pub use problem::{ErrorPage, Problem};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::home))
        .route("/session", post(signin::sign_in))
        .route("/session/end", post(signin::sign_out))
        .route("/users", post(signin::create_user))
        .route("/users/search", get(dashboard::search))
        .route("/dashboard/live", get(dashboard::live))
        .route("/requests", post(requests::send))
        .route("/requests/{id}/accept", post(requests::accept))
        .route("/requests/{id}/reject", post(requests::reject))
        .route("/requests/{id}/cancel", post(requests::cancel))
        .route("/partnerships/{id}/end", post(relations::end_partnership))
        .route("/blocks", post(relations::block))
        .route("/blocks/{user_id}/remove", post(relations::unblock))
        .route("/notifications", get(notifications::page))
        // A panic in a page handler still answers with a page, not the API's JSON.
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a page handler panicked");
            Problem::Internal.page()
        }))
}

/// Any address no route claims (outside `/api`, which answers JSON).
pub async fn not_found() -> Response {
    ErrorPage::new(StatusCode::NOT_FOUND, "Page not found", "There is nothing at this address.").into_response()
}
