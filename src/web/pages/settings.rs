//! `/settings`: who may send me partner requests and which mails I get, as one plain form of
//! labelled radio buttons. Without JavaScript it posts and comes back with a flash message; with
//! htmx only the status message changes. The API's settings endpoints save through the same store
//! call, so the two agree on every value.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_htmx::VaryHxRequest;
use serde::Deserialize;

use super::errors::Asked;
use super::layout::{Layout, StatusRegion};
use crate::domain::{AcceptsFrom, MailPreferences, MailWhen, RuleError, UserSettings};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::Flash;
use crate::web::signed_in::SignedIn;

/// One radio button.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// One question of the form: a fieldset of radio buttons named `name`.
pub struct Group {
    pub name: &'static str,
    pub legend: &'static str,
    pub choices: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub groups: Vec<Group>,
    pub passkeys: super::passkeys::PasskeysSection,
}

/// The form as posted; a missing or unknown value is refused as the API refuses it.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    pub accepts_requests_from: Option<String>,
    pub email_request_received: Option<String>,
    pub email_request_accepted: Option<String>,
    pub email_request_reminder: Option<String>,
}

impl SettingsForm {
    fn parse(&self) -> Result<UserSettings, RuleError> {
        let missing = RuleError::InvalidSettings("Choose one answer to every question.");
        let mail = |raw: &Option<String>| MailWhen::parse(raw.as_deref().ok_or(missing.clone())?);
        Ok(UserSettings {
            accepts_requests_from: AcceptsFrom::parse(self.accepts_requests_from.as_deref().ok_or(missing.clone())?)?,
            email: MailPreferences {
                request_received: mail(&self.email_request_received)?,
                request_accepted: mail(&self.email_request_accepted)?,
                request_reminder: mail(&self.email_request_reminder)?,
            },
        })
    }
}

fn groups(settings: UserSettings) -> Vec<Group> {
    let mail = |name, legend, current: MailWhen| Group {
        name,
        legend,
        choices: MailWhen::ALL
            .into_iter()
            .map(|when| Choice { value: when.as_str(), label: when.label(), checked: when == current })
            .collect(),
    };
    let UserSettings { accepts_requests_from, email } = settings;
    vec![
        Group {
            name: "accepts_requests_from",
            legend: "Who may send me partner requests",
            choices: AcceptsFrom::ALL
                .into_iter()
                .map(|who| Choice { value: who.as_str(), label: who.label(), checked: who == accepts_requests_from })
                .collect(),
        },
        mail("email_request_received", "E-mail me when someone sends me a request", email.request_received),
        mail("email_request_accepted", "E-mail me when someone accepts my request", email.request_accepted),
        mail("email_request_reminder", "E-mail me when a request to me is about to expire", email.request_reminder),
    ]
}

pub async fn page(State(state): State<AppState>, asked: Asked, me: Result<SignedIn, AppError>) -> Response {
    asked
        .answer(async {
            let me = me?;
            let settings = state.service.settings().get(me.id()).await?;
            let unread = state.service.notifications().unread(me.id()).await?;
            let flash = me.session.take_flash().await?;
            let passkeys = super::passkeys::PasskeysSection::of(&state, me.id(), false).await?;
            let layout = Layout::new("Settings", Some(me.user), unread, flash);
            let page = SettingsPage { layout, groups: groups(settings), passkeys };
            Ok((VaryHxRequest, page).into_response())
        })
        .await
}

pub async fn save(
    State(state): State<AppState>,
    asked: Asked,
    me: Result<SignedIn, AppError>,
    Form(form): Form<SettingsForm>,
) -> Response {
    asked
        .answer(async {
            let me = me?;
            state.service.settings().save(me.id(), form.parse()?).await?;
            let saved = Flash::success("Your settings are saved.".to_owned());
            if asked.is_htmx() {
                // The error slot (the form's target) empties; the message goes to the status region.
                let status = StatusRegion { flash: Some(saved), oob: true };
                return Ok((VaryHxRequest, WebTemplate(status)).into_response());
            }
            me.session.set_flash(saved).await?;
            Ok((VaryHxRequest, Redirect::to("/settings")).into_response())
        })
        .await
}
