//! Live events across instances. On SQLite there is one process, and events go straight to the
//! in-process bus. On PostgreSQL every instance announces its events with `pg_notify` in the
//! transaction of the change, and each instance relays what it hears on `LISTEN` (its own
//! announcements included) to its bus, so a user connected to any instance hears about changes
//! made through any other.

use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::Store;
use super::db::{DbResult, Tx, params};
use super::events::{UserEvent, UserEventKind};
use crate::domain::UserId;

/// The PostgreSQL notification channel of live events.
const CHANNEL: &str = "dealnest_events";

impl Store {
    /// Commits a write and announces what it changed for other users. On PostgreSQL the
    /// announcements are `pg_notify` calls inside the transaction, so they are delivered at
    /// commit, in order, and never for a rolled-back change; on SQLite they go to the bus after
    /// the commit.
    pub(super) async fn commit_announcing(&self, mut tx: Tx, events: Vec<(UserId, UserEventKind)>) -> DbResult<()> {
        let events: Vec<UserEvent> = events.into_iter().map(|(user_id, kind)| UserEvent { user_id, kind }).collect();
        let postgres = tx.is_postgres();
        if postgres {
            for event in &events {
                let wire = event.to_wire();
                tx.fetch_all("select pg_notify($1, $2)::text as sent", params![CHANNEL, wire.as_str()], &|_| Ok(()))
                    .await?;
            }
        }
        tx.commit().await?;
        if !postgres {
            for event in events {
                self.events.publish(event);
            }
        }
        Ok(())
    }

    /// On PostgreSQL, relays announced events to this instance's bus until `shutdown`; on SQLite
    /// returns at once. Reconnects by itself when the connection drops.
    pub async fn relay_events(&self, shutdown: CancellationToken) {
        let Some(url) = self.postgres_url.clone() else { return };
        loop {
            match self.listen(&url, &shutdown).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(%error, "live-event listener failed; reconnecting");
                    tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                        () = shutdown.cancelled() => return,
                    }
                }
            }
        }
    }

    async fn listen(&self, url: &str, shutdown: &CancellationToken) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        loop {
            let notification = tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                received = listener.recv() => received?,
            };
            match UserEvent::from_wire(notification.payload()) {
                Some(event) => self.events.publish(event),
                None => tracing::warn!(payload = notification.payload(), "ignoring an unreadable live event"),
            }
        }
    }
}
