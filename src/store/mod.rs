//! The store: the only module that speaks SQL. Every write is one transaction here, and the
//! database's constraints are the final judge of the invariants; their violations come back as
//! [`RuleError`]s.
//!
//! One set of portable queries (`$1` placeholders, no backend-only functions) serves SQLite and
//! PostgreSQL through sqlx's `Any` driver. On SQLite every write goes through a single writer
//! connection, so write transactions queue instead of failing with `SQLITE_BUSY`, while a pool of
//! readers serves the lists.

mod blocks;
mod browse;
mod connect;
mod demo;
mod events;
mod fanout;
mod notifications;
mod partnerships;
mod requests;
mod rows;
mod seed;
mod sessions;
mod users;

use std::sync::Arc;

use sqlx::AnyPool;
use sqlx::{Any, Transaction};
use tokio::sync::Notify;

pub use connect::{Backend, DatabaseUrl, StoreOptions};
pub use events::{EventBus, Received, Subscription, UserEvent, UserEventKind};
pub use notifications::{DueDelivery, PendingDelivery};
pub use seed::{SeedError, SeedPlan, Seeded};
pub use sessions::{SessionPool, SessionStore};

use crate::domain::{RuleError, UserId};

/// What a store call can fail with: a broken rule (the caller's fault) or the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    writer: AnyPool,
    reader: AnyPool,
    backend: Backend,
    /// Woken after every commit that wrote a notification, so delivery starts at once.
    outbox: Arc<Notify>,
    /// New partner requests per sender per 24 hours; 0 means no limit.
    daily_request_quota: u32,
    /// Told after commit what changed for whom, for live updates.
    events: EventBus,
    /// The PostgreSQL URL, for the live-event listener; `None` on SQLite.
    postgres_url: Option<String>,
    /// Ids known to name a user, so identifying a request needs no query once a user is seen.
    known_users: Arc<users::KnownUsers>,
}

impl Store {
    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits until a commit has written notifications (or returns at once if one did since the
    /// last call).
    pub async fn outbox_written(&self) {
        self.outbox.notified().await;
    }

    /// Connections of the two pools, for the metrics: (in use, idle) of the writer and the readers.
    pub fn pool_usage(&self) -> [(&'static str, u32, u32); 2] {
        let usage = |pool: &AnyPool| {
            let idle = pool.num_idle() as u32;
            (pool.size().saturating_sub(idle), idle)
        };
        let (writer_busy, writer_idle) = usage(&self.writer);
        let (reader_busy, reader_idle) = usage(&self.reader);
        [("writer", writer_busy, writer_idle), ("reader", reader_busy, reader_idle)]
    }

    /// Live events for `user` from now on: what other users' actions changed for them.
    pub fn subscribe(&self, user: UserId) -> Subscription {
        self.events.subscribe(user)
    }

    /// The bus the store publishes to (to feed it from another source, or close it at shutdown).
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// Answers when the database answers a trivial query.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("select 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN
    /// IMMEDIATE`), so a transaction that reads before it writes can never fail to upgrade.
    async fn begin(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }

    fn wake_outbox(&self) {
        self.outbox.notify_one();
    }
}

/// True when `error` is a unique-constraint violation (the constraint's name is not reported by
/// SQLite, so callers decide which constraint from the statement they ran).
fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| e.kind() == sqlx::error::ErrorKind::UniqueViolation)
}
