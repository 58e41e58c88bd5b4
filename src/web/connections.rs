//! Accepting and serving connections (HTTP/1.1), within bounds no client can stretch:
//!
//! - A request's headers must arrive within `DEALNEST_HEADER_TIMEOUT` of the moment the server
//!   starts reading them, so a client that sends them byte by byte (slowloris) is cut off; the
//!   same deadline closes a keep-alive connection that stays idle that long.
//! - The headers fit in about [`MAX_HEADER_BYTES`] (the buffer grows by whole reads, so a head a
//!   little larger may pass), so an open connection's buffer stays small.
//! - At most `DEALNEST_MAX_CONNECTIONS` connections are open. At the cap the server stops
//!   accepting: further connections wait in the kernel's listen queue, costing nothing, and are
//!   served in turn as soon as one closes. Refusing them instead (a 503, or closing at once)
//!   would fail requests that a moment's wait serves, while slow clients are already bounded
//!   by the header deadline.
//! - One client address (an IPv6 client by its /64) holds at most
//!   `DEALNEST_MAX_CONNECTIONS_PER_CLIENT` of them, so no single client can take the whole cap
//!   and make everyone else wait; a connection past its share is closed at once. Trusted
//!   proxies (`DEALNEST_TRUSTED_PROXIES`) carry many clients and have no share of their own.
//! - A request's body has a deadline of its own, and a body the app left unread is settled
//!   before the answer goes out (`body.rs`); when it cannot be, the answer says
//!   `Connection: close` and the connection is closed gracefully: our side is shut first, and
//!   what the client still sends is read and dropped for a moment, so that its unread bytes
//!   never turn the close into a reset that could destroy the answer.
//!
//! Shutdown is graceful: no new connections, requests in flight finish, idle connections close.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::{Service, ServiceExt};

use super::body;
use super::client::{ClientKey, TrustedProxies};

/// Request heads (request line and headers) much larger than this are answered 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// How long, and for how many bytes, a connection closed with a request's body still on its
/// way keeps reading (and dropping) what arrives after our side is shut.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

/// How many connections, per client and in all, and how long a client may take to send a
/// request's headers.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    /// Connections one client address may hold at once.
    pub per_client: usize,
    pub header_timeout: Duration,
    /// Time to send a request's body once its headers arrived.
    pub body_timeout: Duration,
    /// Peers that carry many clients' connections, exempt from the per-client share.
    pub trusted_proxies: TrustedProxies,
}

/// The connections each client address holds now; an address appears only while it holds one.
#[derive(Default)]
struct PerClient(Mutex<HashMap<ClientKey, usize>>);

impl PerClient {
    /// One more connection for `key`, unless it holds `max` already.
    fn take(self: &Arc<Self>, key: ClientKey, max: usize) -> Option<ClientSlot> {
        let mut open = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let held = open.entry(key.clone()).or_default();
        if *held >= max {
            return None;
        }
        *held += 1;
        Some(ClientSlot { clients: Arc::clone(self), key })
    }
}

/// A client's place for one connection, given back when dropped (however the task ends).
struct ClientSlot {
    clients: Arc<PerClient>,
    key: ClientKey,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.clients.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = open.get_mut(&self.key) {
            *held -= 1;
            if *held == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` is cancelled; then calls `on_shutdown` (to end
/// responses that never end by themselves, such as event streams) and returns once every
/// connection has closed. Dropping the returned future cuts off the connections still open.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
    on_shutdown: impl FnOnce(),
) -> io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Unpin + 'static,
    S::Future: Send,
{
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(MAX_HEADER_BYTES);
    let stop_connections = CancellationToken::new();
    let mut connections = JoinSet::new();
    let clients = Arc::new(PerClient::default());
    // Saturation is logged when it starts and when it has clearly ended (a tenth below the cap),
    // not for every connection that comes and goes at the edge.
    let mut saturated = false;
    let relieved = limits.max_connections - limits.max_connections / 10;
    loop {
        let full = connections.len() >= limits.max_connections;
        if full && !saturated {
            saturated = true;
            tracing::warn!(limit = limits.max_connections, "connection cap reached; new connections wait");
        } else if saturated && connections.len() < relieved {
            saturated = false;
            tracing::info!(limit = limits.max_connections, "below the connection cap again");
        }
        metrics::gauge!("dealnest_http_connections").set(connections.len() as f64);
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept(), if !full => match accepted {
                Ok((stream, peer)) => {
                    let slot = if limits.trusted_proxies.is_trusted(peer.ip()) {
                        None
                    } else {
                        match clients.take(ClientKey::address(peer.ip()), limits.per_client) {
                            Some(slot) => Some(slot),
                            None => {
                                metrics::counter!("dealnest_connections_refused_total", "reason" => "per_client")
                                    .increment(1);
                                tracing::debug!(%peer, limit = limits.per_client, "a client's share of connections is taken; closed");
                                continue;
                            }
                        }
                    };
                    let stop = stop_connections.clone();
                    let served = serve_connection(builder.clone(), stream, peer, app.clone(), limits.body_timeout, stop);
                    connections.spawn(async move {
                        served.await;
                        drop(slot);
                    });
                }
                Err(error) => accept_failed(error, &shutdown).await,
            },
        }
    }
    drop(listener);
    on_shutdown();
    stop_connections.cancel();
    while connections.join_next().await.is_some() {}
    metrics::gauge!("dealnest_http_connections").set(0.0);
    Ok(())
}

/// Serves one connection until it closes by itself or, once `stop` is cancelled, until the
/// request in flight (if any) is answered.
async fn serve_connection<S>(
    builder: http1::Builder,
    stream: TcpStream,
    peer: SocketAddr,
    app: S,
    body_timeout: Duration,
    stop: CancellationToken,
) where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Unpin + 'static,
    S::Future: Send,
{
    // Set when an answer went out with a request's body still on its way.
    let linger = Arc::new(AtomicBool::new(false));
    let service = hyper::service::service_fn({
        let linger = linger.clone();
        move |request: hyper::Request<Incoming>| {
            let (app, linger) = (app.clone(), linger.clone());
            Box::pin(async move {
                let (parts, incoming) = request.into_parts();
                let (body, unread) = body::track(&parts.headers, incoming, body_timeout);
                let mut request = Request::from_parts(parts, body);
                // What axum's `into_make_service_with_connect_info` gives handlers.
                request.extensions_mut().insert(ConnectInfo(peer));
                let Ok(mut response) = app.oneshot(request).await;
                if unread.settle(&mut response).await {
                    linger.store(true, Ordering::Relaxed);
                }
                Ok::<_, Infallible>(response)
            })
        }
    });
    let mut connection = builder.serve_connection(TokioIo::new(stream), service);
    let served = tokio::select! {
        served = std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)) => served,
        () = stop.cancelled() => {
            std::pin::Pin::new(&mut connection).graceful_shutdown();
            std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)).await
        }
    };
    match served {
        Ok(()) if linger.load(Ordering::Relaxed) => close_gracefully(connection.into_parts().io.into_inner()).await,
        // Dropped: closed.
        Ok(()) => {}
        // Header timeouts, oversized heads and clients that went away: theirs, not ours.
        Err(error) => tracing::debug!(%error, %peer, "connection ended with an error"),
    }
}

/// Shuts our side of `stream`, then reads and drops what the client still sends until it closes
/// too, for [`LINGER`] and [`LINGER_BYTES`] at most: closing with unread bytes would send a reset,
/// which can destroy the answer before the client has read it.
async fn close_gracefully(mut stream: TcpStream) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut sink = [0u8; 8192];
    let mut left = LINGER_BYTES;
    let _ = tokio::time::timeout(LINGER, async {
        while let Ok(read @ 1..) = stream.read(&mut sink).await {
            let Some(rest) = left.checked_sub(read) else { return };
            left = rest;
        }
    })
    .await;
}

/// A failed accept: a connection that died before it was taken is nothing; anything else (out
/// of file descriptors) is logged and waited out briefly rather than retried in a busy loop.
async fn accept_failed(error: io::Error, shutdown: &CancellationToken) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection; pausing for a second");
    tokio::select! {
        () = tokio::time::sleep(Duration::from_secs(1)) => {}
        () = shutdown.cancelled() => {}
    }
}
