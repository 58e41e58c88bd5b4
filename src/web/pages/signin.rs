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

use super::dashboard::Search;
use super::find::{Pager, REFINE, search_url};
use super::layout::Layout;
use super::person::Person;
use super::problem::Problem;
use super::requests::parse_id;
use crate::domain::{Email, UserId, UserName};
use crate::web::AppState;
use crate::web::request::Htmx;
use crate::web::session::{Flash, SignupDraft, UserSession};

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
pub struct SigninPage {
    pub layout: Layout,
    pub q: String,
    pub list: SigninList,
    pub draft: SignupDraft,
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
pub async fn page_or_list(
    state: &AppState,
    session: &UserSession,
    search: Search,
    htmx: bool,
) -> Result<Response, Problem> {
    let found = state.store.users_page(&search.query, search.page).await?;
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
    Ok(SigninPage { layout, q, list, draft }.into_response())
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    pub user_id: String,
}

pub async fn sign_in(State(state): State<AppState>, session: UserSession, Form(form): Form<SignInForm>) -> Response {
    let result = async {
        let id: UserId = parse_id(&form.user_id)?;
        let user = state.store.existing_user(id).await?;
        session.sign_in(user.id).await?;
        Ok::<_, Problem>(format!("Signed in as {}.", user.name))
    }
    .await;
    flash_and_go_home(&session, result).await
}

pub async fn sign_out(session: UserSession) -> Response {
    let result = async {
        session.sign_out().await?;
        Ok::<_, Problem>("You have signed out.".to_owned())
    }
    .await;
    flash_and_go_home(&session, result).await
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
    Htmx(htmx): Htmx,
    session: UserSession,
    Form(form): Form<SignupForm>,
) -> Response {
    let result = async {
        let name = UserName::parse(&form.name)?;
        let email = Email::parse(&form.email)?;
        let user = state.store.create_user(&email, &name).await?;
        session.sign_in(user.id).await?;
        Ok::<_, Problem>(format!("Welcome, {}! You are signed in.", user.name))
    }
    .await;
    let response = match result {
        Err(problem) if htmx => problem.fragment(),
        Err(problem) if problem.is_rule() => {
            let draft = SignupDraft { name: form.name.trim().to_owned(), email: form.email.trim().to_owned() };
            if let Err(error) = session.set_signup_draft(draft).await {
                return Problem::from(error).page();
            }
            flash_and_go_home(&session, Err(problem)).await
        }
        Ok(message) if htmx => match session.set_flash(Flash::success(message)).await {
            // A new identity is a new page: htmx loads it whole.
            Ok(()) => (HxRedirect("/".into()), "").into_response(),
            Err(error) => Problem::from(error).fragment(),
        },
        other => flash_and_go_home(&session, other).await,
    };
    (VaryHxRequest, response).into_response()
}

/// 303 to the start page with the outcome as the flash message (a failure of ours gets a page).
async fn flash_and_go_home(session: &UserSession, result: Result<String, Problem>) -> Response {
    let flash = match result {
        Ok(message) => Flash::success(message),
        Err(problem) if problem.is_rule() => Flash::error(problem.message()),
        Err(problem) => return problem.page(),
    };
    match session.set_flash(flash).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(error) => Problem::from(error).page(),
    }
}
