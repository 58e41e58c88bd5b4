//! The browser interface: server-rendered pages (Askama templates in `templates/`), enhanced by
//! htmx. Every action is a plain form that works without JavaScript (POST, 303 back, a one-time
//! flash message); with htmx the same address answers with only the fragments that changed.
//! Full pages and fragments render the same partial templates, so they cannot drift apart.
//!
//! Handlers hold no SQL and no rules: they parse what was typed, call the use cases of `service`
//! the API calls, and choose how to answer, each through `errors::Asked::answer`, which answers
//! a failure as the pages do.

mod actions;
mod blocks;
mod bulk;
mod dashboard;
pub mod errors;
mod find;
mod layout;
mod lists;
mod network;
mod notifications;
mod partnerships;
mod passkeys;
mod person;
mod plain;
mod relative_time;
mod requests;
mod settings;
mod signin;
mod unsubscribe;

use axum::Router;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;

use super::AppState;
use super::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::home))
        .route("/session", post(signin::sign_in))
        .route("/session/end", post(signin::sign_out))
        .route("/users", post(signin::create_user))
        .route("/users/search", get(dashboard::search))
        .route("/dashboard/live", get(dashboard::live))
        .route("/requests", post(requests::send))
        .route("/requests/bulk", post(bulk::bulk))
        .route("/people/{id}/in-common", get(network::names))
        .route("/requests/{id}/accept", post(requests::accept))
        .route("/requests/{id}/reject", post(requests::reject))
        .route("/requests/{id}/cancel", post(requests::cancel))
        .route("/partnerships/{id}/end", post(partnerships::end_partnership))
        .route("/blocks", post(blocks::block))
        .route("/blocks/{user_id}/remove", post(blocks::unblock))
        .route("/notifications", get(notifications::page))
        .route("/settings", get(settings::page).post(settings::save))
        .route("/settings/passkeys/start", post(passkeys::start_registration))
        .route("/settings/passkeys/finish", post(passkeys::finish_registration))
        .route("/settings/passkeys/{id}/remove", post(passkeys::remove))
        .route("/session/passkey/start", post(passkeys::start_sign_in))
        .route("/session/passkey/finish", post(passkeys::finish_sign_in))
        .route("/unsubscribe/{token}", get(unsubscribe::show).post(unsubscribe::confirm))
        // A panic in a page handler still answers with a page, not a bare 500.
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a page handler panicked");
            errors::page(&AppError::Internal.problem())
        }))
}
