//! `GET /events`: a Server-Sent Events stream of what other users' actions changed for the
//! signed-in user (a request received or answered, a partnership ended, a new notification), so
//! pages can refresh the part that changed instead of polling.
//!
//! Each event is named by its kind (`event: request_received`) and carries a small JSON object of
//! ids. A client that fell behind gets `event: resync` and should reload what it shows. The
//! stream ends when the server shuts down; the `retry:` hint tells browsers when to reconnect.
//!
//! Each stream holds a connection for as long as it is open, so there are at most a few per user
//! (`DEALNEST_MAX_EVENT_STREAMS_PER_USER`: one per open tab) and a bounded number in all
//! (`DEALNEST_MAX_EVENT_STREAMS`). Past either the stream is refused (429 for the user, 503 for
//! the process) rather than another one closed: a browser's `EventSource` does not retry a
//! refusal, and the page falls back to its slow poller, where closing an older stream would have
//! two tabs take turns forever.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::{Stream, StreamExt, stream};
use serde_json::json;

use super::AppState;
use super::error::AppError;
use super::signed_in::SignedIn;
use crate::domain::UserId;
use crate::service::{Received, Subscription};

/// A comment line this often keeps proxies and browsers from closing an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting a dropped stream.
pub const RETRY: Duration = Duration::from_secs(3);

pub fn router() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

/// How many live event streams may be open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Per user, in this process.
    pub per_user: usize,
    /// In all, in this process.
    pub per_process: usize,
}

impl Default for StreamLimits {
    /// A few tabs per person; in all, half of the default connection cap, so streams never take
    /// every connection.
    fn default() -> Self {
        Self { per_user: 4, per_process: 500 }
    }
}

/// The streams open now, per user and in all; a user appears only while they have one.
pub struct StreamSlots {
    limits: StreamLimits,
    open: Mutex<OpenStreams>,
}

#[derive(Default)]
struct OpenStreams {
    per_user: HashMap<UserId, usize>,
    total: usize,
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    User,
    Process,
}

impl StreamSlots {
    pub fn new(limits: StreamLimits) -> Arc<Self> {
        Arc::new(Self { limits, open: Mutex::default() })
    }

    /// A slot for one more stream of `user`, held until the returned guard is dropped.
    pub fn take(self: &Arc<Self>, user: UserId) -> Result<Slot, Refused> {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if open.total >= self.limits.per_process {
            return Err(Refused::Process);
        }
        let mine = open.per_user.entry(user).or_default();
        if *mine >= self.limits.per_user {
            return Err(Refused::User);
        }
        *mine += 1;
        open.total += 1;
        metrics::gauge!("dealnest_sse_connections").increment(1.0);
        Ok(Slot { slots: Arc::clone(self), user })
    }

    fn give_back(&self, user: UserId) {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(mine) = open.per_user.get_mut(&user) {
            *mine -= 1;
            if *mine == 0 {
                open.per_user.remove(&user);
            }
        }
        metrics::gauge!("dealnest_sse_connections").decrement(1.0);
    }
}

/// One open stream's place, counted in `dealnest_sse_connections`, given back when dropped.
pub struct Slot {
    slots: Arc<StreamSlots>,
    user: UserId,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.give_back(self.user);
    }
}

async fn events(identity: SignedIn, State(state): State<AppState>) -> Response {
    let slot = match state.streams.take(identity.id()) {
        Ok(slot) => slot,
        Err(refused) => return refuse(refused, &state),
    };
    // Subscribed before the response starts, so nothing committed after the client sees the
    // headers can be missed.
    let subscription = state.service.events().subscribe(identity.id());
    let stream = event_stream(subscription, slot);
    (
        // Tells nginx-style proxies not to buffer the stream.
        [(HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"))],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)),
    )
        .into_response()
}

fn refuse(refused: Refused, state: &AppState) -> Response {
    metrics::counter!("dealnest_sse_refused_total", "reason" => match refused {
        Refused::User => "per_user",
        Refused::Process => "per_process",
    })
    .increment(1);
    let error = match refused {
        Refused::User => AppError::TooManyStreams { open: state.streams.limits.per_user },
        Refused::Process => AppError::StreamsFull,
    };
    error.into_response()
}

fn event_stream(subscription: Subscription, slot: Slot) -> impl Stream<Item = Result<Event, Infallible>> {
    let hello = Event::default().retry(RETRY).comment("connected");
    let updates = stream::unfold((subscription, slot), |(mut subscription, slot)| async move {
        let event = match subscription.recv().await? {
            Received::Event(kind) => Event::default().event(kind.name()).data(kind.data().to_string()),
            Received::Missed(missed) => Event::default().event("resync").data(json!({ "missed": missed }).to_string()),
        };
        Some((Ok(event), (subscription, slot)))
    });
    stream::once(async { Ok(hello) }).chain(updates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Id;

    #[test]
    fn slots_are_capped_per_user_and_in_all_and_given_back() {
        let slots = StreamSlots::new(StreamLimits { per_user: 2, per_process: 3 });
        let (alice, bob, carol) = (Id::new(1), Id::new(2), Id::new(3));
        let a1 = slots.take(alice).unwrap();
        let _a2 = slots.take(alice).unwrap();
        assert_eq!(slots.take(alice).err(), Some(Refused::User));
        let _b1 = slots.take(bob).unwrap();
        assert_eq!(slots.take(carol).err(), Some(Refused::Process));
        drop(a1);
        let _c1 = slots.take(carol).unwrap();
        drop((_a2, _b1, _c1));
        let open = slots.open.lock().unwrap();
        assert_eq!(open.total, 0);
        assert!(open.per_user.is_empty(), "users without streams are forgotten");
    }
}
