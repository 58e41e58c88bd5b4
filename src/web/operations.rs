//! Endpoints for operators: liveness, readiness and metrics. With `DEALNEST_METRICS_BIND` set,
//! `/metrics` is served on that address alone ([`metrics_app`]), where only the scraper reaches
//! it, and the main listener answers it 404 like any address it does not serve.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use super::AppState;

/// The operators' endpoints on the main listener; `/metrics` too unless it has its own.
pub fn router(metrics_apart: bool) -> axum::Router<AppState> {
    let router = axum::Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));
    if metrics_apart { router } else { router.route("/metrics", get(metrics)) }
}

/// What the metrics listener serves: `/metrics`, and 404 for anything else.
pub fn metrics_app(state: AppState) -> axum::Router {
    axum::Router::new().route("/metrics", get(metrics)).fallback(|| async { StatusCode::NOT_FOUND }).with_state(state)
}

/// 200 whenever the process can answer.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database answers, 503 with the cause when it does not. An outage that reads
/// survive (a full disk, a read-only database) is named but keeps the instance ready: it still
/// serves reads, and taken out of a balancer it would see no write that could tell it the
/// outage ended.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let backend = state.service.health().backend().name();
    match state.service.health().ping().await {
        Ok(()) => {
            let mut body = json!({ "status": "ready", "database": backend });
            if let Some(cause) = state.service.health().outages().current() {
                body["outage"] = cause.code().into();
            }
            (StatusCode::OK, Json(body))
        }
        Err(error) => {
            let cause = error.unavailable().unwrap_or(crate::store::Unavailable::Down);
            let body = json!({ "status": "unavailable", "database": backend, "cause": cause.code() });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body))
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    for (pool, in_use, idle) in state.service.health().pool_usage() {
        metrics::gauge!("dealnest_db_connections", "pool" => pool, "state" => "in_use").set(f64::from(in_use));
        metrics::gauge!("dealnest_db_connections", "pool" => pool, "state" => "idle").set(f64::from(idle));
    }
    for cache in state.service.health().cache_usage().into_iter().chain([state.tokens.cache_usage()]) {
        metrics::gauge!("dealnest_cache_bytes", "cache" => cache.name).set(cache.bytes as f64);
        metrics::gauge!("dealnest_cache_entries", "cache" => cache.name).set(cache.entries as f64);
    }
    if let Some((groups, transactions)) = state.service.health().write_groups() {
        metrics::counter!("dealnest_sqlite_commit_groups_total").absolute(groups);
        metrics::counter!("dealnest_sqlite_write_transactions_total").absolute(transactions);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}
