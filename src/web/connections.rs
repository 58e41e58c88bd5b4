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
//!
//! Shutdown is graceful: no new connections, requests in flight finish, idle connections close.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::{Service, ServiceExt};

/// Request heads (request line and headers) much larger than this are answered 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// How many connections, and how long a client may take to send a request's headers.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
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
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(MAX_HEADER_BYTES);
    let stop_connections = CancellationToken::new();
    let mut connections = JoinSet::new();
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
                    let stop = stop_connections.clone();
                    connections.spawn(serve_connection(builder.clone(), stream, peer, app.clone(), stop));
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
    stop: CancellationToken,
) where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        // What axum's `into_make_service_with_connect_info` gives handlers.
        request.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(request)
    });
    let mut connection = std::pin::pin!(builder.serve_connection(TokioIo::new(stream), service));
    let served = tokio::select! {
        served = connection.as_mut() => served,
        () = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = served {
        // Header timeouts, oversized heads and clients that went away: theirs, not ours.
        tracing::debug!(%error, %peer, "connection ended with an error");
    }
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
