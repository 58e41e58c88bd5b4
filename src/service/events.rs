//! Live events for users: what the use cases' writes changed for someone other than the actor,
//! published after commit, so a page can update without polling.
//!
//! The bus is in-process, fed through [`EventBus::publish`]: directly by the service after each
//! commit on SQLite, and on PostgreSQL by the `LISTEN` relay (`store/live.rs`), which hears every
//! instance's announcements. Each user with a subscriber has a channel of their own (a
//! `tokio::sync::broadcast` channel shared by that user's subscribers), so an event wakes only
//! the streams of the user it concerns, and a user without subscribers costs nothing. Events are
//! hints to refresh, not a record: the database stays the truth, and a subscriber that falls
//! behind is told to resynchronise rather than being replayed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::domain::{Id, NotificationId, NotificationKind, PartnershipId, RequestId, RequestStatus, UserId};

/// Events kept for a user's subscribers while they are momentarily behind; past that they
/// resynchronise.
const CAPACITY: usize = 64;

/// Something changed for `user_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEvent {
    pub user_id: UserId,
    pub kind: UserEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEventKind {
    /// Someone sent this user a partner request.
    RequestReceived { request_id: RequestId, sender_id: UserId },
    /// The other party accepted, rejected or cancelled a request between them.
    RequestAnswered { request_id: RequestId, status: RequestStatus },
    /// The other member ended a partnership with this user.
    PartnershipEnded { partnership_id: PartnershipId, ended_by: UserId },
    /// A notification arrived in this user's inbox.
    Notification { notification_id: NotificationId, kind: NotificationKind },
    /// Events may have been lost: reload what is shown (never sent between instances).
    Resync,
}

impl UserEventKind {
    /// The event's name on the wire (the SSE `event:` field).
    pub fn name(&self) -> &'static str {
        match self {
            Self::RequestReceived { .. } => "request_received",
            Self::RequestAnswered { .. } => "request_answered",
            Self::PartnershipEnded { .. } => "partnership_ended",
            Self::Notification { .. } => "notification",
            Self::Resync => "resync",
        }
    }

    /// A small JSON payload: ids to refresh, never user-written text.
    pub fn data(&self) -> Value {
        match self {
            Self::RequestReceived { request_id, sender_id } => {
                json!({ "request_id": request_id, "sender_id": sender_id })
            }
            Self::RequestAnswered { request_id, status } => json!({ "request_id": request_id, "status": status }),
            Self::PartnershipEnded { partnership_id, ended_by } => {
                json!({ "partnership_id": partnership_id, "ended_by": ended_by })
            }
            Self::Notification { notification_id, kind } => {
                json!({ "notification_id": notification_id, "kind": kind })
            }
            Self::Resync => json!({ "reason": "reconnected" }),
        }
    }
}

impl UserEvent {
    /// The event as one line of JSON, to cross process boundaries.
    pub fn to_wire(&self) -> String {
        Self::wire_of(self.user_id, &self.kind)
    }

    /// What [`UserEvent::to_wire`] writes for `kind` happening to `user_id`.
    pub fn wire_of(user_id: UserId, kind: &UserEventKind) -> String {
        json!({ "user_id": user_id, "event": kind.name(), "data": kind.data() }).to_string()
    }

    /// Reads what [`UserEvent::to_wire`] wrote; `None` for anything else.
    pub fn from_wire(text: &str) -> Option<Self> {
        let value: Value = serde_json::from_str(text).ok()?;
        let data = &value["data"];
        fn id<T>(data: &Value, key: &str) -> Option<Id<T>> {
            data[key].as_i64().map(Id::new)
        }
        let kind = match value["event"].as_str()? {
            "request_received" => UserEventKind::RequestReceived {
                request_id: id(data, "request_id")?,
                sender_id: id(data, "sender_id")?,
            },
            "request_answered" => UserEventKind::RequestAnswered {
                request_id: id(data, "request_id")?,
                status: RequestStatus::parse(data["status"].as_str()?)?,
            },
            "partnership_ended" => UserEventKind::PartnershipEnded {
                partnership_id: id(data, "partnership_id")?,
                ended_by: id(data, "ended_by")?,
            },
            "notification" => UserEventKind::Notification {
                notification_id: id(data, "notification_id")?,
                kind: NotificationKind::parse(data["kind"].as_str()?)?,
            },
            _ => return None,
        };
        Some(Self { user_id: Id::new(value["user_id"].as_i64()?), kind })
    }
}

/// The process's event bus; cheap to clone.
#[derive(Clone, Default)]
pub struct EventBus(Arc<Channels>);

#[derive(Default)]
struct Channels {
    /// One channel per user who has a subscriber now; removed with their last subscriber.
    by_user: Mutex<HashMap<UserId, broadcast::Sender<UserEventKind>>>,
    /// Cancelled at shutdown, so that open streams end and the server can stop.
    closed: CancellationToken,
}

impl Channels {
    fn lock(&self) -> MutexGuard<'_, HashMap<UserId, broadcast::Sender<UserEventKind>>> {
        self.by_user.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl EventBus {
    /// Hands `event` to the current subscribers of its user; with none, it is dropped.
    pub fn publish(&self, event: UserEvent) {
        if let Some(sender) = self.0.lock().get(&event.user_id) {
            let _ = sender.send(event.kind);
        }
    }

    /// Events for `user` from now on.
    pub fn subscribe(&self, user: UserId) -> Subscription {
        let receiver = self.0.lock().entry(user).or_insert_with(|| broadcast::channel(CAPACITY).0).subscribe();
        Subscription { user, receiver: Some(receiver), bus: self.clone() }
    }

    /// Tells every subscriber to reload what it shows: events may have been lost (the relay
    /// from other instances was cut off for a while).
    pub fn resync_all(&self) {
        for sender in self.0.lock().values() {
            let _ = sender.send(UserEventKind::Resync);
        }
    }

    /// Ends every subscription (at shutdown); later ones end at once.
    pub fn close(&self) {
        self.0.closed.cancel();
    }

    /// Users with a subscriber now.
    #[cfg(test)]
    fn users(&self) -> usize {
        self.0.lock().len()
    }
}

/// What a subscription yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Event(UserEventKind),
    /// The subscriber fell behind and this many of its user's events were dropped: reload.
    Missed(u64),
}

/// One subscriber to one user's events.
pub struct Subscription {
    user: UserId,
    /// Always `Some` until dropped.
    receiver: Option<broadcast::Receiver<UserEventKind>>,
    bus: EventBus,
}

impl Subscription {
    /// The next event for this user; `None` once the bus is closed.
    pub async fn recv(&mut self) -> Option<Received> {
        let receiver = self.receiver.as_mut()?;
        let received = tokio::select! {
            biased;
            () = self.bus.0.closed.cancelled() => return None,
            received = receiver.recv() => received,
        };
        match received {
            Ok(kind) => Some(Received::Event(kind)),
            Err(RecvError::Lagged(missed)) => Some(Received::Missed(missed)),
            Err(RecvError::Closed) => None,
        }
    }
}

impl Drop for Subscription {
    /// The last subscriber of a user takes the user's channel with it. The receiver is dropped
    /// under the lock, so a subscribe racing with this drop finds the channel either still
    /// counted or gone, never orphaned.
    fn drop(&mut self) {
        let mut by_user = self.bus.0.lock();
        drop(self.receiver.take());
        if by_user.get(&self.user).is_some_and(|sender| sender.receiver_count() == 0) {
            by_user.remove(&self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::Id;

    fn received(user: i64, request: i64) -> UserEvent {
        UserEvent {
            user_id: Id::new(user),
            kind: UserEventKind::RequestReceived { request_id: Id::new(request), sender_id: Id::new(9) },
        }
    }

    #[tokio::test]
    async fn a_subscription_sees_only_its_users_events() {
        let bus = EventBus::default();
        let mut bob = bus.subscribe(Id::new(2));
        bus.publish(received(1, 10));
        bus.publish(received(2, 11));
        let Some(Received::Event(kind)) = bob.recv().await else { panic!("no event") };
        assert_eq!(kind.name(), "request_received");
        assert_eq!(kind.data(), json!({ "request_id": 11, "sender_id": 9 }));
        assert!(tokio::time::timeout(Duration::from_millis(50), bob.recv()).await.is_err());
    }

    #[test]
    fn events_survive_the_wire() {
        let events = [
            received(1, 10),
            UserEvent {
                user_id: Id::new(2),
                kind: UserEventKind::RequestAnswered { request_id: Id::new(3), status: RequestStatus::Accepted },
            },
            UserEvent {
                user_id: Id::new(4),
                kind: UserEventKind::PartnershipEnded { partnership_id: Id::new(5), ended_by: Id::new(6) },
            },
            UserEvent {
                user_id: Id::new(7),
                kind: UserEventKind::Notification {
                    notification_id: Id::new(8),
                    kind: NotificationKind::RequestAccepted,
                },
            },
        ];
        for event in events {
            assert_eq!(UserEvent::from_wire(&event.to_wire()), Some(event));
        }
        assert_eq!(UserEvent::from_wire("{}"), None);
    }

    #[tokio::test]
    async fn closing_ends_subscriptions() {
        let bus = EventBus::default();
        let mut sub = bus.subscribe(Id::new(1));
        bus.close();
        assert_eq!(sub.recv().await, None);
        assert_eq!(bus.subscribe(Id::new(1)).recv().await, None);
    }

    #[tokio::test]
    async fn others_events_never_reach_a_subscription_nor_push_it_behind() {
        let bus = EventBus::default();
        let mut bob = bus.subscribe(Id::new(2));
        for i in 0..(CAPACITY as i64 * 10) {
            bus.publish(received(1, i + 1));
        }
        bus.publish(received(2, 7));
        let Some(Received::Event(kind)) = bob.recv().await else { panic!("bob's event was lost") };
        assert_eq!(kind.data(), json!({ "request_id": 7, "sender_id": 9 }));
    }

    #[tokio::test]
    async fn a_user_is_forgotten_with_their_last_subscription() {
        let bus = EventBus::default();
        let (first, second) = (bus.subscribe(Id::new(1)), bus.subscribe(Id::new(1)));
        let other = bus.subscribe(Id::new(2));
        assert_eq!(bus.users(), 2);
        drop(first);
        assert_eq!(bus.users(), 2);
        drop((second, other));
        assert_eq!(bus.users(), 0);
        // A user with no subscriber costs nothing, however many events they get.
        bus.publish(received(1, 1));
        assert_eq!(bus.users(), 0);
        let mut again = bus.subscribe(Id::new(1));
        bus.publish(received(1, 2));
        assert!(matches!(again.recv().await, Some(Received::Event(_))));
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_to_resynchronise() {
        let bus = EventBus::default();
        let mut sub = bus.subscribe(Id::new(1));
        for i in 0..(CAPACITY as i64 + 5) {
            bus.publish(received(1, i + 1));
        }
        assert_eq!(sub.recv().await, Some(Received::Missed(5)));
    }
}
