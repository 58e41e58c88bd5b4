//! Per-client rate limiting of writes: each identity (bearer token or signed-in session, else the
//! IP address) may make `DEALNEST_RATE_LIMIT` writes per minute; past that it gets 429 with
//! `Retry-After` (`rate_limited` in the API). Reads are not limited.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_LENGTH, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;
use super::pages;
use super::request::{bearer_token, is_api, is_safe};
use super::session::UserSession;
use super::{AppState, BODY_LIMIT};

/// Who a write is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    User(i64),
    Ip(IpAddr),
}

/// The write limiter; `None` inside when the limit is off.
#[derive(Clone)]
pub struct WriteLimiter(Option<Arc<DefaultKeyedRateLimiter<ClientKey>>>);

/// Above this many tracked clients, forget those whose allowance is full again.
const MAX_TRACKED: usize = 100_000;

impl WriteLimiter {
    /// `per_minute` writes per client per minute; 0 turns limiting off.
    pub fn new(per_minute: u32) -> Self {
        Self(NonZeroU32::new(per_minute).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))))
    }

    /// `Err(seconds to wait)` when `key` is over its allowance.
    pub fn check(&self, key: &ClientKey) -> Result<(), u64> {
        let Some(limiter) = &self.0 else { return Ok(()) };
        if limiter.len() > MAX_TRACKED {
            limiter.retain_recent();
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// Middleware: refuses a body declared larger than [`BODY_LIMIT`] before reading any of it, on
/// every route (extractors enforce the same limit on bodies sent without a length).
pub async fn refuse_large_bodies(request: Request, next: Next) -> Response {
    let declared =
        request.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_none_or(|length| length <= BODY_LIMIT as u64) {
        return next.run(request).await;
    }
    if is_api(request.uri()) {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large.")
            .into_response()
    } else {
        let message = "That was more than we accept in one request (64 KiB).";
        pages::ErrorPage::new(StatusCode::PAYLOAD_TOO_LARGE, "Too large", message).into_response()
    }
}

/// The identity a write is counted against: the bearer token's user when it verifies, else the
/// signed-in session's user, else the peer address.
async fn client_key(parts: &Parts, state: &AppState, session: Option<&UserSession>) -> ClientKey {
    let bearer = bearer_token(&parts.headers).and_then(|token| state.tokens.verify(token).ok());
    if let Some(user) = bearer {
        return ClientKey::User(user.get());
    }
    if let Some(session) = session
        && let Ok(Some(user)) = session.signed_in_user().await
    {
        return ClientKey::User(user.get());
    }
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    ClientKey::Ip(peer.unwrap_or(IpAddr::from([0, 0, 0, 0])))
}

/// Middleware (inside the session layer): refuses writes over the client's allowance, in the
/// form the client understands — the JSON error body for the API, an inline message for htmx, a
/// flash message and a redirect back for a plain form.
pub async fn limit_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_safe(request.method()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let session = UserSession::from_parts(&parts);
    let key = client_key(&parts, &state, session.as_ref()).await;
    let Err(wait) = state.limiter.check(&key) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    metrics::counter!("dealnest_rate_limited_total").increment(1);
    let wait = wait.max(1);
    let mut response = if is_api(&parts.uri) {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Too many changes in a short time; try again in {wait} seconds."),
        )
        .into_response()
    } else {
        pages::refuse_rate_limited(&parts, session, wait).await
    };
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(wait));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_is_per_client_and_zero_is_off() {
        let limiter = WriteLimiter::new(2);
        let (a, b) = (ClientKey::User(1), ClientKey::User(2));
        assert!(limiter.check(&a).is_ok() && limiter.check(&a).is_ok());
        let wait = limiter.check(&a).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(limiter.check(&b).is_ok());
        let off = WriteLimiter::new(0);
        assert!((0..1000).all(|_| off.check(&a).is_ok()));
    }
}
