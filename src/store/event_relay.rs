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
    /// returns at once. When its connection is lost it connects again (waiting longer after each
    /// failure, up to half a minute), and since events announced meanwhile are lost, it then
    /// tells every open stream to resynchronise (`resync`: reload what it shows).
    pub async fn relay_events(&self, shutdown: CancellationToken) {
        let super::db::Runtime::Postgres(postgres) = &self.db.runtime else { return };
        let url = postgres.url().to_owned();
        let mut wait = FIRST_RETRY;
        let mut lost = false;
        loop {
            let connected = async {
                let mut listener = PgListener::connect(&url).await?;
                listener.listen(CHANNEL).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            let listener = tokio::select! {
                () = shutdown.cancelled() => return,
                connected = connected => connected,
            };
            let error = match listener {
                Ok(listener) => {
                    if lost {
                        tracing::info!("live-event listener connected again; open streams told to resync");
                        self.events.resync_all();
                    }
                    wait = FIRST_RETRY;
                    match self.relay(listener, &shutdown).await {
                        None => return,
                        Some(error) => error,
                    }
                }
                Err(error) => error,
            };
            if !lost {
                tracing::warn!(%error, "live-event listener lost its connection; connecting again");
            }
            lost = true;
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => return,
            }
            wait = (wait * 2).min(LAST_RETRY);
        }
    }

    /// Relays what `listener` hears until shutdown (`None`) or until its connection is lost.
    async fn relay(&self, mut listener: PgListener, shutdown: &CancellationToken) -> Option<sqlx::Error> {
        loop {
            let received = tokio::select! {
                () = shutdown.cancelled() => return None,
                received = listener.try_recv() => received,
            };
            let notification = match received {
                Ok(Some(notification)) => notification,
                Ok(None) => return Some(sqlx::Error::Protocol("the connection was closed".into())),
                Err(error) => return Some(error),
            };
            match UserEvent::from_wire(notification.payload()) {
                Some(event) => self.events.publish(event),
                None => tracing::warn!(payload = notification.payload(), "ignoring an unreadable live event"),
            }
        }
    }
}

/// How long the relay waits before its first attempt to connect again, and at most.
const FIRST_RETRY: std::time::Duration = std::time::Duration::from_millis(500);
const LAST_RETRY: std::time::Duration = std::time::Duration::from_secs(30);
