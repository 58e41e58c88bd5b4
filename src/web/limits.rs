//! Per-client rate limiting of writes: each identity (else each IP address) may make
//! `DEALNEST_RATE_LIMIT` writes per minute; past that it gets 429 `rate_limited` with
//! `Retry-After`. Reads are not limited.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header::AUTHORIZATION};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::error::ApiError;

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

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The identity a write is counted against: the bearer token's user when it verifies, else the
/// signed-in session's user, else the peer address.
fn client_key(request: &Request, state: &AppState) -> ClientKey {
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| state.tokens.verify(token.trim()).ok());
    if let Some(user) = bearer {
        return ClientKey::User(user.get());
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    ClientKey::Ip(peer.unwrap_or(IpAddr::from([0, 0, 0, 0])))
}

/// Middleware: refuses writes over the client's allowance.
pub async fn limit_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_write(request.method()) {
        let key = client_key(&request, &state);
        if let Err(wait) = state.limiter.check(&key) {
            metrics::counter!("dealnest_rate_limited_total").increment(1);
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many changes in a short time; try again in {wait} seconds."),
            );
            error.retry_after = Some(wait.max(1));
            return error.into_response();
        }
    }
    next.run(request).await
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
