//! HTTP: the router, its middleware, and what handlers share (state, identity, errors).

pub mod api;
pub mod assets;
pub mod body;
pub mod client;
pub mod connections;
pub mod csrf;
pub mod error;
pub mod events;
pub mod extract;
mod forms;
pub mod headers;
pub mod limits;
pub mod operations;
pub mod pages;
pub mod passkeys;
mod refusals;
pub mod request;
pub mod session;
pub mod shared_limits;
pub mod signed_in;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::response::IntoResponse;
use metrics_exporter_prometheus::PrometheusHandle;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::TokenKeys;
use crate::service::Service;
use crate::store::SessionStore;
use crate::telemetry;
use error::AppError;

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;
/// A request still running after this long is answered with 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler can reach; one shared allocation, so the clone every handler's `State`
/// extractor makes is one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What every handler shares (behind one reference count: see [`AppState`]).
pub struct Shared {
    pub service: Service,
    pub tokens: Arc<TokenKeys>,
    pub metrics: PrometheusHandle,
    pub limits: limits::ClientLimits,
    /// The live event streams open now.
    pub streams: Arc<events::StreamSlots>,
    /// Where browser sessions live.
    pub sessions: SessionStore,
    /// The site is reached over HTTPS: `Secure` cookies and HSTS.
    pub https: bool,
    /// `/metrics` is served on a listener of its own (`DEALNEST_METRICS_BIND`), not on this one.
    pub metrics_apart: bool,
    /// The WebAuthn relying party, when the public URL allows passkeys.
    pub passkeys: passkeys::Passkeys,
}

/// The whole application: API, pages and operators' endpoints behind the shared middleware.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let middleware = ServiceBuilder::new()
        .layer(axum::middleware::map_request(drop_unusable_request_id))
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                // A 5xx of ours logs its cause once where it happens, and an outage's 503s are
                // logged once by the store: not again per response here.
                .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        )
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a handler panicked");
            AppError::Internal.into_response()
        }))
        .layer(axum::middleware::from_fn(telemetry::track_http))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(axum::middleware::from_fn_with_state(state.https, headers::security_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));

    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name(session::COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.https)
        .with_expiry(Expiry::OnInactivity(session::INACTIVITY));

    Router::new()
        .merge(api::router())
        .merge(events::router())
        .merge(operations::router(state.metrics_apart))
        .merge(pages::router())
        .merge(assets::router())
        .fallback(refusals::not_found)
        // Innermost, so that a refused request is never read.
        .layer(axum::middleware::from_fn(forms::refuse_malformed_forms))
        .layer(axum::middleware::from_fn_with_state(state.clone(), csrf::refuse_cross_site))
        // Inside the session layer, so a signed-in browser is limited as its user, not its address.
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::limit_clients))
        .layer(axum::middleware::from_fn(limits::refuse_large_bodies))
        .layer(axum::middleware::from_fn_with_state(state.clone(), refusals::count_refusals))
        .layer(sessions)
        .layer(middleware)
        .with_state(state)
}

/// The longest client-chosen request id kept.
const MAX_REQUEST_ID: usize = 64;

/// Removes a client's `x-request-id` unless it is one short, plain value, so a new one is made:
/// the id goes into every log line and back to the client, where anything else could forge log
/// fields or bloat them.
async fn drop_unusable_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    let mut given = request.headers().get_all("x-request-id").iter();
    let usable = match (given.next(), given.next()) {
        (None, _) => true,
        (Some(id), None) => is_plain_request_id(id.as_bytes()),
        // Several ids: none is more the request's than another.
        (Some(_), Some(_)) => false,
    };
    if !usable {
        request.headers_mut().remove("x-request-id");
    }
    request
}

fn is_plain_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID).contains(&id.len())
        && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// One span per request, carrying its id and matched route, so every log line of a request
/// can be found by either.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
    let route = request.extensions().get::<axum::extract::MatchedPath>().map_or("", |p| p.as_str());
    tracing::info_span!("request", method = %request.method(), uri = %request.uri(), route, request_id)
}

#[cfg(test)]
mod tests {
    use super::is_plain_request_id;

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        for id in ["a", "trace-me-42", "A.b_c-9", &"x".repeat(64)] {
            assert!(is_plain_request_id(id.as_bytes()), "{id}");
        }
        for id in ["", "has space", "semi;colon", "quote\"", "ünï", "a/b", &"x".repeat(65)] {
            assert!(!is_plain_request_id(id.as_bytes()), "{id}");
        }
    }
}
