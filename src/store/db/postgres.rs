//! PostgreSQL's runtime: sqlx's pool of network connections, and one retry of a store call whose
//! connection turned out to be dead.
//!
//! After a restart or failover of the server, every pooled connection is dead until used. A store
//! call that fails because its connection was lost before anything could have committed (the
//! connection was dead when taken, or died before `COMMIT` was sent) runs once more on a fresh
//! connection; the caller never sees the failure. When the connection is lost while `COMMIT` is
//! on its way, nobody can know whether the transaction was applied, so the call fails with
//! [`DatabaseError::CommitUnknown`] instead of running twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection, Executor};

use super::conn::Conn;
use super::error::{DatabaseError, DbResult};
use super::error::{StoreError, StoreResult};
use crate::domain::Timestamp;

/// A pooled connection idle longer than this is pinged before use: the server or a proxy may
/// have closed it meanwhile.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub(in crate::store) struct Postgres {
    pool: AnyPool,
    /// Searches may hold half the pool at most, so quick reads always find a connection.
    searches: Arc<tokio::sync::Semaphore>,
    acquire_timeout: Duration,
    max_connections: u32,
    url: std::sync::Arc<str>,
    /// When a store call last found its connection dead (milliseconds since the epoch): every
    /// connection that sat idle since before then is pinged before its next use.
    lost_at: Arc<AtomicI64>,
}

/// How the pool is set up.
#[derive(Debug, Clone, Copy)]
pub(in crate::store) struct PostgresOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Option<Duration>,
}

impl Postgres {
    pub async fn connect(url: &str, options: PostgresOptions) -> DbResult<Self> {
        let lost_at = Arc::new(AtomicI64::new(0));
        let statement_timeout = options.statement_timeout.map(|t| t.as_millis());
        let lost = lost_at.clone();
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // Pinging on every acquire would add a round trip to every store call; only
            // connections that may have died unnoticed are pinged (see `before_acquire`).
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                let lost_at = lost.load(Ordering::Relaxed);
                Box::pin(async move {
                    let idle_since = Timestamp::now().millis() - meta.idle_for.as_millis() as i64;
                    if meta.idle_for > PING_WHEN_IDLE_FOR || idle_since <= lost_at {
                        // A dead connection is closed and the pool tries the next one.
                        return Ok(conn.ping().await.is_ok());
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
            .connect(url)
            .await?;
        let searches = Arc::new(tokio::sync::Semaphore::new((options.max_connections as usize / 2).max(1)));
        Ok(Self {
            pool,
            searches,
            acquire_timeout: options.acquire_timeout,
            max_connections: options.max_connections,
            url: url.into(),
            lost_at,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Where the database is, for connections of their own (migrations, `LISTEN`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs `work` on one pooled connection, in a transaction when `transaction` names its
    /// `BEGIN`; retried once on a fresh connection if the first was lost before any commit.
    pub async fn run<R, F>(&self, transaction: Option<&'static str>, work: &F) -> StoreResult<R>
    where
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<R>,
    {
        match self.attempt(transaction, work).await {
            Err(StoreError::Database(error)) if error.is_connection_lost() => {
                tracing::info!(%error, "a database connection was lost; trying once more on a fresh one");
                self.lost_at.store(Timestamp::now().millis(), Ordering::Relaxed);
                self.attempt(transaction, work).await
            }
            outcome => outcome,
        }
    }

    /// Like [`Postgres::run`] for a search: it first waits for one of the searches' permits.
    pub async fn search<R, F>(&self, transaction: Option<&'static str>, work: &F) -> StoreResult<R>
    where
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<R>,
    {
        let permit = tokio::time::timeout(self.acquire_timeout, self.searches.acquire()).await;
        let Ok(Ok(_permit)) = permit else { return Err(DatabaseError::Busy(self.acquire_timeout).into()) };
        self.run(transaction, work).await
    }

    async fn attempt<R, F>(&self, transaction: Option<&'static str>, work: &F) -> StoreResult<R>
    where
        F: AsyncFn(&mut Conn<'_>) -> StoreResult<R>,
    {
        let mut conn = self.pool.acquire().await.map_err(|error| self.acquire_failed(error))?;
        let Some(begin) = transaction else {
            return work(&mut Conn::Postgres(&mut conn)).await;
        };
        let mut tx = conn.begin_with(begin).await.map_err(DatabaseError::from)?;
        let value = work(&mut Conn::Postgres(&mut tx)).await?;
        tx.commit().await.map_err(|error| {
            let error = DatabaseError::from(error);
            if error.is_connection_lost() { DatabaseError::CommitUnknown(Box::new(error)) } else { error }
        })?;
        Ok(value)
    }

    /// Why no connection came: the pool timing out while it had room for another connection
    /// means that connecting failed the whole time (the server refuses connections or does not
    /// answer: sqlx tries again until the acquire timeout), not that every connection was busy.
    fn acquire_failed(&self, error: sqlx::Error) -> DatabaseError {
        if matches!(error, sqlx::Error::PoolTimedOut) && self.pool.size() < self.max_connections {
            return DatabaseError::NoAnswer(self.acquire_timeout);
        }
        DatabaseError::Connect(error)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
