//! The answer to a request refused before any handler ran (too many requests, a cross-site form,
//! a body too large, an address that does not exist), in the way of the interface it was sent
//! to: the contract's JSON under `/api` (and `/events`), what a browser should see elsewhere.

use std::future::Future;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use super::pages::errors::{Asked, answer};
use super::request::is_api;

/// `error`, answered to `request` in its interface's way (what the answer depends on is read
/// from the request at once, so the answer does not hold on to it).
pub fn refuse(request: &Request, error: AppError) -> impl Future<Output = Response> + Send + 'static {
    let asked = (!is_api(request.uri())).then(|| Asked::of(request));
    async move {
        match asked {
            None => error.into_response(),
            Some(asked) => answer(error, &asked).await,
        }
    }
}

/// The answer to an address no route knows (outside `/api`, which has its own).
pub async fn not_found(request: Request) -> Response {
    refuse(&request, AppError::NotFound).await
}
