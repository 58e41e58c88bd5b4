//! The handle every area of the service works through: the database, the rules' settings, the
//! clock, the live events and the caches, and the one way a use case writes (one transaction,
//! its events published after the commit).

use std::sync::Arc;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::caches::Caches;
use super::events::{EventBus, UserEvent, UserEventKind};
use crate::domain::{Clock, Lifecycle, SendQuotas, Timestamp, UserId};
use crate::store::{Conn, Database, StoreResult, live};

/// What the use cases go by besides the database: the rules' settings, the clock, and how much
/// the dashboards' cache may hold.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// How many partner requests one user may send per 24 hours (and in an account's first day).
    pub quotas: SendQuotas,
    /// How long requests live, when their recipients are reminded, how long a refusal holds.
    pub lifecycle: Lifecycle,
    /// Where "now" comes from for every rule that depends on time (tests move it).
    pub clock: Clock,
    /// Megabytes of dashboards kept between views; 0 keeps none.
    pub dashboard_cache_mb: u64,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            quotas: SendQuotas::default(),
            lifecycle: Lifecycle::default(),
            clock: Clock::default(),
            dashboard_cache_mb: 8,
        }
    }
}

/// The use cases, over one database; cheap to clone.
#[derive(Clone)]
pub struct Service(pub(super) Arc<Shared>);

/// What every handle to the service shares.
pub(super) struct Shared {
    pub db: Database,
    pub quotas: SendQuotas,
    pub lifecycle: Lifecycle,
    pub clock: Clock,
    /// Told after commit what changed for whom, for live updates.
    pub events: EventBus,
    /// Woken after every commit that wrote a notification, so delivery starts at once.
    pub outbox: Notify,
    pub caches: Caches,
}

/// Who a committed change concerns, and what happened to them.
pub(super) type Published = Vec<(UserId, UserEventKind)>;

impl Service {
    pub(crate) fn new(db: Database, options: &ServiceOptions) -> Self {
        Self(Arc::new(Shared {
            db,
            quotas: options.quotas,
            lifecycle: options.lifecycle,
            clock: options.clock.clone(),
            events: EventBus::default(),
            outbox: Notify::new(),
            caches: Caches::new(options.dashboard_cache_mb << 20),
        }))
    }

    /// The instant the rules go by (the system clock, unless a test moved it).
    pub fn now(&self) -> Timestamp {
        self.0.clock.now()
    }

    /// The request lifetime, reminder and cooldown the rules go by.
    pub fn request_lifecycle(&self) -> Lifecycle {
        self.0.lifecycle
    }

    /// The bus the service publishes live events to (to subscribe, or close it at shutdown).
    pub fn events(&self) -> &EventBus {
        &self.0.events
    }

    /// On PostgreSQL, relays the live events every instance announces to this instance's bus
    /// until `shutdown`; on SQLite returns at once (the service publishes after each commit).
    pub async fn relay_events(&self, shutdown: CancellationToken) {
        let events = &self.0.events;
        let heard = |wire: &str| match UserEvent::from_wire(wire) {
            Some(event) => events.publish(event),
            None => tracing::warn!(payload = wire, "ignoring an unreadable live event"),
        };
        live::listen(&self.0.db, shutdown, heard, || events.resync_all()).await;
    }

    /// Refuses further calls, lets those in progress finish, and closes the connections.
    pub async fn close(&self) {
        self.0.db.close().await;
    }

    /// The database, for the data loaders of `seed/` and the store's own sessions.
    pub(crate) fn database(&self) -> &Database {
        &self.0.db
    }

    /// Runs `work` as one write transaction that also announces the events it returns (to the
    /// other instances, on PostgreSQL), and publishes them to this instance's bus once committed
    /// (on SQLite; on PostgreSQL the relay hears them).
    pub(super) async fn write<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<(R, Published)> + Send + 'static,
    {
        let (result, events) = self
            .0
            .db
            .write(async move |conn| {
                let (result, events) = work(conn).await?;
                let wires = events.iter().map(|(user_id, kind)| UserEvent::wire_of(*user_id, kind));
                live::announce(conn, wires).await?;
                Ok((result, events))
            })
            .await?;
        if self.0.db.backend() == crate::store::Backend::Sqlite {
            for (user_id, kind) in events {
                self.0.events.publish(UserEvent { user_id, kind });
            }
        }
        Ok(result)
    }

    /// Wakes the delivery worker now, as after a commit that wrote a notification.
    pub(super) fn wake_outbox(&self) {
        self.0.outbox.notify_one();
    }
}
