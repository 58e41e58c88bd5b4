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
mod handle;
mod health;
mod lifecycle;
mod network;
mod notifications;
mod partnerships;
mod passkeys;
mod requests;
mod settings;

pub use accounts::Accounts;
pub use blocks::Blocks;
pub use dashboard::{DASHBOARD_SUGGESTIONS, Dashboards};
pub use delivery::{Claim, Delivery};
pub use digests::Digests;
pub use directory::Directory;
pub use events::{EventBus, Received, Subscription, UserEvent, UserEventKind};
pub use handle::{Service, ServiceOptions};
pub use health::Health;
pub use lifecycle::{Sweep, SweepOutcome};
pub use network::{EXAMINED_FOR_LIST, EXAMINED_FOR_ROW, Network, PARTNERS_OF_PARTNER, PARTNERS_WALKED};
pub use notifications::Inbox;
pub use partnerships::Partnerships;
pub use passkeys::{PasskeyOwner, Passkeys};
pub use requests::{BulkOutcome, Requests};
pub use settings::Settings;

/// The areas of the product, each a view of the service in the file its name says.
impl Service {
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

    /// A user's passkeys: listing, adding, removing, signing in with one.
    pub fn passkeys(&self) -> Passkeys<'_> {
        Passkeys(self)
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
}
