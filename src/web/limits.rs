//! Per-client rate limits. A client is its user (bearer token or signed-in session), else its
//! address (see [`super::client`]). Each has two allowances a minute: writes
//! (`DEALNEST_RATE_LIMIT`) and expensive reads (`DEALNEST_READ_RATE_LIMIT`: searches and the user
//! directory, whose cost grows with the data). Past either it gets 429 with `Retry-After`: the
//! API's `rate_limited` error, or for pages a message where the answer would have gone. Reads of
//! one's own lists cost little and are not limited.
//!
//! The allowances are counted in this process, or with `DEALNEST_REDIS_URL` in Redis, where
//! every instance spends from the same one (`shared_limits.rs`); while Redis does not answer,
//! in this process again.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::Method;
use axum::http::header::CONTENT_LENGTH;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::client::{ClientKey, TrustedProxies};
use super::error::AppError;
use super::refusals::refuse;
use super::request::{bearer_token, is_safe};
use super::session::UserSession;
use super::shared_limits::{SharedLimits, Verdict};
use super::{AppState, BODY_LIMIT};

/// Reads whose cost grows with the data, which share the read allowance: one line per route
/// (its path as routed, parameters in braces).
const EXPENSIVE_READS: &[&str] = &["/api/v1/users", "/users/search"];

/// Which allowance a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Writes,
    Reads,
}

impl Budget {
    /// The allowance `method` on the route `route` spends, if any.
    pub fn of(method: &Method, route: Option<&str>) -> Option<Self> {
        if !is_safe(method) {
            return Some(Self::Writes);
        }
        let expensive = *method != Method::OPTIONS && route.is_some_and(|route| EXPENSIVE_READS.contains(&route));
        expensive.then_some(Self::Reads)
    }

    fn label(self) -> &'static str {
        match self {
            Self::Writes => "writes",
            Self::Reads => "reads",
        }
    }
}

/// One allowance per client, counted in this process; `None` inside when it is off.
#[derive(Clone)]
pub struct Limiter(Option<Arc<DefaultKeyedRateLimiter<ClientKey>>>, u32);

/// Above this many tracked clients, forget those whose allowance is full again. A client is
/// tracked only until its allowance is full again (60 s / the limit per request it made, a
/// minute at most), so reaching this many takes more requests per second than the server can
/// answer, and memory stays a few megabytes.
const MAX_TRACKED: usize = 100_000;

impl Limiter {
    /// `per_minute` requests per client per minute; 0 turns limiting off.
    pub fn new(per_minute: u32) -> Self {
        Self(NonZeroU32::new(per_minute).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))), per_minute)
    }

    /// Requests a minute; 0 is off.
    fn per_minute(&self) -> u32 {
        self.1
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

/// The allowances of every client, and how clients are told apart.
#[derive(Clone)]
pub struct ClientLimits {
    writes: Limiter,
    reads: Limiter,
    proxies: TrustedProxies,
    /// Where the allowances are counted for every instance, if anywhere.
    shared: Option<SharedLimits>,
}

impl ClientLimits {
    /// Writes and expensive reads per client per minute (0 turns either off); clients behind
    /// `proxies` are told apart by `X-Forwarded-For`.
    pub fn new(writes_per_minute: u32, reads_per_minute: u32, proxies: TrustedProxies) -> Self {
        Self { writes: Limiter::new(writes_per_minute), reads: Limiter::new(reads_per_minute), proxies, shared: None }
    }

    /// The same, counted in Redis for every instance.
    pub fn shared_by_instances(self, shared: SharedLimits) -> Self {
        Self { shared: Some(shared), ..self }
    }

    /// Spends one request of `key`'s allowance in `budget`: `Err(seconds to wait)` when over it.
    pub async fn check(&self, budget: Budget, key: &ClientKey) -> Result<(), u64> {
        let limiter = self.limiter(budget);
        if limiter.per_minute() == 0 {
            return Ok(());
        }
        if let Some(shared) = &self.shared {
            match shared.check(budget.label(), key, limiter.per_minute()).await {
                Verdict::Allowed => return Ok(()),
                Verdict::Wait(seconds) => return Err(seconds),
                Verdict::Unknown => {}
            }
        }
        limiter.check(key)
    }

    /// The proxies whose forwarding headers are believed.
    pub fn proxies(&self) -> &TrustedProxies {
        &self.proxies
    }

    fn limiter(&self, budget: Budget) -> &Limiter {
        match budget {
            Budget::Writes => &self.writes,
            Budget::Reads => &self.reads,
        }
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
    refuse(&request, AppError::PayloadTooLarge).await
}

/// The client a request is counted against: the bearer token's user when it verifies, else the
/// signed-in session's user, else its address.
async fn client_key(parts: &Parts, state: &AppState, session: Option<&UserSession>) -> ClientKey {
    if let Some(user) = bearer_token(&parts.headers).and_then(|token| state.tokens.verify(token).ok()) {
        return ClientKey::User(user.get());
    }
    if let Some(session) = session
        && let Ok(Some(user)) = session.signed_in_user().await
    {
        return ClientKey::User(user.get());
    }
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    ClientKey::address(state.limits.proxies.client_ip(peer, &parts.headers))
}

/// Middleware (inside the session layer, after routing): refuses a request over its client's
/// allowance with 429 and `Retry-After`.
pub async fn limit_clients(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    let Some(budget) = Budget::of(request.method(), route) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let session = UserSession::from_parts(&parts);
    let key = client_key(&parts, &state, session.as_ref()).await;
    let Err(wait) = state.limits.check(budget, &key).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    metrics::counter!("dealnest_rate_limited_total", "budget" => budget.label()).increment(1);
    let wait = wait.max(1);
    refuse(&Request::from_parts(parts, body), AppError::RateLimited { searches: budget == Budget::Reads, wait }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_is_per_client_and_zero_is_off() {
        let limiter = Limiter::new(2);
        let (a, b) = (ClientKey::User(1), ClientKey::User(2));
        assert!(limiter.check(&a).is_ok() && limiter.check(&a).is_ok());
        let wait = limiter.check(&a).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(limiter.check(&b).is_ok());
        let off = Limiter::new(0);
        assert!((0..1000).all(|_| off.check(&a).is_ok()));
    }

    #[test]
    fn writes_and_listed_reads_have_a_budget_and_other_reads_none() {
        let search = Some("/users/search");
        assert_eq!(Budget::of(&Method::POST, Some("/requests")), Some(Budget::Writes));
        assert_eq!(Budget::of(&Method::DELETE, None), Some(Budget::Writes));
        assert_eq!(Budget::of(&Method::GET, search), Some(Budget::Reads));
        assert_eq!(Budget::of(&Method::HEAD, Some("/api/v1/users")), Some(Budget::Reads));
        assert_eq!(Budget::of(&Method::OPTIONS, search), None);
        assert_eq!(Budget::of(&Method::GET, Some("/api/v1/users/{id}")), None);
        assert_eq!(Budget::of(&Method::GET, Some("/partner-requests/received/{user_id}")), None);
        assert_eq!(Budget::of(&Method::GET, None), None);
    }
}
