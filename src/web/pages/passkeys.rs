//! Passkeys on the pages: the `Passkeys` section of the settings page (each passkey with a
//! `Remove` button, a plain form that works without JavaScript), the `Sign in with a passkey`
//! button of the sign-in page, and the JSON calls `static/passkeys.js` makes for the two
//! WebAuthn ceremonies (see `web::passkeys`). Those calls are same-origin `fetch`es through the
//! same CSRF check and rate limits as every form, and their errors come back as JSON (they ask
//! for it), which the script shows where the button was.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_htmx::VaryHxRequest;
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::Asked;
use super::layout::StatusRegion;
use super::plain::{Plain, action_path, dom_id};
use super::relative_time::When;
use crate::domain::{MAX_PASSKEYS, PasskeyId, PasskeyName, PasskeySummary, Timestamp, UserId, credential_id_text};
use crate::store::passkeys::NewPasskey;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::ApiJson;
use crate::web::passkeys::{self, CeremonyError};
use crate::web::request::{Authorization, authorization};
use crate::web::session::{Flash, UserSession};
use crate::web::signed_in::SignedIn;

/// The settings page's `Passkeys` section.
#[derive(Template, WebTemplate)]
#[template(path = "partials/passkeys.html")]
pub struct PasskeysSection {
    pub rows: Vec<PasskeyRow>,
    /// Why passkeys cannot be added or used here, when they cannot.
    pub unavailable: Option<&'static str>,
    /// At the cap: no more can be added.
    pub full: bool,
    pub max: usize,
    pub script: &'static str,
    /// Rendered as an out-of-band swap (in an htmx response) rather than in place.
    pub oob: bool,
}

pub struct PasskeyRow {
    pub dom: Plain,
    pub name: String,
    pub added: When,
    pub last_used: Option<When>,
    pub remove_url: Plain,
}

impl PasskeysSection {
    pub async fn of(state: &AppState, user: UserId, oob: bool) -> AppResult<Self> {
        let passkeys = state.service.passkeys().list(user).await?;
        let now = state.service.now();
        Ok(Self {
            full: passkeys.len() >= MAX_PASSKEYS,
            rows: passkeys.into_iter().map(|p| PasskeyRow::new(p, now)).collect(),
            unavailable: state.passkeys.unavailable(),
            max: MAX_PASSKEYS,
            script: &crate::web::assets::urls().passkeys,
            oob,
        })
    }
}

impl PasskeyRow {
    fn new(passkey: PasskeySummary, now: Timestamp) -> Self {
        Self {
            dom: dom_id("passkey", passkey.id),
            name: passkey.name.as_str().to_owned(),
            added: When::new(passkey.created_at, now),
            last_used: passkey.last_used_at.map(|at| When::new(at, now)),
            remove_url: action_path("settings/passkeys", passkey.id, "remove"),
        }
    }
}

/// The sign-in page's `Sign in with a passkey` button (or why there is none).
#[derive(Template, WebTemplate)]
#[template(path = "partials/passkey_signin.html")]
pub struct PasskeySignIn {
    pub unavailable: Option<&'static str>,
    pub script: &'static str,
}

impl PasskeySignIn {
    pub fn of(state: &AppState) -> Self {
        Self { unavailable: state.passkeys.unavailable(), script: &crate::web::assets::urls().passkeys }
    }
}

#[derive(Debug, Deserialize)]
pub struct StartRegistration {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Finish {
    /// The browser's credential, its binary fields in base64url.
    pub credential: Value,
}

/// `POST /settings/passkeys/start` `{name}`: the creation options for the browser. The name is
/// checked now, so a bad one never costs a touch of the authenticator, and kept for the finish.
pub async fn start_registration(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StartRegistration>,
) -> AppResult<Response> {
    session_only(&headers)?;
    let webauthn = available(&state)?;
    let name = PasskeyName::parse(&body.name)?;
    let owner = state.service.passkeys().owner(me.id(), passkeys::new_user_handle()).await?;
    let account = (me.user.email.as_str(), me.user.name.as_str());
    let options = passkeys::start_registration(
        webauthn,
        &me.session,
        me.id(),
        account,
        name.as_str(),
        &owner,
        state.service.now(),
    )
    .await?;
    Ok(Json(options).into_response())
}

/// `POST /settings/passkeys/finish` `{credential}`: 201 `{passkey_id, name}`; the settings page
/// shows it after a flash message.
pub async fn finish_registration(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Finish>,
) -> AppResult<Response> {
    session_only(&headers)?;
    let webauthn = available(&state)?;
    let registered =
        passkeys::finish_registration(webauthn, &me.session, me.id(), body.credential, state.service.now())
            .await?
            .map_err(AppError::Passkey)?;
    let name = PasskeyName::parse(&registered.name)?;
    let credential = serde_json::to_string(&registered.passkey).map_err(|error| {
        tracing::error!(%error, "a new passkey does not serialise");
        AppError::Internal
    })?;
    let new =
        NewPasskey { name: name.clone(), credential_id: credential_id_text(registered.passkey.cred_id()), credential };
    let id = state.service.passkeys().add(me.id(), registered.user_handle, new).await?;
    me.session.set_flash(Flash::success(format!("Passkey “{}” added.", name.as_str()))).await?;
    Ok((StatusCode::CREATED, Json(json!({ "passkey_id": id, "name": name.as_str() }))).into_response())
}

/// `POST /settings/passkeys/{id}/remove`: 303 back to `/settings` with a flash; with htmx, the
/// section anew and the message.
pub async fn remove(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Path(id): Path<String>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            let id = PasskeyId::parse_text(&id)?;
            let name = state.service.passkeys().remove(me.id(), id).await?;
            let removed = Flash::success(format!("Passkey “{}” removed.", name.as_str()));
            if asked.is_htmx() {
                // The row's error slot (the form's target) empties; the section and the status change.
                let section = PasskeysSection::of(&state, me.id(), true).await?;
                let status = StatusRegion { flash: Some(removed), oob: true };
                let body = [section.render(), status.render()].into_iter().collect::<Result<String, _>>().map_err(
                    |error| {
                        tracing::error!(%error, "rendering the passkeys section");
                        AppError::Internal
                    },
                )?;
                return Ok((VaryHxRequest, axum::response::Html(body)).into_response());
            }
            me.session.set_flash(removed).await?;
            Ok((VaryHxRequest, Redirect::to("/settings")).into_response())
        })
        .await
}

/// `POST /session/passkey/start`: the request options for a sign-in with any passkey the
/// browser's authenticators keep for this site (no address typed).
pub async fn start_sign_in(State(state): State<AppState>, session: UserSession) -> AppResult<Response> {
    let webauthn = available(&state)?;
    let options = passkeys::start_sign_in(webauthn, &session, state.service.now()).await?;
    Ok(Json(options).into_response())
}

/// `POST /session/passkey/finish` `{credential}`: signs in (a new session id) and answers
/// `{"redirect": "/"}`.
pub async fn finish_sign_in(
    State(state): State<AppState>,
    session: UserSession,
    ApiJson(body): ApiJson<Finish>,
) -> AppResult<Response> {
    let webauthn = available(&state)?;
    let answered = passkeys::answered_sign_in(webauthn, &session, body.credential, state.service.now())
        .await?
        .map_err(AppError::Passkey)?;
    let credential_id = credential_id_text(&answered.credential_id);
    let Some(stored) = state.service.passkeys().by_credential(credential_id).await? else {
        return Err(AppError::Passkey(CeremonyError::Unknown));
    };
    // The authenticator names the account it made the passkey for; it must be the owner's.
    if stored.user_handle != answered.user_handle {
        return Err(AppError::Passkey(CeremonyError::Unknown));
    }
    let changed = passkeys::verify_sign_in(webauthn, answered, &stored.credential).map_err(AppError::Passkey)?;
    let user = state.service.accounts().existing(stored.user).await?;
    state.service.passkeys().record_use(stored.id, changed).await?;
    session.sign_in(user.id).await?;
    session.set_flash(Flash::success(format!("Signed in as {}.", user.name))).await?;
    Ok(Json(json!({ "redirect": "/" })).into_response())
}

/// Adding a passkey is for the person at the browser: an API token must not turn itself into
/// a way to sign in.
fn session_only(headers: &HeaderMap) -> AppResult<()> {
    match authorization(headers) {
        Authorization::Absent => Ok(()),
        _ => Err(AppError::Rule(crate::domain::RuleError::Forbidden)),
    }
}

fn available(state: &AppState) -> AppResult<&webauthn_rs::prelude::Webauthn> {
    state
        .passkeys
        .webauthn()
        .ok_or_else(|| AppError::PasskeysUnavailable(state.passkeys.unavailable().unwrap_or_default()))
}
