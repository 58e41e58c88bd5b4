//! What operators ask of the database: which backend, whether it answers, its connections and
//! commit groups, how available it has been; and, for the test suites, the faults they make on
//! purpose.

use std::time::Duration;

use super::db::{Database, DatabaseError, Outages, Runtime, StoreResult};
use super::open::Backend;

/// How long a readiness check waits for the database: less than a probe's timeout (Kubernetes'
/// is 2 s in `deploy/kubernetes`), since a server that is down is retried until the acquire
/// timeout.
const PING_WITHIN: Duration = Duration::from_millis(1500);

impl Database {
    /// The backend this database is.
    pub(crate) fn backend(&self) -> Backend {
        match self.runtime {
            Runtime::Sqlite(_) => Backend::Sqlite,
            Runtime::Postgres(_) => Backend::Postgres,
        }
    }

    /// Answers when the database answers a trivial query.
    pub(crate) async fn ping(&self) -> StoreResult<()> {
        let ping = self.read(async |conn| Ok(conn.fetch_one("select 1 as one", &[], &|row| row.int("one")).await?));
        match tokio::time::timeout(PING_WITHIN, ping).await {
            Ok(answer) => answer.map(drop),
            Err(_) => Err(DatabaseError::NoAnswer(PING_WITHIN).into()),
        }
    }

    /// Connections, for the metrics: (in use, idle) of the writer and the readers (on
    /// PostgreSQL one pool serves both).
    pub(crate) fn pool_usage(&self) -> [(&'static str, u32, u32); 2] {
        let [(writer_busy, writer_idle), (reader_busy, reader_idle)] = match &self.runtime {
            Runtime::Sqlite(sqlite) => sqlite.usage(),
            Runtime::Postgres(postgres) => {
                let pool = postgres.pool();
                let idle = pool.num_idle() as u32;
                let usage = (pool.size().saturating_sub(idle), idle);
                [usage, usage]
            }
        };
        [("writer", writer_busy, writer_idle), ("reader", reader_busy, reader_idle)]
    }

    /// On SQLite, the write groups committed and the transactions they held, since start.
    pub(crate) fn write_groups(&self) -> Option<(u64, u64)> {
        use std::sync::atomic::Ordering::Relaxed;
        match &self.runtime {
            Runtime::Sqlite(sqlite) => {
                Some((sqlite.groups().groups.load(Relaxed), sqlite.groups().transactions.load(Relaxed)))
            }
            Runtime::Postgres(_) => None,
        }
    }

    /// How available the database has been.
    pub(crate) fn outages(&self) -> &Outages {
        &self.outages
    }

    /// Runs one statement that would keep the database busy for an hour, as a runaway search
    /// would (in the searches' lane); only the statement timeout stops it.
    #[cfg(feature = "test-hooks")]
    pub(crate) async fn run_runaway_search(&self) -> StoreResult<()> {
        let postgres = self.backend() == Backend::Postgres;
        self.search(async move |conn| {
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
    pub(crate) async fn limit_database_growth(&self, pages: Option<i64>) -> StoreResult<()> {
        self.write(async move |conn| {
            let used = conn.fetch_one("pragma page_count", &[], &|row| row.int("page_count")).await?;
            let limit = pages.map_or(i64::from(u32::MAX - 1), |pages| used + pages);
            conn.fetch_all(&format!("pragma max_page_count = {limit}"), &[], &|_| Ok(())).await?;
            Ok(())
        })
        .await
    }
}
