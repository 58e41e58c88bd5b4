//! The browser sessions' store: tower-sessions records kept in the application's own database
//! (table `tower_sessions`, the record as JSON), through the same runtime as every other store
//! call, on both backends.

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};

use super::db::{Database, StoreError, Unavailable, params};

/// Expired records deleted per statement, so cleaning up never holds the writer for long.
const EXPIRED_PER_ROUND: i64 = 10_000;

/// Session records in the application's database.
#[derive(Clone)]
pub struct SessionStore(Database);

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionStore")
    }
}

impl SessionStore {
    pub(crate) fn new(db: &Database) -> Self {
        Self(db.clone())
    }
}

/// Why a session call failed, for tower-sessions, which keeps only text: when the database was
/// unavailable the text starts with the cause's code, so [`unavailable_cause`] can read it back.
fn backend_error(error: StoreError) -> session_store::Error {
    session_store::Error::Backend(match error.unavailable() {
        Some(cause) => format!("{}: {error}", cause.code()),
        None => error.to_string(),
    })
}

/// The cause [`backend_error`] recorded, if the failure was the database being unavailable.
pub fn unavailable_cause(error: &session_store::Error) -> Option<Unavailable> {
    let session_store::Error::Backend(text) = error else { return None };
    let code = text.split(':').next()?;
    Unavailable::ALL.into_iter().find(|cause| cause.code() == code)
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

const INSERT_NEW: &str =
    "insert into tower_sessions (id, data, expiry_date) values ($1, $2, $3) on conflict (id) do nothing";
const UPSERT: &str = "insert into tower_sessions (id, data, expiry_date) values ($1, $2, $3) \
     on conflict (id) do update set data = excluded.data, expiry_date = excluded.expiry_date";

impl SessionStore {
    /// Writes `record`; with `only_new`, only if its id is not taken (returns whether it wrote).
    async fn save_record(&self, record: &Record, only_new: bool) -> session_store::Result<bool> {
        let (id, data) = (record.id.to_string(), encode(record)?);
        let expiry = record.expiry_date.unix_timestamp();
        let written = self
            .0
            .write(async move |conn| {
                let sql = if only_new { INSERT_NEW } else { UPSERT };
                Ok(conn.execute(sql, params![id.as_str(), data.as_str(), expiry]).await?)
            })
            .await
            .map_err(backend_error)?;
        Ok(written == 1)
    }
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id that is taken already (vanishingly rare) is drawn again.
        while !self.save_record(record, true).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.save_record(record, false).await.map(drop)
    }

    /// The record `id` if it has not expired; one that no longer decodes counts as none.
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let id = id.to_string();
        let data = self
            .0
            .read(async move |conn| {
                let now = OffsetDateTime::now_utc().unix_timestamp();
                let sql = "select data from tower_sessions where id = $1 and expiry_date > $2";
                Ok(conn.fetch_optional(sql, params![id.as_str(), now], &|row| row.text("data")).await?)
            })
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

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let id = id.to_string();
        self.0
            .write(async move |conn| {
                conn.execute("delete from tower_sessions where id = $1", params![id.as_str()]).await?;
                Ok(())
            })
            .await
            .map_err(backend_error)
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    /// Deletes expired records a bounded number at a time, until none is left.
    async fn delete_expired(&self) -> session_store::Result<()> {
        loop {
            let deleted = self
                .0
                .write(async |conn| {
                    let now = OffsetDateTime::now_utc().unix_timestamp();
                    Ok(conn
                        .execute(
                            "delete from tower_sessions where id in \
                               (select id from tower_sessions where expiry_date < $1 limit $2)",
                            params![now, EXPIRED_PER_ROUND],
                        )
                        .await?)
                })
                .await
                .map_err(backend_error)?;
            if deleted < EXPIRED_PER_ROUND as u64 {
                return Ok(());
            }
        }
    }
}
