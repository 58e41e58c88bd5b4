//! `GET /events`: a Server-Sent Events stream of what other users' actions changed for the
//! signed-in user (a request received or answered, a partnership ended, a new notification), so
//! pages can refresh the part that changed instead of polling.
//!
//! Each event is named by its kind (`event: request_received`) and carries a small JSON object of
//! ids. A client that fell behind gets `event: resync` and should reload what it shows. The
//! stream ends when the server shuts down; the `retry:` hint tells browsers when to reconnect.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderName;
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures::{Stream, StreamExt, stream};
use serde_json::json;

use super::AppState;
use super::identity::Identity;
use crate::store::{Received, Subscription};

/// A comment line this often keeps proxies and browsers from closing an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting a dropped stream.
pub const RETRY: Duration = Duration::from_secs(3);

pub fn router() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

async fn events(identity: Identity, State(state): State<AppState>) -> impl IntoResponse {
    // Subscribed before the response starts, so nothing committed after the client sees the
    // headers can be missed.
    let subscription = state.store.subscribe(identity.id());
    let stream = event_stream(subscription, Connected::new());
    (
        // Tells nginx-style proxies not to buffer the stream.
        [(HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"))],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)),
    )
}

fn event_stream(subscription: Subscription, connected: Connected) -> impl Stream<Item = Result<Event, Infallible>> {
    let hello = Event::default().retry(RETRY).comment("connected");
    let updates = stream::unfold((subscription, connected), |(mut subscription, connected)| async move {
        let event = match subscription.recv().await? {
            Received::Event(kind) => Event::default().event(kind.name()).data(kind.data().to_string()),
            Received::Missed(missed) => Event::default().event("resync").data(json!({ "missed": missed }).to_string()),
        };
        Some((Ok(event), (subscription, connected)))
    });
    stream::once(async { Ok(hello) }).chain(updates)
}

/// Counts open streams in `dealnest_sse_connections` for as long as it lives.
struct Connected;

impl Connected {
    fn new() -> Self {
        metrics::gauge!("dealnest_sse_connections").increment(1.0);
        Self
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        metrics::gauge!("dealnest_sse_connections").decrement(1.0);
    }
}
