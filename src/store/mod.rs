//! The store: the only module that speaks SQL. One file per table or aggregate, each a set of
//! functions that take the connection of the call they run in (`&mut Conn`), so a use case of
//! `service` composes several of them into one transaction. No rule is decided here (the domain
//! decides, the service asks), no event is published and nothing is cached; what a statement's
//! constraint violation means is said where it runs (a unique violation on
//! `users_email_key` is `EmailTaken`).
//!
//! One set of portable queries (`$1` placeholders, no backend-only functions) serves SQLite and
//! PostgreSQL; [`Database`] (in `db/`) runs them: on SQLite every write goes through a single
//! writer connection, so write transactions queue instead of failing with `SQLITE_BUSY`, while a
//! pool of readers serves the lists. `open.rs` connects and migrates.

pub(crate) mod blocks;
pub(crate) mod counts;
mod db;
pub(crate) mod digests;
mod expiry;
pub(crate) mod lifecycle;
pub(crate) mod live;
pub(crate) mod network;
pub(crate) mod notifications;
mod open;
mod operations;
pub(crate) mod outbox;
pub(crate) mod partnerships;
pub(crate) mod passkeys;
pub(crate) mod request_lists;
pub(crate) mod requests;
mod rows;
pub(crate) mod search;
pub(crate) mod seeding;
mod sessions;
pub(crate) mod settings;
pub(crate) mod standings;
pub(crate) mod users;

pub(crate) use db::{Conn, Database};
pub use db::{DatabaseError, Outages, StoreError, StoreResult, Unavailable};
pub use digests::{DigestDelivery, DigestItem, DueDigest};
pub(crate) use open::open;
pub use open::{Backend, DEFAULT_STATEMENT_TIMEOUT, DatabaseOptions, DatabaseUrl};
pub use outbox::{DueDelivery, PendingDelivery};
pub use sessions::{SessionStore, unavailable_cause};
