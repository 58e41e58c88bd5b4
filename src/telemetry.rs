//! Logs (tracing) and metrics (Prometheus text through the `metrics` facade).

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// Installs the global log subscriber; `RUST_LOG` overrides the default level. Later calls (tests
/// that start several servers) keep the first one.
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info,tower_sessions=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Pretty => registry.with(tracing_subscriber::fmt::layer()).try_init(),
        LogFormat::Json => registry.with(tracing_subscriber::fmt::layer().json().flatten_event(true)).try_init(),
    };
}

const LATENCY_BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .expect("the bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding program); then ours only
            // renders what it was given, which is nothing, and the embedder's wins.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Middleware: counts requests and records their latency by matched route, method and status.
pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let (requests, duration) = http_metrics(route, &method, response.status().as_u16());
    requests.increment(1);
    duration.record(started.elapsed().as_secs_f64());
    response
}

type HttpMetrics = (Counter, Histogram);
/// Route, then (method, status): looked up by the route's `&str`, without allocating.
type HttpMetricsByRoute = HashMap<String, HashMap<(Method, u16), HttpMetrics>>;

/// The counter and histogram of one route, method and status, registered on first use and then
/// reused: registering through the `metrics` macros copies and hashes the three labels on every
/// request (about 5,000 instructions, as much as a small handler).
fn http_metrics(route: &str, method: &Method, status: u16) -> HttpMetrics {
    static SEEN: LazyLock<RwLock<HttpMetricsByRoute>> = LazyLock::new(Default::default);
    let key = (method.clone(), status);
    if let Some(found) = SEEN.read().ok().and_then(|seen| seen.get(route)?.get(&key).cloned()) {
        return found;
    }
    let labels = [("route", route.to_owned()), ("method", method.as_str().to_owned()), ("status", status.to_string())];
    let made = (
        metrics::counter!("http_requests_total", &labels),
        metrics::histogram!("http_request_duration_seconds", &labels),
    );
    if let Ok(mut seen) = SEEN.write() {
        seen.entry(route.to_owned()).or_default().insert(key, made.clone());
    }
    made
}
