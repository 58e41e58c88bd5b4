//! `/users/{user_id}/settings`: one user's own settings, which no one else may read or change.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{AcceptsFrom, MailPreferences, MailWhen, RuleError, UserId, UserSettings};
use crate::web::AppState;
use crate::web::error::{AppResult, ErrorBody};
use crate::web::extract::{ApiJson, ApiPath, Strict};
use crate::web::signed_in::SignedIn;

/// A user's settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SettingsJson {
    /// Who may send this user partner requests: `everyone`, `partners_of_partners` (people who
    /// share at least one partner with them) or `nobody`.
    #[schema(example = "everyone")]
    pub accepts_requests_from: String,
    pub email: EmailSettingsJson,
}

/// Which notifications are mailed, and when: `immediately`, `daily_digest` or `off` each (the
/// in-app inbox always gets every notification).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EmailSettingsJson {
    #[schema(example = "immediately")]
    pub request_received: String,
    #[schema(example = "immediately")]
    pub request_accepted: String,
    #[schema(example = "immediately")]
    pub request_reminder: String,
}

impl From<UserSettings> for SettingsJson {
    fn from(settings: UserSettings) -> Self {
        let UserSettings { accepts_requests_from, email } = settings;
        Self {
            accepts_requests_from: accepts_requests_from.as_str().to_owned(),
            email: EmailSettingsJson {
                request_received: email.request_received.as_str().to_owned(),
                request_accepted: email.request_accepted.as_str().to_owned(),
                request_reminder: email.request_reminder.as_str().to_owned(),
            },
        }
    }
}

impl SettingsJson {
    /// The settings a body names, every one of them given and known (objects, not arrays).
    pub fn parse(body: serde_json::Value) -> Result<UserSettings, RuleError> {
        let Strict(raw) = Strict::<Self>::deserialize(body).map_err(|_| {
            RuleError::InvalidSettings(
                "Settings must give accepts_requests_from and email with request_received, request_accepted and \
                 request_reminder, each a string.",
            )
        })?;
        Ok(UserSettings {
            accepts_requests_from: AcceptsFrom::parse(&raw.accepts_requests_from)?,
            email: MailPreferences {
                request_received: MailWhen::parse(&raw.email.request_received)?,
                request_accepted: MailWhen::parse(&raw.email.request_accepted)?,
                request_reminder: MailWhen::parse(&raw.email.request_reminder)?,
            },
        })
    }
}

/// A user's own settings.
#[utoipa::path(get, path = "/users/{user_id}/settings", tag = "users",
    params(("user_id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings (the defaults if never saved)", body = SettingsJson),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`: another user's settings", body = ErrorBody),
        (status = 422, description = "`invalid_id`", body = ErrorBody),
    ))]
pub async fn get_settings(
    State(state): State<AppState>,
    identity: SignedIn,
    ApiPath(user_id): ApiPath<i64>,
) -> AppResult<Json<SettingsJson>> {
    let user = UserId::parse(user_id)?;
    identity.require(user)?;
    Ok(Json(state.service.settings().get(user).await?.into()))
}

/// Replace a user's own settings (the whole object). Requests already pending are not touched.
#[utoipa::path(put, path = "/users/{user_id}/settings", tag = "users",
    params(("user_id" = i64, Path, minimum = 1)), request_body = SettingsJson, security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings as saved", body = SettingsJson),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 403, description = "`forbidden`: another user's settings", body = ErrorBody),
        (status = 422, description = "`invalid_settings` (a value missing or not one of the choices), `invalid_id`", body = ErrorBody),
    ))]
pub async fn put_settings(
    State(state): State<AppState>,
    identity: SignedIn,
    ApiPath(user_id): ApiPath<i64>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> AppResult<Json<SettingsJson>> {
    let user = UserId::parse(user_id)?;
    identity.require(user)?;
    let settings = SettingsJson::parse(body)?;
    Ok(Json(state.service.settings().save(user, settings).await?.into()))
}
