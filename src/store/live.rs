//! Live events across instances, in the database. On PostgreSQL every instance announces its
//! events with `pg_notify` in the transaction of the change (delivered at commit, in order, and
//! never for a rolled-back change), and each instance listens on the channel (its own
//! announcements included), so a user connected to any instance hears about changes made
//! through any other. On SQLite there is one process and nothing to do here: the service
//! publishes after the commit.

use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::db::{Conn, Database, DbResult, Runtime, params};

/// The PostgreSQL notification channel of live events.
const CHANNEL: &str = "dealnest_events";

/// On PostgreSQL, announces each of `events` (one line of text each, made only then) inside the
/// write transaction of `conn`; on SQLite nothing.
pub(crate) async fn announce(conn: &mut Conn<'_>, events: impl Iterator<Item = String>) -> DbResult<()> {
    if !conn.is_postgres() {
        return Ok(());
    }
    for wire in events {
        conn.fetch_all("select pg_notify($1, $2)::text as sent", params![CHANNEL, wire.as_str()], &|_| Ok(())).await?;
    }
    Ok(())
}

/// How long the relay waits before its first attempt to connect again, and at most.
const FIRST_RETRY: std::time::Duration = std::time::Duration::from_millis(500);
const LAST_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// On PostgreSQL, hands every announcement heard to `heard` until `shutdown`; on SQLite returns
/// at once. When its connection is lost it connects again (waiting longer after each failure,
/// up to half a minute), and since announcements made meanwhile are lost, it calls `lost` once
/// connected again.
pub(crate) async fn listen(db: &Database, shutdown: CancellationToken, heard: impl Fn(&str), lost: impl Fn()) {
    let Runtime::Postgres(postgres) = &db.runtime else { return };
    let url = postgres.url().to_owned();
    let mut wait = FIRST_RETRY;
    let mut was_lost = false;
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
                if was_lost {
                    tracing::info!("live-event listener connected again; open streams told to resync");
                    lost();
                }
                wait = FIRST_RETRY;
                match relay(listener, &shutdown, &heard).await {
                    None => return,
                    Some(error) => error,
                }
            }
            Err(error) => error,
        };
        if !was_lost {
            tracing::warn!(%error, "live-event listener lost its connection; connecting again");
        }
        was_lost = true;
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => return,
        }
        wait = (wait * 2).min(LAST_RETRY);
    }
}

/// Hands what `listener` hears to `heard` until shutdown (`None`) or until its connection is lost.
async fn relay(mut listener: PgListener, shutdown: &CancellationToken, heard: &impl Fn(&str)) -> Option<sqlx::Error> {
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => return None,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => heard(notification.payload()),
            Ok(None) => return Some(sqlx::Error::Protocol("the connection was closed".into())),
            Err(error) => return Some(error),
        }
    }
}
