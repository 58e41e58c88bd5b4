//! The browser sessions' store: tower-sessions records kept in the application's own database.
//!
//! On SQLite the store keeps them itself (table `tower_sessions`, the record as JSON), on its
//! own connections: every page view loads its session, and a load through sqlx's SQLite driver
//! cost two thread switches (measured: a fifth of the dashboard's CPU time). On PostgreSQL
//! tower-sessions-sqlx-store keeps them (`tower_sessions.session`) on a small pool of its own.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions_sqlx_store::PostgresStore;

use super::db::params;
use super::{DatabaseUrl, Store};

/// Session records in the application's database.
#[derive(Clone)]
pub enum SessionStore {
    Sqlite(Store),
    Postgres(PostgresStore),
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite(_) => "SessionStore::Sqlite",
            Self::Postgres(_) => "SessionStore::Postgres",
        })
    }
}

/// The connections behind a [`SessionStore`], kept so they can be closed on shutdown.
#[derive(Debug, Clone)]
pub enum SessionPool {
    /// The store's own (closed with the store).
    Store,
    Postgres(sqlx::PgPool),
}

impl SessionPool {
    pub async fn close(&self) {
        if let Self::Postgres(pool) = self {
            pool.close().await;
        }
    }
}

impl SessionStore {
    /// Sessions in `store`'s database: on PostgreSQL through a small pool opened on `url`, whose
    /// session table it creates if it does not exist (SQLite's comes with the migrations).
    pub async fn open(
        store: &Store,
        url: &DatabaseUrl,
        acquire_timeout: Duration,
    ) -> Result<(Self, SessionPool), sqlx::Error> {
        match url {
            DatabaseUrl::Sqlite(_) => Ok((Self::Sqlite(store.clone()), SessionPool::Store)),
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

fn backend_error(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

impl Store {
    /// The record `id` if it has not expired; one that no longer decodes counts as none.
    async fn load_session(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let data = self
            .db
            .fetch_optional(
                "select data from tower_sessions where id = $1 and expiry_date > $2",
                params![id.to_string().as_str(), now],
                &|row| row.text("data"),
            )
            .await
            .map_err(backend_error)?;
        Ok(data.and_then(|data| match serde_json::from_str(&data) {
            Ok(record) => Some(record),
            Err(error) => {
                tracing::warn!(%error, "ignoring a session record that does not decode");
                None
            }
        }))
    }

    /// Writes `record`; with `only_new`, only if its id is not taken (returns whether it wrote).
    async fn save_session(&self, record: &Record, only_new: bool) -> session_store::Result<bool> {
        let sql = if only_new {
            "insert into tower_sessions (id, data, expiry_date) values ($1, $2, $3) on conflict (id) do nothing"
        } else {
            "insert into tower_sessions (id, data, expiry_date) values ($1, $2, $3) \
             on conflict (id) do update set data = excluded.data, expiry_date = excluded.expiry_date"
        };
        let (id, data) = (record.id.to_string(), encode(record)?);
        let expiry = record.expiry_date.unix_timestamp();
        let mut tx = self.db.begin().await.map_err(backend_error)?;
        let written = tx.execute(sql, params![id.as_str(), data.as_str(), expiry]).await.map_err(backend_error)?;
        tx.commit().await.map_err(backend_error)?;
        Ok(written == 1)
    }

    /// Deletes the record `id`, or (with `None`) every expired one.
    async fn delete_sessions(&self, id: Option<&Id>) -> session_store::Result<()> {
        let mut tx = self.db.begin().await.map_err(backend_error)?;
        match id {
            Some(id) => {
                let id = id.to_string();
                tx.execute("delete from tower_sessions where id = $1", params![id.as_str()]).await
            }
            None => {
                let now = OffsetDateTime::now_utc().unix_timestamp();
                tx.execute("delete from tower_sessions where expiry_date < $1", params![now]).await
            }
        }
        .map_err(backend_error)?;
        tx.commit().await.map_err(backend_error)
    }
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => {
                // A fresh id that is taken already (vanishingly rare) is drawn again.
                while !store.save_session(record, true).await? {
                    record.id = Id::default();
                }
                Ok(())
            }
            Self::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.save_session(record, false).await.map(drop),
            Self::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(store) => store.load_session(id).await,
            Self::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete_sessions(Some(id)).await,
            Self::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete_sessions(None).await,
            Self::Postgres(store) => store.delete_expired().await,
        }
    }
}
