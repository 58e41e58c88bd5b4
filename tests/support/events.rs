//! A client of the live event stream (`GET /events`, Server-Sent Events).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::time::Instant;

use super::TestApp;

/// Long enough for an event that was going to come.
pub const QUIET: Duration = Duration::from_millis(400);
pub const SOON: Duration = Duration::from_secs(5);

/// A client of the event stream that parses Server-Sent Events.
pub struct EventStream {
    pub response: reqwest::Response,
    buffer: String,
    pub ended: bool,
}

impl EventStream {
    /// `user`'s stream from the app's server.
    pub async fn open(app: &TestApp, user: i64) -> Self {
        Self::open_at(app, &app.base, user).await
    }

    /// `user`'s stream from the server at `base` (another instance on the app's database).
    pub async fn open_at(app: &TestApp, base: &str, user: i64) -> Self {
        let request = app.client.get(format!("{base}/events")).bearer_auth(app.token(user));
        let response = request.send().await.expect("GET /events");
        assert_eq!(response.status(), StatusCode::OK);
        Self { response, buffer: String::new(), ended: false }
    }

    /// The next complete block (event, comment or retry hint), or `None` when none comes in
    /// `within` or the stream ended.
    pub async fn block(&mut self, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                return Some(self.buffer.drain(..end + 2).collect());
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return None,
                Ok(Ok(Some(chunk))) => self.buffer.push_str(std::str::from_utf8(&chunk).expect("UTF-8 events")),
                Ok(Ok(None) | Err(_)) => {
                    self.ended = true;
                    return None;
                }
            }
        }
    }

    /// The next named event: `(name, data)`.
    pub async fn next(&mut self, within: Duration) -> Option<(String, Value)> {
        let deadline = Instant::now() + within;
        loop {
            let block = self.block(deadline.saturating_duration_since(Instant::now())).await?;
            let mut name = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    name = Some(value.trim().to_owned());
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim_start());
                }
            }
            if let Some(name) = name {
                return Some((name, serde_json::from_str(&data).expect("JSON event data")));
            }
        }
    }

    pub async fn expect(&mut self, name: &str, data: Value) {
        assert_eq!(self.next(SOON).await, Some((name.to_owned(), data)));
    }

    /// Discards what is already on its way: on PostgreSQL, events travel through `pg_notify`
    /// and may reach a stream opened just after the change that caused them.
    pub async fn drain(&mut self) {
        while self.next(Duration::from_millis(300)).await.is_some() {}
    }

    pub async fn expect_nothing(&mut self) {
        assert_eq!(self.next(QUIET).await, None);
    }
}
