//! Opening the database (its SQLite threads or PostgreSQL pool) and running the embedded migrations.

use std::path::PathBuf;
use std::sync::{Arc, Once};
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use super::db::{Database, DatabaseError, Postgres, PostgresOptions, Runtime, Sqlite, SqliteOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// This backend's embedded migrations. A database that a newer version already migrated further
/// is accepted: migrations are only ever added, and each leaves the schema usable by the code
/// before it, so an older instance keeps serving during a rolling update (or after a rollback).
async fn migrations(backend: Backend) -> Result<Migrator, DatabaseError> {
    let files = match backend {
        Backend::Sqlite => embedded::SQLITE,
        Backend::Postgres => embedded::POSTGRES,
    };
    let mut migrator = Migrator::new(Embedded(files)).await?;
    migrator.set_ignore_missing(true);
    Ok(migrator)
}

/// The SQL files of `migrations/<backend>/` as (file name, text), embedded by `build.rs`.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// Embedded migration files, read by sqlx's rules for a migrations directory (the rules of
/// `sqlx::migrate!`, which earlier releases used): `<version>_<description>.sql`, underscores of
/// the description read as spaces, `-- no-transaction` at the top to run outside a transaction.
/// Each database records every applied migration's checksum (SHA-384 of its text) and refuses
/// to start when one differs, so these must come out exactly as sqlx makes them (a test checks).
#[derive(Debug)]
struct Embedded(&'static [(&'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            let mut migrations =
                self.0.iter().map(|&(name, sql)| migration(name, sql)).collect::<Result<Vec<_>, _>>()?;
            migrations.sort_by_key(|m| m.version);
            Ok(migrations)
        })
    }
}

fn migration(name: &str, sql: &'static str) -> Result<Migration, BoxDynError> {
    let (version, rest) = name.split_once('_').ok_or_else(|| format!("migration {name}: no `_` after the version"))?;
    let version = version.parse().map_err(|_| format!("migration {name}: the version is not a number"))?;
    let kind = MigrationType::from_filename(rest);
    let description = rest.trim_end_matches(kind.suffix()).replace('_', " ");
    Ok(Migration::new(version, description.into(), kind, sql.into(), sql.starts_with("-- no-transaction")))
}

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

    pub fn backend(&self) -> Backend {
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

/// How long one statement may run unless configured otherwise: far beyond what any request
/// costs, short enough that a runaway one is stopped while its client still waits.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    pub url: DatabaseUrl,
    /// Connections for reads (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// How long one statement may run (both backends); `None`: no limit of ours.
    pub statement_timeout: Option<Duration>,
}

impl DatabaseOptions {
    pub fn new(url: DatabaseUrl) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        Self {
            url,
            max_connections: (cores * 2).clamp(4, 16),
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(DEFAULT_STATEMENT_TIMEOUT),
        }
    }
}

/// Opens the database; creates the SQLite file if it does not exist. Does not migrate.
pub(crate) async fn open(options: &DatabaseOptions) -> Result<Database, DatabaseError> {
    let runtime = match &options.url {
        DatabaseUrl::Sqlite(path) => Runtime::Sqlite(Arc::new(Sqlite::open(
            path,
            SqliteOptions {
                readers: options.max_connections as usize,
                acquire_timeout: options.acquire_timeout,
                statement_timeout: options.statement_timeout,
            },
        )?)),
        DatabaseUrl::Postgres(raw) => {
            static DRIVERS: Once = Once::new();
            DRIVERS.call_once(sqlx::any::install_default_drivers);
            Runtime::Postgres(
                Postgres::connect(
                    raw,
                    PostgresOptions {
                        max_connections: options.max_connections,
                        acquire_timeout: options.acquire_timeout,
                        statement_timeout: options.statement_timeout,
                    },
                )
                .await?,
            )
        }
    };
    Ok(Database::new(runtime))
}

impl Database {
    /// Applies the embedded migrations of this backend that have not run yet (through sqlx's
    /// migrator; on SQLite over a connection of its own, closed afterwards).
    /// On PostgreSQL the migrations run on a connection of their own, without the statement
    /// timeout of the pool: a migration may rightly take long (an index on a large table), and
    /// so may waiting for another instance's migrations (sqlx's migrator holds an advisory lock
    /// meanwhile, so instances starting together take turns).
    pub(crate) async fn migrate(&self) -> Result<(), DatabaseError> {
        match &self.runtime {
            Runtime::Sqlite(sqlite) => {
                let mut conn = SqliteConnectOptions::new()
                    .filename(sqlite.path())
                    .busy_timeout(Duration::from_secs(5))
                    .connect()
                    .await?;
                migrations(Backend::Sqlite).await?.run(&mut conn).await?;
                conn.close().await?;
            }
            Runtime::Postgres(postgres) => {
                let mut conn = sqlx::AnyConnection::connect(postgres.url()).await?;
                migrations(Backend::Postgres).await?.run(&mut conn).await?;
                conn.close().await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Every embedded migration equals what sqlx reads from the directory (the code path of
    /// `sqlx::migrate!`), checksum included: databases migrated by earlier releases open.
    #[tokio::test]
    async fn embedded_migrations_are_the_ones_sqlx_reads_from_the_directory() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend.name());
            let expected = Migrator::new(dir.as_path()).await.unwrap();
            let embedded = migrations(backend).await.unwrap();
            assert_eq!(embedded.iter().count(), expected.iter().count(), "{}", backend.name());
            assert!(embedded.iter().count() >= 13);
            for (ours, theirs) in embedded.iter().zip(expected.iter()) {
                assert_eq!(ours.version, theirs.version);
                assert_eq!(ours.description, theirs.description);
                assert_eq!(ours.migration_type, theirs.migration_type);
                assert_eq!(ours.sql, theirs.sql);
                assert_eq!(ours.checksum, theirs.checksum, "{} {}", backend.name(), ours.version);
                assert_eq!(ours.no_tx, theirs.no_tx);
            }
        }
    }
}
