//! Live events across instances. On SQLite there is one process, and events go straight to the
//! in-process bus. On PostgreSQL every instance announces its events with `pg_notify`, and each
//! instance relays what it hears on `LISTEN` (its own announcements included) to its bus, so a
//! user connected to any instance hears about changes made through any other.

use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::events::{UserEvent, UserEventKind};
use super::{Backend, Store};
use crate::domain::UserId;

/// The PostgreSQL notification channel of live events.
const CHANNEL: &str = "dealnest_events";

impl Store {
    /// Announces a committed change to `user`. Call only after commit: a rolled-back change must
    /// never be announced.
    pub(super) fn publish(&self, user: UserId, kind: UserEventKind) {
        let event = UserEvent { user_id: user, kind };
        match self.backend {
            Backend::Sqlite => self.events.publish(event),
            Backend::Postgres => {
                // Fire and forget: an event is a hint to refresh, and must never delay or fail
                // the write that caused it.
                let pool = self.writer.clone();
                tokio::spawn(async move {
                    let sent = sqlx::query("select pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(event.to_wire())
                        .execute(&pool)
                        .await;
                    if let Err(error) = sent {
                        tracing::warn!(%error, "could not announce a live event");
                    }
                });
            }
        }
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
