//! What every page shares: the layout's data (title, who is signed in, the notifications link,
//! the status region).

use std::sync::atomic::{AtomicUsize, Ordering};

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::domain::User;
use crate::web::assets::{AssetUrls, urls};
use crate::web::error::{AppError, AppResult};
use crate::web::session::Flash;

/// The data of `base.html`.
pub struct Layout {
    pub title: String,
    pub user: Option<User>,
    pub nav: NotificationsLink,
    pub status: StatusRegion,
    pub assets: &'static AssetUrls,
}

impl Layout {
    /// A page for whoever is (or is not) signed in.
    pub fn new(title: &str, user: Option<User>, unread: i64, flash: Option<Flash>) -> Self {
        Self {
            title: title.to_owned(),
            user,
            nav: NotificationsLink { unread, oob: false },
            status: StatusRegion { flash, oob: false },
            assets: urls(),
        }
    }

    /// A page that shows no one's data (errors).
    pub fn bare(title: &str) -> Self {
        Self::new(title, None, 0, None)
    }
}

/// The header link to the notifications, carrying the unread count.
#[derive(Template)]
#[template(path = "partials/notifications_link.html")]
pub struct NotificationsLink {
    pub unread: i64,
    /// Rendered as an out-of-band swap (in an htmx response) rather than in place.
    pub oob: bool,
}

/// The polite live region where the outcome of the last action is announced.
#[derive(Template)]
#[template(path = "partials/status.html")]
pub struct StatusRegion {
    pub flash: Option<Flash>,
    pub oob: bool,
}

/// Renders pages of one kind into a buffer as large as the last one, instead of growing it by
/// doubling from the template's small size hint: a dashboard would otherwise be copied over
/// several times while it is written.
pub struct SizedRender(AtomicUsize);

impl SizedRender {
    pub const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    pub fn respond(&self, page: &impl Template) -> AppResult<Response> {
        let mut html = String::with_capacity(self.0.load(Ordering::Relaxed));
        match page.render_into(&mut html) {
            Ok(()) => {
                self.0.store(html.len() + html.len() / 8, Ordering::Relaxed);
                Ok(Html(html).into_response())
            }
            Err(error) => {
                tracing::error!(%error, "a page failed to render");
                Err(AppError::Internal)
            }
        }
    }
}
