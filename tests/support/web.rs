//! A browser-like HTTP client for the pages: its own cookie jar, no redirect following, plain form
//! posts or htmx requests, and pages read by CSS selector.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use scraper::{ElementRef, Html, Selector};
use serde_json::json;

use crate::support::TestApp;

/// One browser: a cookie jar of its own.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap();
        Self { client, base: app.base.clone() }
    }

    /// A browser signed in as `user`.
    pub async fn signed_in(app: &TestApp, user: i64) -> Self {
        let browser = Self::new(app);
        let page = browser.post("/session", &[("user_id", &user.to_string())]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        browser
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Page {
        Page::read(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn hx_get(&self, path: &str) -> Page {
        Page::read(self.client.get(self.url(path)).header("HX-Request", "true").send().await.unwrap()).await
    }

    /// A plain form post, as a browser without JavaScript sends it from `/`.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_from(path, "/", form).await
    }

    /// A plain form post from the page at `from` (its `Referer`).
    pub async fn post_from(&self, path: &str, from: &str, form: &[(&str, &str)]) -> Page {
        let request = self.client.post(self.url(path)).header("Referer", self.url(from)).form(form);
        Page::read(request.send().await.unwrap()).await
    }

    /// A plain form post carrying one extra header (no `Referer`).
    pub async fn post_with(&self, path: &str, header: (&str, &str), form: &[(&str, &str)]) -> Page {
        let request = self.client.post(self.url(path)).header(header.0, header.1).form(form);
        Page::read(request.send().await.unwrap()).await
    }

    /// An htmx post from a form whose target is the element `target`.
    pub async fn hx_post(&self, path: &str, target: &str, form: &[(&str, &str)]) -> Page {
        let request = self
            .client
            .post(self.url(path))
            .header("HX-Request", "true")
            .header("HX-Target", target)
            .header("HX-Current-URL", self.url("/"))
            .form(form);
        Page::read(request.send().await.unwrap()).await
    }
}

/// A response with its HTML parsed.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    html: Html,
}

impl Page {
    async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        let html = Html::parse_document(&body);
        Self { status, headers, body, html }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }

    pub fn location(&self) -> Option<String> {
        self.header("location")
    }

    /// All header values of `name`, joined (for `Vary`, `Set-Cookie`).
    pub fn header_all(&self, name: &str) -> String {
        self.headers.get_all(name).iter().map(|v| v.to_str().unwrap()).collect::<Vec<_>>().join(", ")
    }

    /// Whether `Vary` names `HX-Request` (header names are case-insensitive).
    pub fn varies_on_hx_request(&self) -> bool {
        self.header_all("vary").to_ascii_lowercase().split(',').any(|name| name.trim() == "hx-request")
    }

    pub fn select(&self, css: &str) -> Vec<ElementRef<'_>> {
        let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e}"));
        self.html.select(&selector).collect()
    }

    pub fn count(&self, css: &str) -> usize {
        self.select(css).len()
    }

    /// The text of the first element at `css`, whitespace collapsed.
    #[track_caller]
    pub fn text(&self, css: &str) -> String {
        let found = self.select(css);
        let first = found.first().unwrap_or_else(|| panic!("nothing at {css} in:\n{}", self.body));
        squash(&first.text().collect::<String>())
    }

    pub fn texts(&self, css: &str) -> Vec<String> {
        self.select(css).iter().map(|e| squash(&e.text().collect::<String>())).collect()
    }

    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.select(css).first().and_then(|e| e.value().attr(name)).map(str::to_owned)
    }

    /// Whether this is a whole page rather than a fragment.
    pub fn is_full_page(&self) -> bool {
        self.body.trim_start().to_ascii_lowercase().starts_with("<!doctype html")
    }

    /// The texts of the buttons inside `css`.
    pub fn buttons(&self, css: &str) -> Vec<String> {
        self.texts(&format!("{css} button"))
    }
}

pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `blocker` blocks `blocked` through the API.
pub async fn block(app: &TestApp, blocker: i64, blocked: i64) {
    let path = format!("/api/v1/users/{blocker}/blocks");
    let (status, body) = app.post(&path, Some(blocker), json!({ "blocked_user_id": blocked })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// `from` asks `to`, with a message, through the API; returns the request id.
pub async fn request_with(app: &TestApp, from: i64, to: i64, message: &str) -> i64 {
    let body = json!({ "recipient_id": to, "message": message });
    let (status, body) = app.post("/api/v1/partner-requests", Some(from), body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["request_id"].as_i64().unwrap()
}

/// The pending requests `user` received, by the API.
pub async fn received(app: &TestApp, user: i64) -> Vec<serde_json::Value> {
    let (status, body) = app.get(&format!("/api/v1/partner-requests/received/{user}"), Some(user)).await;
    assert_eq!(status, StatusCode::OK);
    body["requests"].as_array().unwrap().clone()
}

/// The partners' ids of `user`, by the API.
pub async fn partners(app: &TestApp, user: i64) -> Vec<i64> {
    let (status, body) = app.get(&format!("/api/v1/users/{user}/partnerships"), Some(user)).await;
    assert_eq!(status, StatusCode::OK);
    body["partnerships"].as_array().unwrap().iter().map(|p| p["partner"]["id"].as_i64().unwrap()).collect()
}
