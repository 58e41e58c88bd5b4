//! What every page shares: the layout's data (title, who is signed in, the notifications link,
//! the status region) and the extractor of the signed-in user.

use std::sync::atomic::{AtomicUsize, Ordering};

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_htmx::HxRedirect;

use super::problem::Problem;
use crate::domain::User;
use crate::web::AppState;
use crate::web::assets::{AssetUrls, urls};
use crate::web::request::is_htmx;
use crate::web::session::{Flash, UserSession};

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

/// The signed-in user, who still exists. Pages that need one take this; a request without one
/// is sent to the sign-in page.
pub struct CurrentUser {
    pub user: User,
    pub session: UserSession,
}

impl CurrentUser {
    pub fn id(&self) -> crate::domain::UserId {
        self.user.id
    }
}

/// The signed-in user of `session`, if any (and if that user still exists).
pub async fn signed_in(state: &AppState, session: &UserSession) -> Result<Option<User>, Problem> {
    let Some(id) = session.signed_in_user().await? else { return Ok(None) };
    let user = state.store.user(id).await?;
    if user.is_some() {
        session.touch().await?;
    }
    Ok(user)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(session) = UserSession::from_parts(parts) else {
            tracing::error!("the session layer is missing in front of a page");
            return Err(Problem::Internal.page());
        };
        let htmx = is_htmx(&parts.headers);
        match signed_in(state, &session).await {
            Ok(Some(user)) => Ok(Self { user, session }),
            Ok(None) => Err(signed_out(&session, htmx, parts.method == Method::GET).await),
            Err(problem) => Err(problem.respond(htmx)),
        }
    }
}

/// Sends a signed-out browser to the sign-in page: htmx follows `HX-Redirect` with a full load.
async fn signed_out(session: &UserSession, htmx: bool, get: bool) -> Response {
    if !get {
        let flash = Flash::error("You are signed out. Choose who you are, then try again.");
        if let Err(error) = session.set_flash(flash).await {
            return Problem::from(error).respond(htmx);
        }
    }
    if htmx {
        return (StatusCode::UNAUTHORIZED, HxRedirect("/".into()), "").into_response();
    }
    Redirect::to("/").into_response()
}

/// Renders pages of one kind into a buffer as large as the last one, instead of growing it by
/// doubling from the template's size hint: a 60 kB dashboard was otherwise copied five times
/// over (measured: about 9 % of the page's instructions).
pub struct SizedRender(AtomicUsize);

impl SizedRender {
    pub const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    pub fn respond(&self, page: &impl Template) -> Response {
        let mut html = String::with_capacity(self.0.load(Ordering::Relaxed));
        match page.render_into(&mut html) {
            Ok(()) => {
                self.0.store(html.len() + html.len() / 8, Ordering::Relaxed);
                Html(html).into_response()
            }
            Err(error) => {
                tracing::error!(%error, "a page failed to render");
                Problem::Internal.page()
            }
        }
    }
}
