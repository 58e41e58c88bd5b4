//! What every page shares: the layout's data (title, who is signed in, the notifications link,
//! the status region).

use askama::Template;

use crate::domain::User;
use crate::web::assets::{AssetUrls, urls};
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
