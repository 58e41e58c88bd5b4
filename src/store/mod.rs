//! The store: the only module that speaks SQL. Every write is one transaction here, and the
//! database's constraints are the final judge of the invariants; their violations come back as
//! [`RuleError`]s.
//!
//! One set of portable queries (`$1` placeholders, no backend-only functions) serves SQLite and
//! PostgreSQL (see [`db`]). On SQLite every write goes through a single writer connection, so
//! write transactions queue instead of failing with `SQLITE_BUSY`, while a pool of readers
//! serves the lists.

mod blocks;
mod bulk;
mod candidates;
mod connect;
mod dashboard;
mod db;
mod demo;
mod digests;
mod event_relay;
mod events;
mod in_common;
mod lifecycle;
mod notifications;
mod partnerships;
mod passkeys;
mod records;
mod request_lists;
mod requests;
mod search;
mod seed;
mod sessions;
mod settings;
mod suggestions;
mod users;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

pub use bulk::BulkOutcome;
pub use connect::{Backend, DEFAULT_STATEMENT_TIMEOUT, DatabaseUrl, StoreOptions};
pub use dashboard::{DASHBOARD_SUGGESTIONS, Dashboard, Relations};
pub use db::{DatabaseError, Outages, Unavailable};
pub use digests::{DigestDelivery, DigestItem, DueDigest};
pub use events::{EventBus, Received, Subscription, UserEvent, UserEventKind};
pub use in_common::{EXAMINED_FOR_LIST, EXAMINED_FOR_ROW};
pub use notifications::{Claim, DueDelivery, PendingDelivery};
pub use passkeys::{NewPasskey, PasskeyOwner, StoredPasskey};
pub use search::LOOKED_AT_MOST;
pub use seed::{SeedError, SeedPlan, Seeded};
pub use sessions::{SessionStore, unavailable_cause};
pub use suggestions::{PARTNERS_OF_PARTNER, PARTNERS_WALKED};

pub use lifecycle::SweepOutcome;

use crate::domain::{Clock, Lifecycle, RuleError, SendQuotas, Timestamp, UserId};

/// How long a readiness check waits for the database: less than a probe's timeout (Kubernetes'
/// is 2 s in `deploy/kubernetes`), since a server that is down is retried until the acquire
/// timeout.
const PING_WITHIN: Duration = Duration::from_millis(1500);

/// What a store call can fail with: a broken rule (the caller's fault) or the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("database error: {0}")]
    Database(#[from] DatabaseError),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// When the database, not the request, is why the call failed: which way it is unavailable.
    pub fn unavailable(&self) -> Option<Unavailable> {
        match self {
            Self::Database(error) => error.unavailable(),
            Self::Rule(_) => None,
        }
    }
}

/// Handle to the database; cheap to clone (one reference count).
#[derive(Clone)]
pub struct Store(Arc<Inner>);

impl std::ops::Deref for Store {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// What every handle to one store shares.
pub struct Inner {
    db: db::Db,
    /// Woken after every commit that wrote a notification, so delivery starts at once.
    outbox: Notify,
    /// How many partner requests one user may send.
    quotas: SendQuotas,
    /// How long requests live, when their recipients are reminded, how long a refusal holds.
    lifecycle: Lifecycle,
    /// Where "now" comes from for every rule that depends on time.
    clock: Clock,
    /// Told after commit what changed for whom, for live updates.
    events: EventBus,
    /// Users once read, so identifying a request or a page's user, and the users a list shows,
    /// need no query after that.
    users: users::UserCache,
    /// Recent user searches, valid while no user is added.
    searches: users::SearchCache,
    /// Dashboards, valid while their user's version and the users version are unchanged.
    dashboards: dashboard::DashboardCache,
}

impl Store {
    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        match self.db.runtime {
            db::Runtime::Sqlite(_) => Backend::Sqlite,
            db::Runtime::Postgres(_) => Backend::Postgres,
        }
    }

    /// The instant the store's rules go by (the system clock, unless a test moved it).
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Waits until a commit has written notifications (or returns at once if one did since the
    /// last call).
    pub async fn outbox_written(&self) {
        self.outbox.notified().await;
    }

    /// Connections, for the metrics: (in use, idle) of the writer and the readers (on
    /// PostgreSQL one pool serves both).
    pub fn pool_usage(&self) -> [(&'static str, u32, u32); 2] {
        let [(writer_busy, writer_idle), (reader_busy, reader_idle)] = match &self.db.runtime {
            db::Runtime::Sqlite(sqlite) => sqlite.usage(),
            db::Runtime::Postgres(postgres) => {
                let pool = postgres.pool();
                let idle = pool.num_idle() as u32;
                let usage = (pool.size().saturating_sub(idle), idle);
                [usage, usage]
            }
        };
        [("writer", writer_busy, writer_idle), ("reader", reader_busy, reader_idle)]
    }

    /// On SQLite, the write groups committed and the transactions they held, since start.
    pub fn write_groups(&self) -> Option<(u64, u64)> {
        use std::sync::atomic::Ordering::Relaxed;
        match &self.db.runtime {
            db::Runtime::Sqlite(sqlite) => {
                Some((sqlite.groups().groups.load(Relaxed), sqlite.groups().transactions.load(Relaxed)))
            }
            db::Runtime::Postgres(_) => None,
        }
    }

    /// How available the database has been.
    pub fn outages(&self) -> &Outages {
        &self.db.outages
    }

    /// What the store's caches hold, for the metrics.
    pub fn cache_usage(&self) -> [crate::cache::Usage; 3] {
        [self.users.usage(), self.searches.usage(), self.dashboards.usage()]
    }

    /// Live events for `user` from now on: what other users' actions changed for them.
    pub fn subscribe(&self, user: UserId) -> Subscription {
        self.events.subscribe(user)
    }

    /// The bus the store publishes to (to feed it from another source, or close it at shutdown).
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// Runs one statement that would keep the database busy for an hour, as a runaway search
    /// would (in the searches' lane); only the statement timeout stops it.
    #[cfg(feature = "test-hooks")]
    pub async fn run_runaway_search(&self) -> StoreResult<()> {
        let postgres = self.backend() == Backend::Postgres;
        self.db
            .search(async move |conn| {
                let sql = if postgres {
                    "select count(*) as n from (select pg_sleep(3600)) slept"
                } else {
                    "with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000000000) \
                     select count(*) as n from c"
                };
                conn.fetch_one(sql, &[], &|row| row.int("n")).await?;
                Ok(())
            })
            .await
    }

    /// Lets the SQLite database file grow by at most `pages` more pages (`None`: as far as the
    /// disk allows), as a full disk would: past it, every write fails with `SQLITE_FULL`.
    #[cfg(feature = "test-hooks")]
    pub async fn limit_database_growth(&self, pages: Option<i64>) -> StoreResult<()> {
        self.db
            .write(async move |conn| {
                let used = conn.fetch_one("pragma page_count", &[], &|row| row.int("page_count")).await?;
                let limit = pages.map_or(i64::from(u32::MAX - 1), |pages| used + pages);
                conn.fetch_all(&format!("pragma max_page_count = {limit}"), &[], &|_| Ok(())).await?;
                Ok(())
            })
            .await
    }

    /// Answers when the database answers a trivial query.
    pub async fn ping(&self) -> StoreResult<()> {
        let ping = self.db.read(async |conn| Ok(conn.fetch_one("select 1 as one", &[], &|row| row.int("one")).await?));
        match tokio::time::timeout(PING_WITHIN, ping).await {
            Ok(answer) => answer.map(drop),
            Err(_) => Err(DatabaseError::NoAnswer(PING_WITHIN).into()),
        }
    }

    /// Refuses further calls, lets those in progress finish, and closes the connections.
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// Wakes the delivery worker now (as a commit that wrote a notification does); tests call it
    /// after moving the clock to a digest hour.
    pub fn wake_outbox(&self) {
        self.outbox.notify_one();
    }
}
