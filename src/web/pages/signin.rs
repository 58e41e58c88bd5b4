//! Choosing who you are (the seed's demo identity: no passwords), creating a user, signing out.
//!
//! Signing in cycles the session id, so an id planted in the browser before sign-in is worthless
//! after it; signing out deletes the session record.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_htmx::{HxRedirect, VaryHxRequest};
use serde::Deserialize;

use super::errors::Asked;
use super::find::Search;
use super::find::{Pager, REFINE, search_url};
use super::layout::Layout;
use super::person::Person;
use crate::domain::{Email, UserId, UserName};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult, Kind};
use crate::web::session::{Flash, SignupDraft, UserSession};

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
pub struct SigninPage {
    pub layout: Layout,
    pub q: String,
    pub list: SigninList,
    pub draft: SignupDraft,
    pub passkey: super::passkeys::PasskeySignIn,
}

/// One page of users, each with a "Sign in as <Name>" button.
#[derive(Template, WebTemplate)]
#[template(path = "partials/signin_list.html")]
pub struct SigninList {
    pub q: String,
    pub people: Vec<Person>,
    pub pager: Pager,
}

/// The sign-in page, or (for htmx) just its list, for a search.
pub async fn page_or_list(state: &AppState, session: &UserSession, search: Search, htmx: bool) -> AppResult<Response> {
    let found = state.service.directory().page(&search.query, search.page).await?;
    let q = search.text;
    let list = SigninList {
        pager: Pager::new(
            found.page,
            found.has_more,
            found.capped,
            |n| search_url(&q, n),
            Some("signin-list"),
            "User pages",
            REFINE,
        ),
        people: found.items.iter().map(Person::from).collect(),
        q: q.clone(),
    };
    if htmx {
        return Ok(list.into_response());
    }
    let flash = session.take_flash().await?;
    let draft = session.take_signup_draft().await?.unwrap_or_default();
    let layout = Layout::new("Choose who you are", None, 0, flash);
    let passkey = super::passkeys::PasskeySignIn::of(state);
    Ok(SigninPage { layout, q, list, draft, passkey }.into_response())
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    pub user_id: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    asked: Asked,
    session: UserSession,
    Form(form): Form<SignInForm>,
) -> Response {
    asked
        .answer(async {
            let id = UserId::parse_text(&form.user_id)?;
            let user = state.service.accounts().existing(id).await?;
            session.sign_in(user.id).await?;
            go_home(&session, format!("Signed in as {}.", user.name)).await
        })
        .await
}

pub async fn sign_out(asked: Asked, session: UserSession) -> Response {
    asked
        .answer(async {
            session.sign_out().await?;
            go_home(&session, "You have signed out.".to_owned()).await
        })
        .await
}

#[derive(Debug, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// Creates a user and signs in as them. With htmx a refusal shows beside the form; without, the
/// sign-in page comes back with the message and what was typed.
pub async fn create_user(
    State(state): State<AppState>,
    asked: Asked,
    session: UserSession,
    Form(form): Form<SignupForm>,
) -> Response {
    asked.answer(sign_up(&state, asked.is_htmx(), &session, form)).await
}

async fn sign_up(state: &AppState, htmx: bool, session: &UserSession, form: SignupForm) -> AppResult<Response> {
    let created = async {
        let name = UserName::parse(&form.name)?;
        let email = Email::parse(&form.email)?;
        Ok::<_, AppError>(state.service.accounts().create(&email, &name).await?)
    }
    .await;
    let user = match created {
        Ok(user) => user,
        Err(error) if error.problem().kind == Kind::Mistake && !htmx => {
            let draft = SignupDraft { name: form.name.trim().to_owned(), email: form.email.trim().to_owned() };
            session.set_signup_draft(draft).await?;
            return Err(error);
        }
        Err(error) => return Err(error),
    };
    session.sign_in(user.id).await?;
    let message = format!("Welcome, {}! You are signed in.", user.name);
    if !htmx {
        return go_home(session, message).await;
    }
    session.set_flash(Flash::success(message)).await?;
    // A new identity is a new page: htmx loads it whole.
    Ok((VaryHxRequest, HxRedirect("/".into()), "").into_response())
}

/// 303 to the start page, which shows `message` once.
async fn go_home(session: &UserSession, message: String) -> AppResult<Response> {
    session.set_flash(Flash::success(message)).await?;
    Ok(Redirect::to("/").into_response())
}
