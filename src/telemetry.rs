//! Logs (tracing) and metrics (Prometheus text through the `metrics` facade).
//!
//! Every label takes a bounded set of values (a route as routed, never the path asked for; a
//! standard method or `other`), so no client can grow the number of series, and every metric is
//! described once, for its `# HELP` line. A refused request (403, 405, 413, 429, 431) counts
//! under one route and method whatever it asked for, and by the refusal's status however the
//! answer showed it, so the series of `http_requests_total` are at most the routes' own methods
//! and answers plus one per refusal status: a client trying every method on every route, from
//! every site, adds none.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;
use crate::web::error::Refused;

/// Installs the global log subscriber; `RUST_LOG` overrides the default level. Later calls (tests
/// that start several servers) keep the first one.
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=error,tower_http=info,tower_sessions=warn"));
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
            describe_metrics();
            handle
        })
        .clone()
}

/// The `# HELP` text of every metric the service records.
fn describe_metrics() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!("http_requests_total", "HTTP requests answered, by matched route, method and status.");
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by matched route, method and status."
    );
    describe_gauge!("dealnest_http_connections", "HTTP connections open now.");
    describe_counter!(
        "dealnest_connections_refused_total",
        "Connections closed on arrival, by reason (per_client: the address held its share)."
    );
    describe_gauge!("dealnest_db_connections", "Database connections, by pool and state (in_use, idle).");
    describe_counter!("dealnest_partner_requests_total", "Partner requests sent, accepted, rejected and cancelled.");
    describe_gauge!("dealnest_notification_backlog", "Notifications waiting for delivery.");
    describe_counter!("dealnest_notifications_delivered_total", "Notifications delivered.");
    describe_counter!(
        "dealnest_notification_delivery_failures_total",
        "Delivery attempts that failed (each is retried until the last attempt)."
    );
    describe_counter!("dealnest_notifications_failed_total", "Notifications given up on after the last attempt.");
    describe_counter!(
        "dealnest_mail_turned_off_total",
        "Notifications not mailed: their recipient turned that kind off."
    );
    describe_counter!("dealnest_mail_held_for_digest_total", "Notifications held for the daily digest by choice.");
    describe_counter!(
        "dealnest_mail_capped_total",
        "Notifications held for the daily digest: their recipient had their hourly share of mail."
    );
    describe_counter!("dealnest_digests_sent_total", "Daily digest mails sent.");
    describe_histogram!("dealnest_notification_delivery_seconds", Unit::Seconds, "Time to deliver one notification.");
    describe_gauge!("dealnest_sse_connections", "Live event streams open now.");
    describe_counter!(
        "dealnest_sse_refused_total",
        "Live event streams refused, by reason (per_user, per_client, per_process)."
    );
    describe_counter!("dealnest_rate_limited_total", "Requests refused for their client's rate limit, by budget.");
    describe_counter!(
        "dealnest_rate_limit_fallbacks_total",
        "Rate-limit checks counted in this process because Redis did not answer (DEALNEST_REDIS_URL)."
    );
    describe_counter!(
        "dealnest_requests_refused_total",
        "Requests answered 503 because the database was unavailable, by cause."
    );
    describe_gauge!("dealnest_cache_bytes", Unit::Bytes, "Bytes each in-memory cache holds, roughly (by cache).");
    describe_gauge!("dealnest_cache_entries", "Entries each in-memory cache holds (by cache).");
    describe_counter!(
        "dealnest_sqlite_commit_groups_total",
        "SQLite commits of the writer (each of a group of writes)."
    );
    describe_counter!("dealnest_sqlite_write_transactions_total", "Write transactions committed by the SQLite writer.");
}

/// How often histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Folds recorded histogram samples into their buckets every [`UPKEEP_EVERY`] until `shutdown`:
/// the recorder keeps each sample until then, so without scrapes its memory would grow with
/// every request.
pub fn spawn_metrics_upkeep(handle: PrometheusHandle, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(UPKEEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every.tick() => handle.run_upkeep(),
            }
        }
    })
}

/// The method as a label: one of the standard ones, else `other`, so made-up methods cannot
/// add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Answers that refuse a request before or instead of serving it: forbidden (cross-site, or not
/// the user's to see), a method the route does not take, a body or head too large, too many.
const REFUSALS: [StatusCode; 5] = [
    StatusCode::FORBIDDEN,
    StatusCode::METHOD_NOT_ALLOWED,
    StatusCode::PAYLOAD_TOO_LARGE,
    StatusCode::TOO_MANY_REQUESTS,
    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
];

/// The route, method and status labels of a request answered `status`; `refused` is the status
/// of the refusal the answer shows, if it is one (a page shows a refused form as a redirect back
/// with a message, so the answer's own status does not say).
fn labels<'a>(
    route: Option<&'a str>,
    method: &Method,
    status: StatusCode,
    refused: Option<StatusCode>,
) -> (&'a str, &'static str, StatusCode) {
    if let Some(refusal) = refused.into_iter().chain([status]).find(|s| REFUSALS.contains(s)) {
        return ("refused", "any", refusal);
    }
    // Every address no route claims shares one label.
    (route.unwrap_or("unmatched"), method_label(method), status)
}

/// Middleware: counts requests and records their latency by matched route, method and status.
pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let response = next.run(request).await;
    let refused = response.extensions().get::<Refused>().map(|refused| refused.status);
    let (route, method, status) = labels(route.as_ref().map(MatchedPath::as_str), &method, response.status(), refused);
    let labels = [("route", route.to_owned()), ("method", method.to_owned()), ("status", status.as_str().to_owned())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for made_up in ["PURGE", "XYZZY", "get"] {
            assert_eq!(method_label(&Method::from_bytes(made_up.as_bytes()).unwrap()), "other", "{made_up}");
        }
    }

    #[test]
    fn refusals_share_one_route_and_method() {
        let route = Some("/api/v1/users/{id}");
        for status in REFUSALS {
            assert_eq!(labels(route, &Method::DELETE, status, Some(status)), ("refused", "any", status));
            assert_eq!(labels(None, &Method::GET, status, None), ("refused", "any", status));
            // A page showing the refusal as a redirect back with a message.
            assert_eq!(labels(route, &Method::POST, StatusCode::SEE_OTHER, Some(status)), ("refused", "any", status));
        }
        let found = labels(route, &Method::GET, StatusCode::NOT_FOUND, Some(StatusCode::NOT_FOUND));
        assert_eq!(found, ("/api/v1/users/{id}", "GET", StatusCode::NOT_FOUND));
        assert_eq!(
            labels(None, &Method::GET, StatusCode::NOT_FOUND, None),
            ("unmatched", "GET", StatusCode::NOT_FOUND)
        );
    }
}
