//! `GET /events`: a Server-Sent Events stream of what other users' actions changed for the
//! signed-in user (a request received or answered, a partnership ended, a new notification), so
//! pages can refresh the part that changed instead of polling.
//!
//! Each event is named by its kind (`event: request_received`) and carries a small JSON object of
//! ids. A client that fell behind gets `event: resync` and should reload what it shows. The
//! stream ends when the server shuts down; the `retry:` hint tells browsers when to reconnect.
//!
//! Each stream holds a connection for as long as it is open, so there are at most a few per user
//! (`DEALNEST_MAX_EVENT_STREAMS_PER_USER`: one per open tab), a share per client address whatever
//! users it signs in as (`DEALNEST_MAX_EVENT_STREAMS_PER_CLIENT`, so a few made-up accounts
//! cannot take them all) and a bounded number in all (`DEALNEST_MAX_EVENT_STREAMS`). Past any of
//! them the stream is refused (429 for the user or the address, 503 for the process) rather than
//! another one closed: a browser's `EventSource` does not retry a
//! refusal, and the page falls back to its slow poller, where closing an older stream would have
//! two tabs take turns forever.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::{HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::{Stream, StreamExt, stream};
use serde_json::json;

use super::AppState;
use super::client::ClientKey;
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
    /// Per client address, whatever users it signs in as, in this process.
    pub per_client: usize,
    /// In all, in this process.
    pub per_process: usize,
}

impl Default for StreamLimits {
    /// A few tabs per person; in all, half of the default connection cap, so streams never take
    /// every connection; a quarter of that per address, so no one address takes them all.
    fn default() -> Self {
        Self { per_user: 4, per_client: 125, per_process: 500 }
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
    per_client: HashMap<ClientKey, usize>,
    total: usize,
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    User,
    Client,
    Process,
}

/// One more for `key` in `counts`.
fn add<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: K) {
    *counts.entry(key).or_default() += 1;
}

/// One less for `key` in `counts`, which forgets keys at zero.
fn remove<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) {
    if let Some(count) = counts.get_mut(key) {
        *count -= 1;
        if *count == 0 {
            counts.remove(key);
        }
    }
}

impl StreamSlots {
    pub fn new(limits: StreamLimits) -> Arc<Self> {
        Arc::new(Self { limits, open: Mutex::default() })
    }

    /// A slot for one more stream of `user` from `client`, held until the returned guard is
    /// dropped.
    pub fn take(self: &Arc<Self>, user: UserId, client: ClientKey) -> Result<Slot, Refused> {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if open.total >= self.limits.per_process {
            return Err(Refused::Process);
        }
        if open.per_user.get(&user).is_some_and(|n| *n >= self.limits.per_user) {
            return Err(Refused::User);
        }
        if open.per_client.get(&client).is_some_and(|n| *n >= self.limits.per_client) {
            return Err(Refused::Client);
        }
        add(&mut open.per_user, user);
        add(&mut open.per_client, client.clone());
        open.total += 1;
        metrics::gauge!("dealnest_sse_connections").increment(1.0);
        Ok(Slot { slots: Arc::clone(self), user, client })
    }

    fn give_back(&self, user: UserId, client: &ClientKey) {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        remove(&mut open.per_user, &user);
        remove(&mut open.per_client, client);
        metrics::gauge!("dealnest_sse_connections").decrement(1.0);
    }
}

/// One open stream's place, counted in `dealnest_sse_connections`, given back when dropped.
pub struct Slot {
    slots: Arc<StreamSlots>,
    user: UserId,
    client: ClientKey,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.give_back(self.user, &self.client);
    }
}

async fn events(
    identity: SignedIn,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let client = ClientKey::address(state.limits.proxies().client_ip(peer.ip(), &headers));
    let slot = match state.streams.take(identity.id(), client) {
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
        Refused::Client => "per_client",
        Refused::Process => "per_process",
    })
    .increment(1);
    let error = match refused {
        Refused::User => AppError::TooManyStreams { open: state.streams.limits.per_user },
        Refused::Client => AppError::TooManyStreamsFromNetwork,
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

    fn net(last: u8) -> ClientKey {
        ClientKey::address(std::net::IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn slots_are_capped_per_user_and_in_all_and_given_back() {
        let slots = StreamSlots::new(StreamLimits { per_user: 2, per_client: 10, per_process: 3 });
        let (alice, bob, carol) = (Id::new(1), Id::new(2), Id::new(3));
        let a1 = slots.take(alice, net(1)).unwrap();
        let _a2 = slots.take(alice, net(1)).unwrap();
        assert_eq!(slots.take(alice, net(2)).err(), Some(Refused::User));
        let _b1 = slots.take(bob, net(2)).unwrap();
        assert_eq!(slots.take(carol, net(3)).err(), Some(Refused::Process));
        drop(a1);
        let _c1 = slots.take(carol, net(3)).unwrap();
        drop((_a2, _b1, _c1));
        let open = slots.open.lock().unwrap();
        assert_eq!(open.total, 0);
        assert!(open.per_user.is_empty() && open.per_client.is_empty(), "those without streams are forgotten");
    }

    #[test]
    fn one_address_has_its_share_whatever_users_it_signs_in_as() {
        let slots = StreamSlots::new(StreamLimits { per_user: 2, per_client: 3, per_process: 20 });
        let held: Vec<Slot> = (1..=3).map(|user| slots.take(Id::new(user), net(1)).unwrap()).collect();
        assert_eq!(slots.take(Id::new(4), net(1)).err(), Some(Refused::Client));
        assert!(slots.take(Id::new(4), net(2)).is_ok(), "another address has its own share");
        drop(held);
        assert!(slots.take(Id::new(5), net(1)).is_ok());
    }
}
