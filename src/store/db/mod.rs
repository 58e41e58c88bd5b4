//! Running the store's SQL on either backend. Every query is written once, with `$1`-style
//! parameters that both databases read, inside a store call handed to one of three entry points:
//!
//! - [`Database::read`]: statements on one connection, each seeing the latest commit;
//! - [`Database::snapshot`]: statements in one read transaction, all seeing the same moment;
//! - [`Database::search`]: like a snapshot, in a lane of its own for searches;
//! - [`Database::write`]: a write transaction, committed when the call returns `Ok`.
//!
//! A store call is an async closure given a [`Conn`]. On SQLite it runs on a thread of the
//! store's own (`sqlite.rs`, `group_commit.rs`): handed over once, its statements run there while
//! the async runtime goes on serving. On PostgreSQL it runs where it is awaited (sqlx's I/O is
//! asynchronous), and once more on a fresh connection if the first turned out dead
//! (`postgres.rs`). A closure captures what it needs by value (a captured reference trips the
//! compiler's `Send` check of the handler's future). Every call's outcome tells the outage
//! tracker (`outage.rs`) whether the database serves; while it is out of reach, calls are
//! refused at once and one probe ([`Database::watch`]) looks for its return.

mod conn;
mod error;
mod group_commit;
mod outage;
mod postgres;
mod sqlite;
mod sqlite_conn;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, oneshot};
use tokio_util::sync::CancellationToken;

pub(crate) use conn::Conn;
pub(in crate::store) use conn::{Columns, Value, params};
pub(in crate::store) use error::DbResult;
pub use error::{DatabaseError, StoreError, StoreResult, Unavailable};
pub(in crate::store) use group_commit::Job;
pub use outage::Outages;
pub(in crate::store) use postgres::{Postgres, PostgresOptions};
pub(in crate::store) use sqlite::{ReadLane, Sqlite, SqliteOptions};
pub(crate) use sqlite_conn::SqliteConn;

/// The database, and how available it has been: the runner every store call goes through.
/// Cheap to clone.
#[derive(Clone)]
pub(crate) struct Database {
    pub(in crate::store) runtime: Runtime,
    pub(in crate::store) outages: Arc<Outages>,
    /// Cancelled when the store closes: the probe stops.
    closing: CancellationToken,
}

/// How long one probe of a database out of reach waits for its answer.
const PROBE_WITHIN: Duration = Duration::from_millis(1500);

/// Where a store call runs.
#[derive(Clone)]
pub(in crate::store) enum Runtime {
    Sqlite(Arc<Sqlite>),
    Postgres(Postgres),
}

impl Database {
    pub(in crate::store) fn new(runtime: Runtime) -> Self {
        Self { runtime, outages: Arc::default(), closing: CancellationToken::new() }
    }

    /// `Err` without trying while the database is known to be out of reach.
    fn reachable(&self) -> StoreResult<()> {
        match self.outages.is_out_of_reach() {
            true => Err(DatabaseError::OutOfReach.into()),
            false => Ok(()),
        }
    }

    /// Runs `work` with one connection; its statements each see the latest commit.
    pub(crate) async fn read<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<R> + Send + 'static,
    {
        self.reachable()?;
        let result = self.read_now(work).await;
        self.tell_outages(result, false)
    }

    /// [`Database::read`] whether or not the database is known to be out of reach, and unnoted.
    async fn read_now<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<R> + Send + 'static,
    {
        match &self.runtime {
            Runtime::Sqlite(sqlite) => sqlite_read(sqlite, ReadLane::Quick, false, work).await,
            Runtime::Postgres(postgres) => postgres.run(None, &work).await,
        }
    }

    /// Runs `work` in a read transaction: every statement sees the database as it was at the
    /// first one, so several lists read together agree with each other.
    pub(crate) async fn snapshot<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<R> + Send + 'static,
    {
        self.reachable()?;
        let result = match &self.runtime {
            Runtime::Sqlite(sqlite) => sqlite_read(sqlite, ReadLane::Quick, true, work).await,
            Runtime::Postgres(postgres) => postgres.run(Some(SNAPSHOT), &work).await,
        };
        self.tell_outages(result, false)
    }

    /// Runs `work`, a user search that may look at thousands of rows, in a read transaction.
    /// Searches may hold half the readers (SQLite) or half the pool (PostgreSQL) at most, so
    /// quick reads never wait for them.
    pub(crate) async fn search<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<R> + Send + 'static,
    {
        self.reachable()?;
        let result = match &self.runtime {
            Runtime::Sqlite(sqlite) => sqlite_read(sqlite, ReadLane::Search, true, work).await,
            Runtime::Postgres(postgres) => postgres.search(Some(SNAPSHOT), &work).await,
        };
        self.tell_outages(result, false)
    }

    /// Runs `work` in a write transaction, committed when it returns `Ok` and rolled back when it
    /// returns `Err`. The call returns after the commit.
    pub(crate) async fn write<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<R> + Send + 'static,
    {
        self.reachable()?;
        let result = match &self.runtime {
            Runtime::Sqlite(sqlite) => {
                let (reply, answer) = oneshot::channel();
                match sqlite.write(|permit| Box::new(WriteJob { work, result: None, reply, _permit: permit })).await {
                    Ok(()) => answer.await.unwrap_or(Err(DatabaseError::Abandoned.into())),
                    Err(error) => Err(error.into()),
                }
            }
            Runtime::Postgres(postgres) => postgres.run(Some("BEGIN"), &work).await,
        };
        self.tell_outages(result, true)
    }

    /// Tells the outage tracker how a call went. A call refused by a rule of the product was
    /// answered by the database, though nothing was written.
    fn tell_outages<R>(&self, result: StoreResult<R>, wrote: bool) -> StoreResult<R> {
        match &result {
            Ok(_) => self.outages.succeeded(wrote),
            Err(StoreError::Database(error)) if error.is_out_of_reach() => {
                if self.outages.out_of_reach() {
                    self.watch();
                }
            }
            Err(error) => match error.unavailable() {
                Some(cause) => self.outages.failed(cause),
                None => self.outages.succeeded(false),
            },
        }
        result
    }

    /// The one probe of a database out of reach: every [`outage::PROBE_EVERY`] it asks for a
    /// trivial answer, and the first it gets ends the outage. It stops then, or when the store
    /// closes.
    fn watch(&self) {
        let db = self.clone();
        tokio::spawn(async move {
            loop {
                while db.outages.is_out_of_reach() {
                    tokio::select! {
                        () = db.closing.cancelled() => break,
                        () = tokio::time::sleep(outage::PROBE_EVERY) => {}
                    }
                    let probe = db.read_now(async |conn| {
                        Ok(conn.fetch_one("select 1 as one", &[], &|row| row.int("one")).await?)
                    });
                    if let Ok(Ok(_)) = tokio::time::timeout(PROBE_WITHIN, probe).await {
                        db.outages.reached();
                    }
                }
                db.outages.probe_ended();
                // A call may have found the database out of reach again while this probe stopped,
                // and left the watching to it.
                if db.closing.is_cancelled() || !db.outages.is_out_of_reach() || !db.outages.claim_probe() {
                    break;
                }
            }
        });
    }

    /// Refuses further calls and waits for those in progress.
    pub(crate) async fn close(&self) {
        self.closing.cancel();
        match &self.runtime {
            Runtime::Sqlite(sqlite) => sqlite.close().await,
            Runtime::Postgres(postgres) => postgres.close().await,
        }
    }
}

/// A read transaction on PostgreSQL: every statement sees the first one's moment.
const SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// Hands `work` to a SQLite reader thread of `lane` (in a read transaction with `snapshot`) and
/// waits for its answer.
async fn sqlite_read<R, F>(sqlite: &Sqlite, lane: ReadLane, snapshot: bool, work: F) -> StoreResult<R>
where
    R: Send + 'static,
    F: AsyncFn(&mut Conn<'_>) -> StoreResult<R> + Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    sqlite
        .read(lane, move |conn| {
            let result = futures::executor::block_on(async {
                if !snapshot {
                    return work(&mut Conn::Sqlite(conn)).await;
                }
                sqlite_conn::run(conn, "BEGIN")?;
                let result = work(&mut Conn::Sqlite(conn)).await;
                // A read transaction changed nothing: ending it either way is the same.
                sqlite_conn::run(conn, "COMMIT")?;
                result
            });
            let _ = reply.send(result);
        })
        .await?;
    answer.await.unwrap_or(Err(DatabaseError::Abandoned.into()))
}

/// A store transaction on its way to SQLite's writer thread. Its statements never wait for
/// anything but SQLite, so the thread runs them to completion with a minimal executor.
struct WriteJob<F, R> {
    work: F,
    result: Option<StoreResult<R>>,
    reply: oneshot::Sender<StoreResult<R>>,
    /// Held until answered: the writer's queue stays bounded.
    _permit: OwnedSemaphorePermit,
}

impl<F, R> Job for WriteJob<F, R>
where
    R: Send + 'static,
    F: AsyncFn(&mut Conn<'_>) -> StoreResult<R> + Send + 'static,
{
    fn run(&mut self, conn: &SqliteConn) -> Result<(), Option<Unavailable>> {
        let result = futures::executor::block_on((self.work)(&mut Conn::Sqlite(conn)));
        let outcome = match &result {
            Ok(_) => Ok(()),
            Err(StoreError::Database(error)) => Err(error.unavailable()),
            Err(_) => Err(None),
        };
        self.result = Some(result);
        outcome
    }

    fn answer(self: Box<Self>, outcome: Result<(), DatabaseError>) {
        let result = match (self.result, outcome) {
            (Some(Err(error)), _) => Err(error),
            (_, Err(error)) => Err(error.into()),
            (Some(Ok(value)), Ok(())) => Ok(value),
            // It panicked before it could say.
            (None, Ok(())) => Err(DatabaseError::Abandoned.into()),
        };
        let _ = self.reply.send(result);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// A statement that counts to a hundred million: seconds of work, unless interrupted.
    const SLOW: &str = "with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000000) \
                        select count(*) as n from c";

    struct TestDb {
        db: Database,
        path: std::path::PathBuf,
        _dir: tempfile::TempDir,
    }

    fn sqlite(readers: usize, statement_timeout: Option<Duration>) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.db");
        let options = SqliteOptions { readers, acquire_timeout: Duration::from_millis(200), statement_timeout };
        let db = Database::new(Runtime::Sqlite(Arc::new(Sqlite::open(&path, options).unwrap())));
        TestDb { db, path, _dir: dir }
    }

    async fn count(conn: &mut Conn<'_>) -> StoreResult<i64> {
        Ok(conn.fetch_one("select count(*) as n from t", &[], &|row| row.int("n")).await?)
    }

    /// Adds a row through a connection of its own, as another process would.
    fn insert_elsewhere(path: &std::path::Path) {
        rusqlite::Connection::open(path).unwrap().execute_batch("insert into t (v) values (1)").unwrap();
    }

    #[tokio::test]
    async fn a_snapshot_sees_one_moment_and_a_read_sees_each_commit() {
        let test = sqlite(1, None);
        test.db.write(async |conn| Ok(conn.execute("create table t (v integer)", &[]).await?)).await.unwrap();
        let path = test.path.clone();
        let (before, after) = test
            .db
            .snapshot(async move |conn| {
                let before = count(conn).await?;
                insert_elsewhere(&path);
                Ok((before, count(conn).await?))
            })
            .await
            .unwrap();
        assert_eq!((before, after), (0, 0), "a commit made meanwhile is not seen");
        let path = test.path.clone();
        let (before, after) = test
            .db
            .read(async move |conn| {
                let before = count(conn).await?;
                insert_elsewhere(&path);
                Ok((before, count(conn).await?))
            })
            .await
            .unwrap();
        assert_eq!((before, after), (1, 2), "each statement sees the latest commit");
    }

    #[tokio::test]
    async fn a_write_that_fails_leaves_nothing_behind() {
        let test = sqlite(1, None);
        test.db.write(async |conn| Ok(conn.execute("create table t (v integer)", &[]).await?)).await.unwrap();
        let failed = test
            .db
            .write(async |conn| {
                conn.execute("insert into t (v) values (1)", &[]).await?;
                Err::<(), _>(crate::domain::RuleError::NotPending.into())
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Rule(_))));
        assert_eq!(test.db.read(async |conn| count(conn).await).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_statement_past_its_deadline_is_stopped_and_the_connection_serves_the_next() {
        let test = sqlite(1, Some(Duration::from_millis(100)));
        let started = Instant::now();
        let slow = test.db.read(async |conn| Ok(conn.fetch_one(SLOW, &[], &|row| row.int("n")).await?)).await;
        let error = slow.expect_err("interrupted");
        assert_eq!(error.unavailable(), Some(Unavailable::Timeout), "{error}");
        assert!(started.elapsed() < Duration::from_secs(3), "stopped near its deadline: {:?}", started.elapsed());
        // The same (only) reader answers the next call.
        let one = test.db.read(async |conn| Ok(conn.fetch_one("select 1 as n", &[], &|row| row.int("n")).await?));
        assert_eq!(one.await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_slow_statement_never_holds_up_the_async_runtime() {
        // This test's runtime has one thread: if the statement ran on it, nothing else could.
        let test = sqlite(2, Some(Duration::from_millis(1500)));
        let slow = test.db.read(async |conn| Ok(conn.fetch_one(SLOW, &[], &|row| row.int("n")).await?));
        let started = Instant::now();
        let ticks = async {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            started.elapsed()
        };
        let (slow, ticked) = tokio::join!(slow, ticks);
        assert!(slow.is_err(), "the statement ran to its deadline");
        assert!(started.elapsed() >= Duration::from_millis(1000), "{:?}", started.elapsed());
        assert!(ticked < Duration::from_millis(500), "the runtime kept ticking: {ticked:?}");
    }

    #[tokio::test]
    async fn searches_never_hold_every_reader_and_one_that_waits_too_long_is_told_the_database_is_busy() {
        // Two readers: one runs searches (two may wait for it), the other quick reads.
        let test = sqlite(2, Some(Duration::from_secs(2)));
        let started = Instant::now();
        let slow = || test.db.search(async |conn| Ok(conn.fetch_one(SLOW, &[], &|row| row.int("n")).await?));
        let others = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let quick =
                test.db.read(async |conn| Ok(conn.fetch_one("select 1 as n", &[], &|row| row.int("n")).await?));
            let quick = (quick.await, started.elapsed());
            let search =
                test.db.search(async |conn| Ok(conn.fetch_one("select 1 as n", &[], &|row| row.int("n")).await?));
            (quick, search.await)
        };
        let (_, _, ((quick, answered_after), search)) = tokio::join!(slow(), slow(), others);
        assert_eq!(quick.unwrap(), 1);
        assert!(answered_after < Duration::from_millis(1000), "a quick read went on: {answered_after:?}");
        assert_eq!(search.expect_err("no search permit came free").unavailable(), Some(Unavailable::Busy));
    }

    #[tokio::test]
    async fn a_call_that_panics_is_answered_with_an_error_and_the_threads_carry_on() {
        let test = sqlite(1, None);
        let read: StoreResult<i64> = test.db.read(async |_| panic!("a bug in a store call")).await;
        assert!(matches!(read, Err(StoreError::Database(DatabaseError::Abandoned))));
        let write: StoreResult<i64> = test.db.write(async |_| panic!("a bug in a store call")).await;
        assert!(matches!(write, Err(StoreError::Database(DatabaseError::Abandoned))));
        let one = test.db.read(async |conn| Ok(conn.fetch_one("select 1 as n", &[], &|row| row.int("n")).await?));
        assert_eq!(one.await.unwrap(), 1);
    }
}
