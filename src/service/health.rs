//! What operators ask of the service: which database, whether it answers, how available it has
//! been, its connections and commit groups, and what the caches hold (`/readyz`, `/metrics`);
//! and, for the test suites, the database faults they make on purpose.

use super::handle::Service;
use crate::cache::Usage;
use crate::store::{Backend, Outages, StoreResult};

#[derive(Clone, Copy)]
pub struct Health<'a>(pub(super) &'a Service);

impl<'a> Health<'a> {
    pub fn backend(self) -> Backend {
        self.0.0.db.backend()
    }

    /// Answers when the database answers a trivial query (within a readiness probe's patience).
    pub async fn ping(self) -> StoreResult<()> {
        self.0.0.db.ping().await
    }

    /// How available the database has been.
    pub fn outages(self) -> &'a Outages {
        self.0.0.db.outages()
    }

    /// Connections: (pool, in use, idle) of the writer and the readers.
    pub fn pool_usage(self) -> [(&'static str, u32, u32); 2] {
        self.0.0.db.pool_usage()
    }

    /// On SQLite, the write groups committed and the transactions they held, since start.
    pub fn write_groups(self) -> Option<(u64, u64)> {
        self.0.0.db.write_groups()
    }

    /// What the caches hold.
    pub fn cache_usage(self) -> [Usage; 3] {
        self.0.0.caches.usage()
    }

    /// Runs one statement that would keep the database busy for an hour, as a runaway search
    /// would; only the statement timeout stops it.
    #[cfg(feature = "test-hooks")]
    pub async fn run_runaway_search(self) -> StoreResult<()> {
        self.0.0.db.run_runaway_search().await
    }

    /// Lets the SQLite database file grow by at most `pages` more pages, as a full disk would.
    #[cfg(feature = "test-hooks")]
    pub async fn limit_database_growth(self, pages: Option<i64>) -> StoreResult<()> {
        self.0.0.db.limit_database_growth(pages).await
    }
}
