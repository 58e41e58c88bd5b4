//! Running the store's SQL on either backend. Every query is written once, with `$1`-style
//! parameters that both databases read, and runs here:
//!
//! - PostgreSQL through sqlx (its pool of network connections);
//! - SQLite through rusqlite, on the calling thread. sqlx's SQLite driver sends every statement
//!   to a worker thread per connection and every row back through a channel: measured at about
//!   70 µs of CPU per trivial query, more than a whole request may cost. An indexed SQLite read
//!   takes a few microseconds, so it runs where it is called, like a short critical section.
//!   Writes take the one writer connection behind an async mutex (queueing, never
//!   `SQLITE_BUSY`) and commit in groups (see [`Writer`]); reads take a connection from a small
//!   pool of read-only ones.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rusqlite::{CachedStatement, OpenFlags};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use tokio::sync::{OwnedMutexGuard, mpsc, oneshot};

/// A query parameter. Nulls carry their type, which PostgreSQL needs to plan the statement.
#[derive(Debug, Clone, Copy)]
pub(super) enum Value<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
}

impl From<i64> for Value<'_> {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(value: &'a str) -> Self {
        Self::Text(Some(value))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(value: &'a String) -> Self {
        Self::Text(Some(value))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Self::Text(value)
    }
}

/// Parameters as a slice of [`Value`]s: `params![user.get(), "pending"]`.
macro_rules! params {
    ($($value:expr),* $(,)?) => { &[$($crate::store::db::Value::from($value)),*] };
}
pub(super) use params;

/// What a database call failed with.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(transparent)]
    Postgres(#[from] sqlx::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("column {column}: unexpected value {value:?}")]
    Decode { column: String, value: String },
    #[error("statement parameter {0} has no value")]
    MissingParameter(String),
    #[error("the statement returned no row")]
    NoRow,
    #[error("the store is closed")]
    Closed,
    #[error("commit failed: {0}")]
    Commit(String),
}

impl DatabaseError {
    pub(super) fn decode(column: &str, value: &str) -> Self {
        Self::Decode { column: column.to_owned(), value: value.to_owned() }
    }

    /// The database is overloaded rather than broken: no connection came free in time, or
    /// SQLite's write lock stayed taken past the busy timeout. Worth a 503 and a retry.
    pub fn is_busy(&self) -> bool {
        match self {
            Self::Postgres(sqlx::Error::PoolTimedOut) => true,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            }
            _ => false,
        }
    }

    /// A unique constraint refused the row (SQLite does not name the constraint, so callers
    /// decide which one from the statement they ran).
    pub(super) fn is_unique_violation(&self) -> bool {
        match self {
            Self::Postgres(e) => {
                e.as_database_error().is_some_and(|e| e.kind() == sqlx::error::ErrorKind::UniqueViolation)
            }
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            _ => false,
        }
    }
}

pub(super) type DbResult<T> = Result<T, DatabaseError>;

/// A result row, read by column name, whichever backend it came from.
pub(super) trait Columns {
    fn opt_int(&self, column: &str) -> DbResult<Option<i64>>;
    fn opt_text(&self, column: &str) -> DbResult<Option<String>>;

    fn int(&self, column: &str) -> DbResult<i64> {
        self.opt_int(column)?.ok_or_else(|| DatabaseError::decode(column, "null"))
    }

    fn text(&self, column: &str) -> DbResult<String> {
        self.opt_text(column)?.ok_or_else(|| DatabaseError::decode(column, "null"))
    }
}

impl Columns for AnyRow {
    fn opt_int(&self, column: &str) -> DbResult<Option<i64>> {
        Ok(self.try_get(column)?)
    }

    fn opt_text(&self, column: &str) -> DbResult<Option<String>> {
        Ok(self.try_get(column)?)
    }
}

/// A SQLite row with its statement's column names, read once per statement rather than once
/// per value (finding a column by name through SQLite costs a `strlen` per column per lookup).
struct SqliteRow<'r> {
    row: &'r rusqlite::Row<'r>,
    names: &'r [String],
    /// Where the next lookup starts: mappers read columns mostly in select order, so the
    /// column after the last one read is usually the one asked for.
    next: Cell<usize>,
}

impl SqliteRow<'_> {
    fn index(&self, column: &str) -> DbResult<usize> {
        let count = self.names.len();
        let start = self.next.get();
        let index = (start..count).chain(0..start).find(|&i| self.names[i] == column);
        let index = index.ok_or_else(|| rusqlite::Error::InvalidColumnName(column.to_owned()))?;
        self.next.set((index + 1) % count);
        Ok(index)
    }
}

impl Columns for SqliteRow<'_> {
    fn opt_int(&self, column: &str) -> DbResult<Option<i64>> {
        Ok(self.row.get(self.index(column)?)?)
    }

    fn opt_text(&self, column: &str) -> DbResult<Option<String>> {
        Ok(self.row.get(self.index(column)?)?)
    }
}

/// Turns one row into a record.
pub(super) type Mapper<'m, T> = &'m (dyn Fn(&dyn Columns) -> DbResult<T> + Sync);

/// Where the store's reads run: on the database, each statement on its own (`&Db`), or inside a
/// transaction, all seeing one moment (`&mut Tx`). A query written against a `Reader` serves
/// both.
pub(super) trait Reader {
    async fn fetch_all<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Vec<T>>;

    async fn fetch_optional<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Option<T>>;

    async fn fetch_one<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<T> {
        self.fetch_optional(sql, params, map).await?.ok_or(DatabaseError::NoRow)
    }
}

impl Reader for &Db {
    async fn fetch_all<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Vec<T>> {
        Db::fetch_all(self, sql, params, map).await
    }

    async fn fetch_optional<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Option<T>> {
        Db::fetch_optional(self, sql, params, map).await
    }
}

impl Reader for &mut Tx {
    async fn fetch_all<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Vec<T>> {
        Tx::fetch_all(self, sql, params, map).await
    }

    async fn fetch_optional<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Option<T>> {
        Tx::fetch_optional(self, sql, params, map).await
    }
}

/// The database behind a store.
#[derive(Clone)]
pub(super) enum Db {
    Sqlite(Arc<Sqlite>),
    Postgres(AnyPool),
}

impl Db {
    /// Every row `sql` returns, read outside any transaction.
    pub async fn fetch_all<T>(&self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Vec<T>> {
        match self {
            Self::Sqlite(sqlite) => sqlite.read(|conn| query_sqlite(conn, sql, params, map, usize::MAX)),
            Self::Postgres(pool) => rows_postgres(bind_postgres(sql, params).fetch_all(pool).await?, map),
        }
    }

    pub async fn fetch_optional<T>(&self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Option<T>> {
        Ok(match self {
            Self::Sqlite(sqlite) => sqlite.read(|conn| query_sqlite(conn, sql, params, map, 1))?.pop(),
            Self::Postgres(pool) => {
                bind_postgres(sql, params).fetch_optional(pool).await?.map(|r| map(&r)).transpose()?
            }
        })
    }

    pub async fn fetch_one<T>(&self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<T> {
        self.fetch_optional(sql, params, map).await?.ok_or(DatabaseError::NoRow)
    }

    /// Starts a write transaction. On SQLite it waits for the writer connection and joins the
    /// group commit in progress (see [`Writer`]).
    pub async fn begin(&self) -> DbResult<Tx> {
        Ok(match self {
            Self::Sqlite(sqlite) => {
                let mut writer = sqlite.writer.clone().lock_owned().await;
                sqlite.check_open()?;
                writer.begin()?;
                Tx::Sqlite(SqliteTx { writer, open: true, flush: sqlite.flush.clone() })
            }
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a read transaction: every read in it sees the database as it was at its first
    /// read. On SQLite it also takes the file's read lock once rather than once per statement.
    pub async fn begin_read(&self) -> DbResult<Tx> {
        Ok(match self {
            Self::Sqlite(sqlite) => {
                let conn = sqlite.take_reader()?;
                let read = SqliteRead { sqlite: sqlite.clone(), conn: Some(conn) };
                run(read.conn()?, "BEGIN")?;
                Tx::SqliteRead(read)
            }
            Self::Postgres(pool) => {
                Tx::Postgres(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?)
            }
        })
    }
}

/// A transaction (a write transaction from [`Db::begin`], a read one from [`Db::begin_read`]);
/// dropped without [`Tx::commit`], it rolls back.
pub(super) enum Tx {
    Sqlite(SqliteTx),
    SqliteRead(SqliteRead),
    Postgres(Transaction<'static, Any>),
}

impl Tx {
    pub async fn fetch_all<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<Vec<T>> {
        match self {
            Self::Sqlite(tx) => query_sqlite(&tx.writer.conn, sql, params, map, usize::MAX),
            Self::SqliteRead(read) => query_sqlite(read.conn()?, sql, params, map, usize::MAX),
            Self::Postgres(tx) => rows_postgres(bind_postgres(sql, params).fetch_all(&mut **tx).await?, map),
        }
    }

    pub async fn fetch_optional<T>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        map: Mapper<'_, T>,
    ) -> DbResult<Option<T>> {
        Ok(match self {
            Self::Sqlite(tx) => query_sqlite(&tx.writer.conn, sql, params, map, 1)?.pop(),
            Self::SqliteRead(read) => query_sqlite(read.conn()?, sql, params, map, 1)?.pop(),
            Self::Postgres(tx) => {
                bind_postgres(sql, params).fetch_optional(&mut **tx).await?.map(|r| map(&r)).transpose()?
            }
        })
    }

    pub async fn fetch_one<T>(&mut self, sql: &str, params: &[Value<'_>], map: Mapper<'_, T>) -> DbResult<T> {
        self.fetch_optional(sql, params, map).await?.ok_or(DatabaseError::NoRow)
    }

    /// Runs a statement; returns how many rows it changed.
    pub async fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> DbResult<u64> {
        match self {
            Self::Sqlite(tx) => {
                let mut statement = prepare_sqlite(&tx.writer.conn, sql, params)?;
                Ok(statement.raw_execute()? as u64)
            }
            // A reader refuses writes (`query_only`): this fails, loudly.
            Self::SqliteRead(read) => Ok(prepare_sqlite(read.conn()?, sql, params)?.raw_execute()? as u64),
            Self::Postgres(tx) => Ok(bind_postgres(sql, params).execute(&mut **tx).await?.rows_affected()),
        }
    }

    pub async fn commit(self) -> DbResult<()> {
        match self {
            Self::Sqlite(tx) => tx.commit().await,
            Self::SqliteRead(read) => read.end(),
            Self::Postgres(tx) => Ok(tx.commit().await?),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// SQLite's one writer connection, with group commit. Each store transaction is a savepoint
/// inside one SQLite transaction that stays open while writers queue for the connection; a
/// flusher task, queued behind them, commits them all at once. Committing costs a write of every
/// page the transaction touched to the write-ahead log, and consecutive transactions touch many
/// of the same pages (the tables' last leaves, the outbox index), so one commit for a queue of
/// transactions writes far less than one each. A transaction is told it committed only after the
/// SQLite commit, so an acknowledged write survives a crash as before; a transaction that fails
/// rolls back to its savepoint and leaves the others in the group alone.
pub(super) struct Writer {
    conn: rusqlite::Connection,
    /// `Some` while a SQLite transaction is open: the store transactions released into it,
    /// waiting to hear how its commit went.
    group: Option<Vec<oneshot::Sender<Result<(), String>>>>,
}

impl Writer {
    /// Opens the SQLite transaction if none is open (`BEGIN IMMEDIATE`: the write lock is taken
    /// up front, so a transaction that reads before it writes can never fail to upgrade), then a
    /// savepoint for this store transaction.
    fn begin(&mut self) -> DbResult<()> {
        if self.group.is_none() {
            run(&self.conn, "BEGIN IMMEDIATE")?;
            self.group = Some(Vec::new());
        }
        if let Err(error) = run(&self.conn, "SAVEPOINT store_tx") {
            self.end_group_if_empty();
            return Err(error);
        }
        Ok(())
    }

    /// Commits the open SQLite transaction and tells every store transaction in it.
    fn commit_group(&mut self) {
        let Some(waiting) = self.group.take() else { return };
        let result = run(&self.conn, "COMMIT").map_err(|error| {
            let _ = run(&self.conn, "ROLLBACK");
            error.to_string()
        });
        for waiter in waiting {
            let _ = waiter.send(result.clone());
        }
    }

    /// Ends the SQLite transaction when no store transaction waits on it.
    fn end_group_if_empty(&mut self) {
        if self.group.as_ref().is_some_and(Vec::is_empty) {
            self.group = None;
            let _ = run(&self.conn, "ROLLBACK");
        }
    }
}

/// One store transaction on the SQLite writer: a savepoint, holding the connection.
pub(super) struct SqliteTx {
    writer: OwnedMutexGuard<Writer>,
    open: bool,
    /// Asks the flusher to commit the group.
    flush: mpsc::Sender<()>,
}

impl SqliteTx {
    /// Releases the savepoint into the group, lets the next writer in, and waits for the group's
    /// commit.
    async fn commit(mut self) -> DbResult<()> {
        run(&self.writer.conn, "RELEASE store_tx")?;
        self.open = false;
        let (told, committed) = oneshot::channel();
        if let Some(group) = self.writer.group.as_mut() {
            group.push(told);
        }
        // A full channel means a flush is already asked for, and it will include this one.
        let _ = self.flush.try_send(());
        drop(self);
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(DatabaseError::Commit(message)),
            Err(_) => Err(DatabaseError::Commit("the store closed before committing".into())),
        }
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.open {
            // Undo this transaction only; others in the group keep their changes.
            let rolled_back = run(&self.writer.conn, "ROLLBACK TO store_tx");
            let _ = run(&self.writer.conn, "RELEASE store_tx");
            if rolled_back.is_err() {
                let _ = run(&self.writer.conn, "ROLLBACK");
            }
            self.writer.end_group_if_empty();
            if self.writer.group.is_some() {
                let _ = self.flush.try_send(());
            }
        }
    }
}

/// A read transaction on one of SQLite's reader connections. `BEGIN` is deferred: the snapshot
/// is taken by the first read and held until the end.
pub(super) struct SqliteRead {
    sqlite: Arc<Sqlite>,
    /// `None` once ended.
    conn: Option<rusqlite::Connection>,
}

impl SqliteRead {
    fn conn(&self) -> DbResult<&rusqlite::Connection> {
        self.conn.as_ref().ok_or(DatabaseError::Closed)
    }

    /// Ends the transaction and gives the connection back to the pool.
    fn end(mut self) -> DbResult<()> {
        self.finish()
    }

    fn finish(&mut self) -> DbResult<()> {
        let Some(conn) = self.conn.take() else { return Ok(()) };
        let ended = run(&conn, "COMMIT");
        self.sqlite.give_back(conn);
        ended
    }
}

impl Drop for SqliteRead {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Commits each group once the writers queued before the request have joined it; ends when the
/// store is gone.
async fn flush_groups(writer: Weak<tokio::sync::Mutex<Writer>>, mut requests: mpsc::Receiver<()>) {
    while requests.recv().await.is_some() {
        let Some(writer) = writer.upgrade() else { return };
        writer.lock().await.commit_group();
    }
}

/// Runs a statement without parameters (from the statement cache).
fn run(conn: &rusqlite::Connection, sql: &str) -> DbResult<()> {
    conn.prepare_cached(sql)?.raw_execute()?;
    Ok(())
}

/// Durability choice: WAL with synchronous=NORMAL survives a crash of the process (a SIGKILL
/// included), because committed pages are in the OS's cache; only a power loss can drop the
/// last commits. FULL would add an fsync to every commit.
const SQLITE_PRAGMAS: &str = "pragma journal_mode = wal; pragma synchronous = normal; \
     pragma foreign_keys = on;";

/// How long a connection waits for SQLite's write lock (held by another process, or by a
/// checkpoint) before giving up with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection: every query text the store runs, with room.
const STATEMENT_CACHE: usize = 128;

/// A SQLite database file: one writer connection and a pool of readers.
pub(super) struct Sqlite {
    path: PathBuf,
    writer: Arc<tokio::sync::Mutex<Writer>>,
    flush: mpsc::Sender<()>,
    /// Idle read-only connections; a read takes one (or opens one) and puts it back.
    readers: Mutex<Vec<rusqlite::Connection>>,
    max_idle_readers: usize,
    /// Reads running now (on other threads), for the metrics.
    reading: AtomicU32,
    closed: AtomicBool,
}

impl Sqlite {
    /// Opens (creating if needed) the database file and its writer connection, and starts the
    /// writer's flusher (so it must run inside the tokio runtime).
    pub fn open(path: &Path, max_readers: u32) -> DbResult<Self> {
        let conn = rusqlite::Connection::open(path)?;
        setup(&conn)?;
        let writer = Arc::new(tokio::sync::Mutex::new(Writer { conn, group: None }));
        let (flush, requests) = mpsc::channel(1);
        tokio::spawn(flush_groups(Arc::downgrade(&writer), requests));
        Ok(Self {
            path: path.to_owned(),
            writer,
            flush,
            readers: Mutex::default(),
            max_idle_readers: max_readers as usize,
            reading: AtomicU32::new(0),
            closed: AtomicBool::new(false),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `read` on a reader connection.
    fn read<T>(&self, read: impl FnOnce(&rusqlite::Connection) -> DbResult<T>) -> DbResult<T> {
        let conn = self.take_reader()?;
        let result = read(&conn);
        self.give_back(conn);
        result
    }

    /// An idle reader connection, or a new one; counted as reading until given back.
    fn take_reader(&self) -> DbResult<rusqlite::Connection> {
        self.check_open()?;
        let idle = self.readers.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.open_reader()?,
        };
        self.reading.fetch_add(1, Ordering::Relaxed);
        Ok(conn)
    }

    /// Returns a reader connection to the idle ones, or closes it: when enough are idle, or when
    /// it is still inside a transaction (it would hand that snapshot to the next reader).
    fn give_back(&self, conn: rusqlite::Connection) {
        self.reading.fetch_sub(1, Ordering::Relaxed);
        if self.check_open().is_ok()
            && conn.is_autocommit()
            && let Ok(mut idle) = self.readers.lock()
            && idle.len() < self.max_idle_readers
        {
            idle.push(conn);
        }
    }

    /// Readers refuse writes, so a write that bypassed the writer connection fails loudly.
    fn open_reader(&self) -> DbResult<rusqlite::Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(&self.path, flags)?;
        setup(&conn)?;
        conn.execute_batch("pragma query_only = on")?;
        Ok(conn)
    }

    /// (in use, idle) connections of the writer and of the readers, for the metrics.
    pub fn usage(&self) -> [(u32, u32); 2] {
        let writer_busy = u32::from(self.writer.try_lock().is_err());
        let idle_readers = self.readers.lock().map_or(0, |idle| idle.len() as u32);
        [(writer_busy, 1 - writer_busy), (self.reading.load(Ordering::Relaxed), idle_readers)]
    }

    /// Refuses further work, closes the idle readers and waits for a write transaction in
    /// progress to end; the writer connection closes with the last handle to the store.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut idle) = self.readers.lock() {
            idle.clear();
        }
        self.writer.lock().await.commit_group();
    }

    fn check_open(&self) -> DbResult<()> {
        if self.closed.load(Ordering::Acquire) { Err(DatabaseError::Closed) } else { Ok(()) }
    }
}

fn setup(conn: &rusqlite::Connection) -> DbResult<()> {
    conn.execute_batch(SQLITE_PRAGMAS)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Prepares `sql` (from the connection's cache) and binds `params`: `$n` takes `params[n - 1]`.
fn prepare_sqlite<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    params: &[Value<'_>],
) -> DbResult<CachedStatement<'c>> {
    let mut statement = conn.prepare_cached(sql)?;
    for index in 1..=statement.parameter_count() {
        let name = statement.parameter_name(index).unwrap_or("?");
        let value = name
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| params.get(n.wrapping_sub(1)))
            .ok_or_else(|| DatabaseError::MissingParameter(name.to_owned()))?;
        match *value {
            Value::Int(v) => statement.raw_bind_parameter(index, v)?,
            Value::Text(v) => statement.raw_bind_parameter(index, v)?,
        }
    }
    Ok(statement)
}

/// Up to `limit` rows of `sql`, each turned into a record by `map`.
fn query_sqlite<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value<'_>],
    map: Mapper<'_, T>,
    limit: usize,
) -> DbResult<Vec<T>> {
    let mut statement = prepare_sqlite(conn, sql, params)?;
    let names: Vec<String> = statement.column_names().into_iter().map(str::to_owned).collect();
    let mut rows = statement.raw_query();
    let mut records = Vec::new();
    while records.len() < limit
        && let Some(row) = rows.next()?
    {
        records.push(map(&SqliteRow { row, names: &names, next: Cell::new(0) })?);
    }
    Ok(records)
}

type PgQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

fn bind_postgres<'q>(sql: &'q str, params: &[Value<'q>]) -> PgQuery<'q> {
    params.iter().fold(sqlx::query(sql), |query, value| match *value {
        Value::Int(v) => query.bind(v),
        Value::Text(v) => query.bind(v),
    })
}

fn rows_postgres<T>(rows: Vec<AnyRow>, map: Mapper<'_, T>) -> DbResult<Vec<T>> {
    rows.iter().map(|row| map(row)).collect()
}
