//! The WebAuthn relying party: who we are to the browser (the RP id and origin, both from the
//! public URL), and the two ceremonies, registering a passkey and signing in with one. The
//! verification is the `webauthn-rs` library's; what this module adds is where the ceremony's
//! state lives (the session, used once, for [`CEREMONY_TIMEOUT`] at most) and how a stored
//! credential is found again.
//!
//! Browsers allow WebAuthn only on a secure origin whose host is a domain name: https, or
//! http on `localhost`. A public URL that names an IP address (the default `http://` + the bind
//! address) or a plain-http host leaves passkeys [`Passkeys::Unavailable`], which the pages say
//! instead of offering buttons that the browser would refuse.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url,
    Uuid, Webauthn, WebauthnBuilder,
};

use super::error::AppError;
use super::session::UserSession;
use crate::domain::{Timestamp, UserId, credential_id_bytes};
use crate::service::PasskeyOwner;

/// How long a ceremony may take, from the options sent to the browser's answer.
pub const CEREMONY_TIMEOUT: Duration = Duration::from_secs(300);

/// The name authenticators show beside the account.
const RP_NAME: &str = "DealNest Partners";

/// Whether this site can offer passkeys, decided once at start from the public URL.
pub enum Passkeys {
    Available(Box<Webauthn>),
    /// The sentence the pages show instead of the buttons.
    Unavailable(&'static str),
}

impl Passkeys {
    /// The relying party of a site reached at `public_url` (`http(s)://host[:port][/path]`).
    pub fn for_public_url(public_url: &str) -> Self {
        match relying_party(public_url) {
            Ok(webauthn) => Self::Available(Box::new(webauthn)),
            Err(why) => Self::Unavailable(why),
        }
    }

    pub fn webauthn(&self) -> Option<&Webauthn> {
        match self {
            Self::Available(webauthn) => Some(webauthn),
            Self::Unavailable(_) => None,
        }
    }

    /// Why passkeys are not offered, if they are not.
    pub fn unavailable(&self) -> Option<&'static str> {
        match self {
            Self::Available(_) => None,
            Self::Unavailable(why) => Some(why),
        }
    }
}

const BY_IP: &str = "Passkeys are not available here: this site is reached by an IP address, and browsers offer \
                     passkeys only to sites reached by name (such as localhost).";
const NOT_SECURE: &str = "Passkeys are not available here: browsers offer passkeys only to sites served over \
                          HTTPS (or on localhost).";

fn relying_party(public_url: &str) -> Result<Webauthn, &'static str> {
    let url = Url::parse(public_url).map_err(|_| NOT_SECURE)?;
    let host = match (url.domain(), url.host_str()) {
        (Some(domain), _) => domain.to_owned(),
        (None, Some(_)) => return Err(BY_IP),
        (None, None) => return Err(NOT_SECURE),
    };
    let local = host == "localhost" || host.ends_with(".localhost");
    if url.scheme() != "https" && !local {
        return Err(NOT_SECURE);
    }
    // The origin alone: a public URL with a path (`https://example.org/app`) is still the
    // origin `https://example.org` to the browser.
    let origin = Url::parse(&url.origin().ascii_serialization()).map_err(|_| NOT_SECURE)?;
    WebauthnBuilder::new(&host, &origin)
        .and_then(|builder| builder.rp_name(RP_NAME).timeout(CEREMONY_TIMEOUT).build())
        .map_err(|_| NOT_SECURE)
}

/// The ceremony under way in a session: one at a time (starting one replaces another), taken
/// out when finished, whatever the outcome, so its challenge answers once.
#[derive(Serialize, Deserialize)]
enum Ceremony {
    Registration { user: i64, user_handle: String, name: String, started_at: i64, state: PasskeyRegistration },
    SignIn { started_at: i64, state: DiscoverableAuthentication },
}

/// Why a ceremony could not be finished (how each reads: `web/error.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyError {
    /// No ceremony under way in this session, or it took too long.
    NotStarted,
    /// The library did not accept the browser's answer.
    Refused,
    /// A passkey this site does not know, or not its owner's.
    Unknown,
}

/// A new user handle: random, and no link to the account's id or address.
pub fn new_user_handle() -> String {
    Uuid::new_v4().to_string()
}

/// A registration begun: the options for `navigator.credentials.create`, as JSON.
pub async fn start_registration(
    webauthn: &Webauthn,
    session: &UserSession,
    user: UserId,
    account: (&str, &str),
    name: &str,
    owner: &PasskeyOwner,
    now: Timestamp,
) -> Result<Value, AppError> {
    let user_handle = owner.user_handle.as_str();
    let handle = Uuid::parse_str(user_handle).map_err(|_| internal("a stored user handle is not a UUID"))?;
    let exclude = owner.credential_ids.iter().filter_map(|id| credential_id_bytes(id)).collect();
    let (options, state) = webauthn
        .start_passkey_registration(handle, account.0, account.1, Some(exclude))
        .map_err(|e| internal(&format!("starting a registration: {e}")))?;
    let mut options = serde_json::to_value(options).map_err(|e| internal(&e.to_string()))?;
    // Signing in without typing an address needs a credential the authenticator keeps
    // (discoverable); the library asks only for a "preferred" one.
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
        selection["residentKey"] = "required".into();
        selection["requireResidentKey"] = true.into();
    }
    let ceremony = Ceremony::Registration {
        user: user.get(),
        user_handle: user_handle.to_owned(),
        name: name.to_owned(),
        started_at: now.millis(),
        state,
    };
    session.set_passkey_ceremony(&ceremony).await?;
    Ok(options)
}

/// A registration finished by `user`: the new passkey (serialised) with the handle and the name
/// it was begun with.
pub struct Registered {
    pub passkey: Passkey,
    pub user_handle: String,
    pub name: String,
}

pub async fn finish_registration(
    webauthn: &Webauthn,
    session: &UserSession,
    user: UserId,
    credential: Value,
    now: Timestamp,
) -> Result<Result<Registered, CeremonyError>, AppError> {
    let Some(Ceremony::Registration { user: began_by, user_handle, name, started_at, state }) = take(session).await?
    else {
        return Ok(Err(CeremonyError::NotStarted));
    };
    if began_by != user.get() || expired(started_at, now) {
        return Ok(Err(CeremonyError::NotStarted));
    }
    let Ok(credential) = serde_json::from_value::<RegisterPublicKeyCredential>(credential) else {
        return Ok(Err(CeremonyError::Refused));
    };
    Ok(match webauthn.finish_passkey_registration(&credential, &state) {
        Ok(passkey) => Ok(Registered { passkey, user_handle, name }),
        Err(error) => {
            tracing::info!(%error, "a passkey registration was refused");
            Err(CeremonyError::Refused)
        }
    })
}

/// A sign-in begun: the options for `navigator.credentials.get`, as JSON. No address is asked
/// for: the authenticator offers the passkeys it keeps for this site.
pub async fn start_sign_in(webauthn: &Webauthn, session: &UserSession, now: Timestamp) -> Result<Value, AppError> {
    let (mut options, state) =
        webauthn.start_discoverable_authentication().map_err(|e| internal(&format!("starting a sign-in: {e}")))?;
    // Asked for when the person presses the button, not offered in the address field's autofill.
    options.mediation = None;
    let options = serde_json::to_value(options).map_err(|e| internal(&e.to_string()))?;
    session.set_passkey_ceremony(&Ceremony::SignIn { started_at: now.millis(), state }).await?;
    Ok(options)
}

/// What the browser answered a sign-in with, before the stored passkey is looked up.
pub struct Answered {
    credential: PublicKeyCredential,
    state: DiscoverableAuthentication,
    pub user_handle: String,
    pub credential_id: Vec<u8>,
}

/// Takes the sign-in ceremony out of the session and reads whom the browser's answer names.
pub async fn answered_sign_in(
    webauthn: &Webauthn,
    session: &UserSession,
    credential: Value,
    now: Timestamp,
) -> Result<Result<Answered, CeremonyError>, AppError> {
    let Some(Ceremony::SignIn { started_at, state }) = take(session).await? else {
        return Ok(Err(CeremonyError::NotStarted));
    };
    if expired(started_at, now) {
        return Ok(Err(CeremonyError::NotStarted));
    }
    let Ok(credential) = serde_json::from_value::<PublicKeyCredential>(credential) else {
        return Ok(Err(CeremonyError::Refused));
    };
    let Ok((handle, id)) = webauthn.identify_discoverable_authentication(&credential) else {
        return Ok(Err(CeremonyError::Refused));
    };
    let (user_handle, credential_id) = (handle.to_string(), id.to_vec());
    Ok(Ok(Answered { credential, state, user_handle, credential_id }))
}

/// Verifies the answer against the stored passkey; on success, the passkey as it should now be
/// stored when the sign-in changed it (its counter or backup state), else `None`.
pub fn verify_sign_in(webauthn: &Webauthn, answered: Answered, stored: &str) -> Result<Option<String>, CeremonyError> {
    let Ok(mut passkey) = serde_json::from_str::<Passkey>(stored) else {
        tracing::error!("a stored passkey no longer reads as one");
        return Err(CeremonyError::Refused);
    };
    let result = webauthn
        .finish_discoverable_authentication_v2(&answered.credential, answered.state, &passkey)
        .map_err(|error| {
            tracing::info!(%error, "a passkey sign-in was refused");
            CeremonyError::Refused
        })?;
    if passkey.update_credential(&result) == Some(true) {
        return Ok(serde_json::to_string(&passkey).ok());
    }
    Ok(None)
}

async fn take(session: &UserSession) -> Result<Option<Ceremony>, AppError> {
    // A record that no longer reads (written by another version) is no ceremony.
    Ok(session.take_passkey_ceremony().await?.and_then(|value| serde_json::from_value(value).ok()))
}

fn expired(started_at: i64, now: Timestamp) -> bool {
    now.millis() - started_at > CEREMONY_TIMEOUT.as_millis() as i64
}

fn internal(what: &str) -> AppError {
    tracing::error!("passkeys: {what}");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkeys_need_a_name_and_a_secure_origin() {
        for url in ["https://deals.example.org", "https://deals.example.org:8443/app", "http://localhost:8004"] {
            assert!(Passkeys::for_public_url(url).webauthn().is_some(), "{url}");
        }
        for (url, why) in [
            ("http://127.0.0.1:8004", BY_IP),
            ("https://10.0.0.5", BY_IP),
            ("http://[::1]:8004", BY_IP),
            ("http://deals.example.org", NOT_SECURE),
        ] {
            assert_eq!(Passkeys::for_public_url(url).unavailable(), Some(why), "{url}");
        }
    }
}
