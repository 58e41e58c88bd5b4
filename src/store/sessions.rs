//! The browser sessions' store: tower-sessions records kept in the application's own database
//! (table `tower_sessions` on SQLite, `tower_sessions.session` on PostgreSQL), through
//! tower-sessions-sqlx-store.
//!
//! That crate needs a concrete pool (it does not speak sqlx's `Any` driver), so this module opens
//! one beside the store's pools, from the same [`DatabaseUrl`] and with the same SQLite settings
//! (WAL, a busy timeout), and hides the backend behind one enum.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::DatabaseUrl;

/// Session records in the application's database.
#[derive(Debug, Clone)]
pub enum SessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// The pool behind a [`SessionStore`], kept so it can be closed on shutdown.
#[derive(Debug, Clone)]
pub enum SessionPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl SessionPool {
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

impl SessionStore {
    /// Opens a small pool on `url` and creates the session table if it does not exist.
    pub async fn open(url: &DatabaseUrl, acquire_timeout: Duration) -> Result<(Self, SessionPool), sqlx::Error> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(acquire_timeout)
                    .connect_with(options)
                    .await?;
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                Ok((Self::Sqlite(store), SessionPool::Sqlite(pool)))
            }
            DatabaseUrl::Postgres(raw) => {
                let pool =
                    PgPoolOptions::new().max_connections(4).acquire_timeout(acquire_timeout).connect(raw).await?;
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                Ok((Self::Postgres(store), SessionPool::Postgres(pool)))
            }
        }
    }
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.create(record).await,
            Self::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.save(record).await,
            Self::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(store) => store.load(id).await,
            Self::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete(id).await,
            Self::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete_expired().await,
            Self::Postgres(store) => store.delete_expired().await,
        }
    }
}
