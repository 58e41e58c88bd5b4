//! Endpoints for operators: liveness, readiness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use super::AppState;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
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
