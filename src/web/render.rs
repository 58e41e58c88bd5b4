//! Middleware: answers a failed request outside `/api` the way a browser should see it. Every
//! handler and middleware fails with an `AppError`, whose response is the API's JSON; for the
//! pages that response is replaced by `pages::errors::answer`.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::error::AppError;
use super::pages::errors::{Asked, answer};
use super::request::is_api;

pub async fn render_errors(request: Request, next: Next) -> Response {
    // Our own scripts' calls (the passkey ceremonies) ask for JSON, and get the JSON error.
    if is_api(request.uri()) || asks_for_json(&request) {
        return next.run(request).await;
    }
    let asked = Asked::of(&request);
    let response = next.run(request).await;
    match response.extensions().get::<AppError>() {
        Some(error) => answer(error.clone(), asked).await,
        None => response,
    }
}

fn asks_for_json(request: &Request) -> bool {
    request
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.trim().starts_with("application/json"))
}
