//! The answer to a request refused before any handler ran (too many requests, a cross-site form,
//! a body too large, an address that does not exist), in the way of the interface it was sent
//! to: the contract's JSON under `/api` (and `/events`) and to our scripts' calls that ask for
//! it, what a browser should see elsewhere;
//! and the count of the requests refused because the database was unavailable.

use std::future::Future;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{AppError, Refused};
use super::pages::errors::{Asked, answer};
use super::request::is_api;

/// `error`, answered to `request` in its interface's way (what the answer depends on is read
/// from the request at once, so the answer does not hold on to it).
pub fn refuse(request: &Request, error: AppError) -> impl Future<Output = Response> + Send + 'static {
    let asked = (!is_api(request.uri()) && !asks_for_json(request)).then(|| Asked::of(request));
    async move {
        match asked {
            None => error.into_response(),
            Some(asked) => answer(error, &asked).await,
        }
    }
}

/// Whether our own scripts' calls (the passkey ceremonies) sent this: they ask for JSON, and
/// get the JSON error.
fn asks_for_json(request: &Request) -> bool {
    request
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.trim().starts_with("application/json"))
}

/// The answer to an address no route knows (outside `/api`, which has its own).
pub async fn not_found(request: Request) -> Response {
    refuse(&request, AppError::NotFound).await
}

/// Middleware: counts every request refused because the database was unavailable, by cause
/// (`dealnest_requests_refused_total`), and in the outage under way (its end is logged with the
/// count).
pub async fn count_refusals(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(Refused { unavailable: Some(cause), .. }) = response.extensions().get::<Refused>() {
        state.service.health().outages().refused(*cause);
    }
    response
}
