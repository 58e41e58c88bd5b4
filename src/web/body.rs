//! A request's body as the connection hands it to the app, within bounds of its own:
//!
//! - It must arrive within `DEALNEST_BODY_TIMEOUT` of its headers. A client that declares a length and
//!   then sends a byte now and then is refused (408) and its connection closed, instead of
//!   holding a connection, and a handler, until the request timeout.
//! - What the app left unread is settled before the answer goes out. A request refused before
//!   its body was read (401, 403, 413, 415, 429…) still has that body on its way: closing the
//!   connection with unread bytes makes the kernel answer them with a reset, which can destroy
//!   the answer before the client reads it, and a client that pools connections then fails its
//!   next request. So the rest is read and dropped, up to [`BODY_LIMIT`] and within the body's
//!   deadline, and the connection stays open for the next request; a body larger than that, or
//!   one the client waits to send (`Expect: 100-continue`), is answered with `Connection: close`
//!   and the connection is closed gracefully (see `connections.rs`).

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use tokio::time::{Instant, Sleep};

use super::BODY_LIMIT;
use super::error::AppError;

/// The body read past its deadline.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub struct BodyTimedOut;

/// What became of a body, shared by the body the app holds and the connection serving it.
#[derive(Default)]
struct Fate {
    /// What the app dropped before the end.
    unread: Option<Incoming>,
    timed_out: bool,
}

/// One request's body as the app sees it.
pub struct TrackedBody {
    inner: Option<Incoming>,
    deadline: Instant,
    /// Started at the first wait, so bodies that are already complete cost no timer.
    timer: Option<Pin<Box<Sleep>>>,
    fate: Arc<Mutex<Fate>>,
}

/// The connection's side of one request's body.
pub struct Unread {
    deadline: Instant,
    fate: Arc<Mutex<Fate>>,
    /// The body is too large to drain, or not on its way yet.
    close_instead: bool,
}

/// Splits `body` into what the app reads, within `timeout`, and what the connection settles
/// afterwards.
pub fn track(headers: &HeaderMap, body: Incoming, timeout: Duration) -> (Body, Unread) {
    let fate = Arc::new(Mutex::new(Fate::default()));
    let deadline = Instant::now() + timeout;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let too_large = declared.is_some_and(|length| length > BODY_LIMIT as u64);
    let waits = headers.get(header::EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let tracked = TrackedBody { inner: Some(body), deadline, timer: None, fate: fate.clone() };
    (Body::new(tracked), Unread { deadline, fate, close_instead: too_large || waits })
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else { return Poll::Ready(None) };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(other) => {
                this.inner = None;
                Poll::Ready(other.map(|result| result.map_err(Into::into)))
            }
            Poll::Pending => {
                let deadline = this.deadline;
                let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                ready!(timer.as_mut().poll(cx));
                this.inner = None;
                lock(&this.fate).timed_out = true;
                Poll::Ready(Some(Err(BodyTimedOut.into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take()
            && !inner.is_end_stream()
        {
            lock(&self.fate).unread = Some(inner);
        }
    }
}

fn lock(fate: &Mutex<Fate>) -> std::sync::MutexGuard<'_, Fate> {
    fate.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Unread {
    /// Settles the body once the app answered `response`: what the app left unread is read and
    /// dropped, or the answer says `Connection: close`. Returns whether the connection should
    /// then be closed gracefully (with the body's last bytes still on their way).
    pub async fn settle(self, response: &mut Response) -> bool {
        let (unread, timed_out) = {
            let mut fate = lock(&self.fate);
            (fate.unread.take(), fate.timed_out)
        };
        if timed_out {
            *response = AppError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "The request's body did not arrive in time, so nothing was done. Please try again.",
            )
            .into_response();
            return close(response);
        }
        let Some(unread) = unread else { return false };
        if self.close_instead || !drain(unread, self.deadline).await {
            return close(response);
        }
        false
    }
}

fn close(response: &mut Response) -> bool {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    true
}

/// Reads `body` to its end and drops it; false when it holds more than [`BODY_LIMIT`], fails,
/// or is not complete by `deadline`.
async fn drain(mut body: Incoming, deadline: Instant) -> bool {
    let mut left = BODY_LIMIT;
    let read = async {
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            let Ok(frame) = frame else { return false };
            if let Some(data) = frame.data_ref() {
                let Some(rest) = left.checked_sub(data.len()) else { return false };
                left = rest;
            }
        }
        true
    };
    tokio::time::timeout_at(deadline, read).await.unwrap_or(false)
}
