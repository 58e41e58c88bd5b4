//! Live events for users: what the store's writes changed for someone other than the actor,
//! published after commit, so a page can update without polling.
//!
//! The bus is in-process (a `tokio::sync::broadcast` channel), fed through [`EventBus::publish`]:
//! directly by the store on SQLite, and on PostgreSQL by the `LISTEN` relay of `fanout.rs`, which
//! hears every instance's announcements. Events are hints to refresh, not a record: the database stays the truth, and a
//! subscriber that falls behind is told to resynchronise rather than being replayed.

use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::domain::{Id, NotificationId, NotificationKind, PartnershipId, RequestId, RequestStatus, UserId};

/// Events kept for subscribers that are momentarily behind; past that they resynchronise.
const CAPACITY: usize = 1024;

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
}

impl UserEventKind {
    /// The event's name on the wire (the SSE `event:` field).
    pub fn name(&self) -> &'static str {
        match self {
            Self::RequestReceived { .. } => "request_received",
            Self::RequestAnswered { .. } => "request_answered",
            Self::PartnershipEnded { .. } => "partnership_ended",
            Self::Notification { .. } => "notification",
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
        }
    }
}

impl UserEvent {
    /// The event as one line of JSON, to cross process boundaries.
    pub fn to_wire(&self) -> String {
        json!({ "user_id": self.user_id, "event": self.kind.name(), "data": self.kind.data() }).to_string()
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
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<UserEvent>,
    /// Cancelled at shutdown, so that open streams end and the server can stop.
    closed: CancellationToken,
}

impl Default for EventBus {
    fn default() -> Self {
        Self { sender: broadcast::channel(CAPACITY).0, closed: CancellationToken::new() }
    }
}

impl EventBus {
    /// Hands `event` to every current subscriber; with none, it is dropped.
    pub fn publish(&self, event: UserEvent) {
        let _ = self.sender.send(event);
    }

    /// Events for `user` from now on.
    pub fn subscribe(&self, user: UserId) -> Subscription {
        Subscription { user, receiver: self.sender.subscribe(), closed: self.closed.clone() }
    }

    /// Ends every subscription (at shutdown); later ones end at once.
    pub fn close(&self) {
        self.closed.cancel();
    }
}

/// What a subscription yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Event(UserEventKind),
    /// The subscriber fell behind and this many events (for anyone) were dropped: reload.
    Missed(u64),
}

/// One user's view of the bus.
pub struct Subscription {
    user: UserId,
    receiver: broadcast::Receiver<UserEvent>,
    closed: CancellationToken,
}

impl Subscription {
    /// The next event for this user; `None` once the bus is closed.
    pub async fn recv(&mut self) -> Option<Received> {
        loop {
            let received = tokio::select! {
                biased;
                () = self.closed.cancelled() => return None,
                received = self.receiver.recv() => received,
            };
            match received {
                Ok(event) if event.user_id == self.user => return Some(Received::Event(event.kind)),
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => return Some(Received::Missed(missed)),
                Err(RecvError::Closed) => return None,
            }
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
    async fn a_subscriber_that_falls_behind_is_told_to_resynchronise() {
        let bus = EventBus::default();
        let mut sub = bus.subscribe(Id::new(1));
        for i in 0..(CAPACITY as i64 + 5) {
            bus.publish(received(1, i + 1));
        }
        assert_eq!(sub.recv().await, Some(Received::Missed(5)));
    }
}
