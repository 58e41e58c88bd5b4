//! Opening the pools and running the embedded migrations.

use std::path::PathBuf;
use std::sync::{Arc, Once};
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};
use tokio::sync::Notify;

use super::{EventBus, Store};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A parsed `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://<path>`: everything after the scheme is the file path.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to the driver as it is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("a sqlite URL needs a file path, as in sqlite://dealnest.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let options: Result<sqlx::postgres::PgConnectOptions, _> = raw.parse();
            return match options {
                Ok(_) => Ok(Self::Postgres(raw.to_owned())),
                Err(e) => Err(format!("not a valid PostgreSQL URL: {e}")),
            };
        }
        Err("expected sqlite://<path> or postgres://…".into())
    }

    pub fn backend(&self) -> super::Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

// The URL may carry a password: show only the backend and, for SQLite, the path.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(_) => f.write_str("postgres://[redacted]"),
        }
    }
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: DatabaseUrl,
    /// Connections for reads (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout`; `None` leaves the server's setting.
    pub statement_timeout: Option<Duration>,
    /// New partner requests one user may send per 24 hours; 0 turns the quota off.
    pub daily_request_quota: u32,
}

impl StoreOptions {
    pub fn new(url: DatabaseUrl) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        Self {
            url,
            max_connections: (cores * 2).clamp(4, 16),
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(10)),
            daily_request_quota: 50,
        }
    }
}

/// A pooled PostgreSQL connection idle longer than this is pinged before use.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);

// Durability choice: WAL with synchronous=NORMAL survives a crash of the process (a SIGKILL
// included), because committed pages are in the OS's cache; only a power loss can drop the
// last commits. FULL would add an fsync to every commit.
const SQLITE_PRAGMAS: &str = "pragma journal_mode = wal; pragma synchronous = normal; \
     pragma foreign_keys = on; pragma busy_timeout = 5000;";

impl Store {
    /// Opens the pools; creates the SQLite file if it does not exist. Does not migrate.
    pub async fn connect(options: &StoreOptions) -> Result<Self, sqlx::Error> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let (writer, reader) = match &options.url {
            DatabaseUrl::Sqlite(path) => {
                let url = SqliteConnectOptions::new().filename(path).create_if_missing(true).to_url_lossy();
                let url = AnyConnectOptions::from_url(&url)?;
                // No ping before each acquire: a SQLite connection is a file handle that cannot
                // drop like a socket, and the ping is a round trip to the connection's worker
                // thread (measured: one of four such trips on every list request).
                let writer = AnyPoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .acquire_timeout(options.acquire_timeout)
                    .after_connect(sqlite_writer_setup)
                    .connect_with(url.clone())
                    .await?;
                let reader = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .test_before_acquire(false)
                    .acquire_timeout(options.acquire_timeout)
                    .after_connect(sqlite_reader_setup)
                    .connect_with(url)
                    .await?;
                (writer, reader)
            }
            DatabaseUrl::Postgres(raw) => {
                let statement_timeout = options.statement_timeout.map(|t| t.as_millis());
                // Ping only connections that sat idle a while (the server or a proxy may have
                // closed them); a busy pool skips the extra round trip on every acquire.
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for > PING_WHEN_IDLE_FOR {
                                conn.ping().await?;
                            }
                            Ok(true)
                        })
                    })
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            if let Some(ms) = statement_timeout {
                                conn.execute(format!("set statement_timeout = {ms}").as_str()).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(raw)
                    .await?;
                (pool.clone(), pool)
            }
        };
        Ok(Self {
            writer,
            reader,
            backend: options.url.backend(),
            outbox: Arc::new(Notify::new()),
            daily_request_quota: options.daily_request_quota,
            events: EventBus::default(),
            known_users: Arc::default(),
            postgres_url: match &options.url {
                DatabaseUrl::Postgres(url) => Some(url.clone()),
                DatabaseUrl::Sqlite(_) => None,
            },
        })
    }

    /// Applies the embedded migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.writer).await
    }
}

fn sqlite_writer_setup(conn: &mut AnyConnection, _: PoolConnectionMetadata) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(SQLITE_PRAGMAS).await?;
        Ok(())
    })
}

/// Readers refuse writes, so a write that bypassed the writer connection fails loudly.
fn sqlite_reader_setup(conn: &mut AnyConnection, _: PoolConnectionMetadata) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(SQLITE_PRAGMAS).await?;
        conn.execute("pragma query_only = on").await?;
        Ok(())
    })
}
