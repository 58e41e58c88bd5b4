//! What a database call can fail with, and what each failure means for the caller; and what a
//! store call can fail with: that, or a broken rule.

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
    #[error("no database connection came free within {0:?}")]
    Busy(std::time::Duration),
    /// No connection could be had from the pool: the server refused or did not answer.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// A readiness check had no answer in time: the server is down or out of reach (a connection
    /// it refuses is retried until the acquire timeout, longer than a probe waits).
    #[error("the database did not answer within {0:?}")]
    NoAnswer(std::time::Duration),
    /// Not tried: the database was found out of reach, and a probe is watching for its return
    /// (see `outage.rs`).
    #[error("the database is out of reach; not tried until a probe finds it again")]
    OutOfReach,
    #[error("the store is closed")]
    Closed,
    #[error("cannot start a database thread: {0}")]
    Thread(#[from] std::io::Error),
    #[error("the store call stopped before answering (it panicked)")]
    Abandoned,
    /// The connection failed while `COMMIT` was on its way: the transaction may or may not have
    /// been applied.
    #[error("the outcome of a commit is unknown: {0}")]
    CommitUnknown(#[source] Box<DatabaseError>),
    /// A group commit failed (see `group_commit.rs`): every transaction in the group is told, so
    /// the error is kept as text, with what it means for the caller.
    #[error("commit failed: {message}")]
    Commit { message: String, unavailable: Option<Unavailable> },
}

/// Why the database cannot serve requests for now. Each cause is a 503 with its own code; none
/// is the caller's fault, and all of them pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unavailable {
    /// The database does not answer (down, unreachable, restarting).
    Down,
    /// Every connection is in use, or the write lock stayed taken, past the wait allowed.
    Busy,
    /// A statement ran past `DEALNEST_DB_STATEMENT_TIMEOUT`.
    Timeout,
    /// The disk is full.
    StorageFull,
    /// The database refuses writes (a read-only file or replica).
    ReadOnly,
    /// The connection broke while a commit was on its way.
    OutcomeUnknown,
}

impl Unavailable {
    pub const ALL: [Self; 6] =
        [Self::Down, Self::Busy, Self::Timeout, Self::StorageFull, Self::ReadOnly, Self::OutcomeUnknown];

    /// The cause's name: the error code of the contract's error body (its sentence is in the
    /// web layer's table), the metrics' label and `/readyz`'s `cause`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Down => "database_unavailable",
            Self::Busy => "database_busy",
            Self::Timeout => "statement_timeout",
            Self::StorageFull => "storage_full",
            Self::ReadOnly => "database_read_only",
            Self::OutcomeUnknown => "outcome_unknown",
        }
    }

    /// Seconds a client should wait before trying again.
    pub fn retry_after(self) -> u64 {
        match self {
            Self::Busy | Self::Timeout | Self::OutcomeUnknown => 1,
            Self::Down | Self::ReadOnly => 5,
            Self::StorageFull => 30,
        }
    }
}

/// PostgreSQL error codes (SQLSTATE) that say the server is going away or not there yet.
const PG_GOING_AWAY: [&str; 4] = ["57P01", "57P02", "57P03", "08006"];

impl DatabaseError {
    pub(in crate::store) fn decode(column: &str, value: &str) -> Self {
        Self::Decode { column: column.to_owned(), value: value.to_owned() }
    }

    /// When the failure is the database's condition rather than a bug or the request: which one.
    pub fn unavailable(&self) -> Option<Unavailable> {
        match self {
            Self::Busy(_) => Some(Unavailable::Busy),
            Self::Connect(sqlx::Error::PoolTimedOut) => Some(Unavailable::Busy),
            Self::Connect(_) | Self::NoAnswer(_) | Self::OutOfReach => Some(Unavailable::Down),
            // Closed for shutdown: the next instance (or this one, restarted) will answer.
            Self::Closed => Some(Unavailable::Down),
            Self::CommitUnknown(_) => Some(Unavailable::OutcomeUnknown),
            Self::Postgres(error) => postgres_unavailable(error),
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => match e.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => Some(Unavailable::Busy),
                rusqlite::ErrorCode::OperationInterrupted => Some(Unavailable::Timeout),
                rusqlite::ErrorCode::DiskFull => Some(Unavailable::StorageFull),
                rusqlite::ErrorCode::ReadOnly => Some(Unavailable::ReadOnly),
                rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::SystemIoFailure => Some(Unavailable::Down),
                _ => None,
            },
            Self::Commit { unavailable, .. } => *unavailable,
            _ => None,
        }
    }

    /// No connection to the database could be made at all (refused, not answering, or not
    /// letting us in), as opposed to one that broke or a pool that was only busy: calls will fail
    /// the same way until it is back.
    pub(in crate::store) fn is_out_of_reach(&self) -> bool {
        match self {
            Self::Connect(sqlx::Error::PoolTimedOut) => false,
            Self::Connect(_) | Self::NoAnswer(_) | Self::OutOfReach => true,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => e.code == rusqlite::ErrorCode::CannotOpen,
            _ => false,
        }
    }

    /// The connection itself failed (it was dead when taken, or died meanwhile), as opposed to
    /// the statement: the same work on a fresh connection may well succeed.
    pub(in crate::store) fn is_connection_lost(&self) -> bool {
        match self {
            Self::Postgres(error) => postgres_connection_lost(error),
            Self::Connect(error) => postgres_connection_lost(error),
            _ => false,
        }
    }

    /// A unique constraint refused the row (SQLite does not name the constraint, so callers
    /// decide which one from the statement they ran).
    pub(in crate::store) fn is_unique_violation(&self) -> bool {
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

fn sqlstate(error: &sqlx::Error) -> Option<String> {
    error.as_database_error().and_then(|e| e.code()).map(|code| code.into_owned())
}

fn postgres_connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(_) => sqlstate(error).is_some_and(|code| {
            // Class 08: connection exception; 57P0x: the server is shutting down or starting.
            code.starts_with("08") || PG_GOING_AWAY.contains(&code.as_str())
        }),
        _ => false,
    }
}

fn postgres_unavailable(error: &sqlx::Error) -> Option<Unavailable> {
    if postgres_connection_lost(error) || matches!(error, sqlx::Error::PoolClosed) {
        return Some(Unavailable::Down);
    }
    if matches!(error, sqlx::Error::PoolTimedOut) {
        return Some(Unavailable::Busy);
    }
    match sqlstate(error)?.as_str() {
        "57014" => Some(Unavailable::Timeout),
        "53100" => Some(Unavailable::StorageFull),
        "25006" => Some(Unavailable::ReadOnly),
        "53300" => Some(Unavailable::Busy),
        _ => None,
    }
}

pub(in crate::store) type DbResult<T> = Result<T, DatabaseError>;

/// What a store call can fail with: a broken rule (the caller's fault) or the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Rule(#[from] crate::domain::RuleError),
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
