//! The use cases: every write of the product (send, answer, withdraw, bulk, end, block, settings,
//! the lifecycle sweep and reminders, the outbox and digest claims, and the account operations
//! to come), each one transaction that reads the facts through `store`, lets `domain` decide,
//! writes, and publishes its live events after the commit; and the reads the pages and the API
//! show, with the caches that keep them. Handlers and the delivery worker call here, never below.
//!
//! [`Service`] is one cheap handle (a reference count). Each area of the product is a view of it
//! in a file of its own, named by the method that opens it: `service.requests().answer(…)` is in
//! `requests.rs`, `service.dashboard().view(…)` in `dashboard.rs` (the list is below).

mod accounts;
mod blocks;
mod caches;
mod dashboard;
mod delivery;
mod digests;
mod directory;
mod events;
mod health;
mod lifecycle;
mod network;
mod notifications;
mod partnerships;
mod requests;
mod settings;

use std::sync::Arc;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use accounts::Accounts;
pub use blocks::Blocks;
pub use dashboard::{AfterAction, DASHBOARD_SUGGESTIONS, Dashboard, Dashboards, Relations};
pub use delivery::{Claim, Delivery};
pub use digests::Digests;
pub use directory::Directory;
pub use events::{EventBus, Received, Subscription, UserEvent, UserEventKind};
pub use health::Health;
pub use lifecycle::{Sweep, SweepOutcome};
pub use network::{EXAMINED_FOR_LIST, EXAMINED_FOR_ROW, Network, PARTNERS_OF_PARTNER, PARTNERS_WALKED};
pub use notifications::Inbox;
pub use partnerships::Partnerships;
pub use requests::{BulkOutcome, Requests};
pub use settings::Settings;

use crate::domain::{Clock, Lifecycle, SendQuotas, Timestamp, UserId};
use crate::store::{Conn, Database, StoreResult, live};
use caches::Caches;

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
pub struct Service(Arc<Shared>);

/// What every handle to the service shares.
struct Shared {
    db: Database,
    quotas: SendQuotas,
    lifecycle: Lifecycle,
    clock: Clock,
    /// Told after commit what changed for whom, for live updates.
    events: EventBus,
    /// Woken after every commit that wrote a notification, so delivery starts at once.
    outbox: Notify,
    caches: Caches,
}

/// Who a committed change concerns, and what happened to them.
type Published = Vec<(UserId, UserEventKind)>;

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

    /// Sending, answering, withdrawing (one or many), reading requests and the two lists.
    pub fn requests(&self) -> Requests<'_> {
        Requests(self)
    }

    /// A user's partnerships, and ending one.
    pub fn partnerships(&self) -> Partnerships<'_> {
        Partnerships(self)
    }

    /// Blocking and unblocking.
    pub fn blocks(&self) -> Blocks<'_> {
        Blocks(self)
    }

    /// A user's own settings, and unsubscribing from a mail.
    pub fn settings(&self) -> Settings<'_> {
        Settings(self)
    }

    /// The people around a user: "Find partners", partners in common, suggestions.
    pub fn network(&self) -> Network<'_> {
        Network(self)
    }

    /// What the dashboard shows, kept per user, and what an action's answer shows.
    pub fn dashboard(&self) -> Dashboards<'_> {
        Dashboards(self)
    }

    /// A user's in-app notifications.
    pub fn notifications(&self) -> Inbox<'_> {
        Inbox(self)
    }

    /// Who may act: creating a user, finding one by id; the home of the account operations
    /// (sign-in links, passkeys, API tokens, sessions and devices, export and erasure).
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts(self)
    }

    /// The user directory and its search.
    pub fn directory(&self) -> Directory<'_> {
        Directory(self)
    }

    /// The request lifecycle's background work: expiry and reminders.
    pub fn lifecycle(&self) -> Sweep<'_> {
        Sweep(self)
    }

    /// The delivery worker's claims on the outbox.
    pub fn delivery(&self) -> Delivery<'_> {
        Delivery(self)
    }

    /// The delivery worker's claims on the daily digests.
    pub fn digests(&self) -> Digests<'_> {
        Digests(self)
    }

    /// What operators ask: readiness, connections, caches.
    pub fn health(&self) -> Health<'_> {
        Health(self)
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
    async fn write<R, F>(&self, work: F) -> StoreResult<R>
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
    fn wake_outbox(&self) {
        self.0.outbox.notify_one();
    }
}
