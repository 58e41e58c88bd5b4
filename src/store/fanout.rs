//! Live events across instances. On SQLite there is one process, and events go straight to the
//! in-process bus. On PostgreSQL every instance announces its events with `pg_notify` in the
//! transaction of the change, and each instance relays what it hears on `LISTEN` (its own
//! announcements included) to its bus, so a user connected to any instance hears about changes
//! made through any other.

use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::Store;
use super::db::{Conn, DbResult, params};
use super::events::{UserEvent, UserEventKind};
use crate::domain::UserId;

/// The PostgreSQL notification channel of live events.
const CHANNEL: &str = "dealnest_events";

/// On PostgreSQL, announces `events` inside the write transaction of `conn` (`pg_notify` calls,
/// delivered at commit, in order, and never for a rolled-back change); on SQLite nothing here:
/// [`Store::committed`] publishes them after the commit.
pub(super) async fn announce(conn: &mut Conn<'_>, events: &[(UserId, UserEventKind)]) -> DbResult<()> {
    if !conn.is_postgres() {
        return Ok(());
    }
    for (user_id, kind) in events {
        let wire = UserEvent { user_id: *user_id, kind: kind.clone() }.to_wire();
        conn.fetch_all("select pg_notify($1, $2)::text as sent", params![CHANNEL, wire.as_str()], &|_| Ok(())).await?;
    }
    Ok(())
}

impl Store {
    /// After the commit of a write that [`announce`]d `events`: on SQLite, publishes them to
    /// this process's bus (the only one); on PostgreSQL the relay below hears them.
    pub(super) fn committed(&self, events: Vec<(UserId, UserEventKind)>) {
        if self.backend() == super::Backend::Sqlite {
            for (user_id, kind) in events {
                self.events.publish(UserEvent { user_id, kind });
            }
        }
    }

    /// On PostgreSQL, relays announced events to this instance's bus until `shutdown`; on SQLite
    /// returns at once. Reconnects by itself when the connection drops.
    pub async fn relay_events(&self, shutdown: CancellationToken) {
        let super::db::Db::Postgres(postgres) = &self.db else { return };
        let url = postgres.url().to_owned();
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
