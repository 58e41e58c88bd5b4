//! The machine's ceiling for `bench/run.sh`: a bare axum server with no database, no sessions,
//! no auth and no middleware, answering two of the benchmark's routes from memory. Issue 7 puts
//! this ceiling at 120,000–140,000 requests/s on one core of its reference machine; measured
//! beside the real server on the same machine, it turns the real figures into ratios that
//! survive a slower or busier instance.
//!
//! - `GET /api/v1/partner-requests/received/{id}`: a page of 10 requests, serialized per request
//!   with serde_json from records held in memory, in the real route's shape (1.5 kB).
//! - `GET /`: a 60 kB HTML body held in memory (the dashboard page's size, without making it).
//!
//! Run by `bench/run.sh --only ceiling`; by hand: `cargo bench --bench ceiling -- 127.0.0.1:18004`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Json};
use axum::routing::get;
use serde::Serialize;

#[derive(Clone, Serialize)]
struct Request {
    request_id: i64,
    sender_id: i64,
    recipient_id: i64,
    status: &'static str,
    message: Option<String>,
    created_at: String,
    responded_at: Option<String>,
}

#[derive(Serialize)]
struct Pagination {
    page: u32,
    size: u32,
    total: i64,
}

#[derive(Serialize)]
struct RequestPage<'a> {
    requests: &'a [Request],
    pagination: Pagination,
}

struct Memory {
    requests: Vec<Request>,
    page: axum::body::Bytes,
}

fn memory() -> Memory {
    let requests = (1..=10)
        .map(|i| Request {
            request_id: 2000 * i + 5,
            sender_id: 100 + i,
            recipient_id: 5,
            status: "pending",
            message: None,
            created_at: format!("2026-11-26T22:24:{:02}.181Z", 10 + i),
            responded_at: None,
        })
        .collect();
    let row = r#"<li class="row" id="incoming-18005"><div class="who"><span class="avatar">OM</span><span class="name">Oscar Martin 14</span></div></li>"#;
    let page = format!("<!doctype html><html><body><ul>{}</ul></body></html>\n", row.repeat(60_000 / row.len()));
    Memory { requests, page: page.into() }
}

async fn received(State(memory): State<Arc<Memory>>, Path(_user): Path<i64>) -> axum::response::Response {
    let pagination = Pagination { page: 1, size: 20, total: memory.requests.len() as i64 };
    Json(RequestPage { requests: &memory.requests, pagination }).into_response()
}

async fn page(State(memory): State<Arc<Memory>>) -> impl IntoResponse {
    Html(memory.page.clone())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // `cargo bench` passes `--bench`; the first other argument is the address.
    let address = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_else(|| "127.0.0.1:18004".into());
    let app = Router::new()
        .route("/", get(page))
        .route("/api/v1/partner-requests/received/{user}", get(received))
        .route("/readyz", get(|| async { "ready" }))
        .with_state(Arc::new(memory()));
    let listener = tokio::net::TcpListener::bind(&address).await?;
    axum::serve(listener, app).await
}
