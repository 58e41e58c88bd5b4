//! Bearer tokens: HS256 JWTs whose `sub` is a user id and whose `exp` is required. The same
//! secret signs the unsubscribe links of mails: tokens with their own audience and no expiry (a
//! link in an old mail keeps working), which a bearer check never accepts (no `exp`) and which
//! accept no bearer token (no audience).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::cache::{Cache, Weigh};
use crate::domain::{Unsubscribe, UserId};

mod hmac;

/// The signing secret and the keys made from it.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    unsubscribe: Validation,
    /// Tokens that verified, with their user and expiry: a client sends the same token on
    /// every call, and checking the signature again (HMAC, base64, JSON) costs more than the
    /// rest of a cheap request. A token string verifies the same way until it expires, so an
    /// entry is used only before its `exp`.
    verified: Arc<Cache<Box<str>, Verified>>,
}

/// What a token that verified says: its user and its `exp`.
#[derive(Debug, Clone, Copy)]
struct Verified {
    user: UserId,
    exp: u64,
}

impl Weigh for Verified {
    fn bytes(&self) -> usize {
        size_of::<Self>()
    }
}

/// Bytes of verified tokens kept (a token is about 150 bytes).
const VERIFIED_BYTES: u64 = 512 << 10;

// Never print the secret.
impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Subject,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<u64>,
}

/// `sub` may be a JSON number or a string holding one.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Subject {
    Number(i64),
    Text(String),
}

/// The audience of unsubscribe tokens.
const UNSUBSCRIBE: &str = "unsubscribe";

/// What an unsubscribe link says: whose mail, and which.
#[derive(Debug, Serialize, Deserialize)]
struct UnsubscribeClaims {
    sub: String,
    aud: String,
    kind: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not valid: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("the token's subject is not a user id")]
    BadSubject,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        hmac::install();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        // `sub` is required by `Claims` itself; listing it here would refuse numeric subjects.
        validation.set_required_spec_claims(&["exp"]);
        let mut unsubscribe = Validation::new(Algorithm::HS256);
        unsubscribe.validate_exp = false;
        unsubscribe.set_required_spec_claims(&["aud", "sub"]);
        unsubscribe.set_audience(&[UNSUBSCRIBE]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            unsubscribe,
            verified: Arc::new(Cache::new("tokens", VERIFIED_BYTES, 200)),
        }
    }

    /// Signs a token for `user` that expires after `ttl`.
    pub fn issue(&self, user: UserId, ttl: Duration) -> String {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let claims =
            Claims { sub: Subject::Text(user.to_string()), exp: now.saturating_add(ttl.as_secs()), iat: Some(now) };
        // Encoding HS256 with a byte secret cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default()
    }

    /// Checks signature, algorithm and expiry, and returns the user the token names.
    pub fn verify(&self, token: &str) -> Result<UserId, TokenError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let known = self.verified.get(token);
        if let Some(Verified { user, .. }) = known.filter(|known| known.exp >= now) {
            return Ok(user);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?;
        let id = match data.claims.sub {
            Subject::Number(n) => n,
            Subject::Text(s) => s.parse().map_err(|_| TokenError::BadSubject)?,
        };
        let user = UserId::parse(id).map_err(|_| TokenError::BadSubject)?;
        self.verified.insert(token.into(), Verified { user, exp: data.claims.exp });
        Ok(user)
    }

    /// Signs the unsubscribe token of `user`'s mails of `scope`.
    pub fn issue_unsubscribe(&self, user: UserId, scope: Unsubscribe) -> String {
        let claims = UnsubscribeClaims { sub: user.to_string(), aud: UNSUBSCRIBE.into(), kind: scope.as_str().into() };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default()
    }

    /// Checks an unsubscribe token's signature and audience; returns the user and what to turn off.
    pub fn verify_unsubscribe(&self, token: &str) -> Result<(UserId, Unsubscribe), TokenError> {
        let data = jsonwebtoken::decode::<UnsubscribeClaims>(token, &self.decoding, &self.unsubscribe)?;
        let user = data.claims.sub.parse().ok().and_then(|id| UserId::parse(id).ok()).ok_or(TokenError::BadSubject)?;
        let scope = Unsubscribe::parse(&data.claims.kind).ok_or(TokenError::BadSubject)?;
        Ok((user, scope))
    }

    /// What the cache of verified tokens holds, for the metrics.
    pub fn cache_usage(&self) -> crate::cache::Usage {
        self.verified.usage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_others_do_not() {
        let keys = TokenKeys::new(b"secret");
        let user = UserId::parse(7).unwrap();
        assert_eq!(keys.verify(&keys.issue(user, Duration::from_secs(60))).unwrap(), user);
        assert!(TokenKeys::new(b"other").verify(&keys.issue(user, Duration::from_secs(60))).is_err());
        assert!(keys.verify("not.a.token").is_err());
    }

    #[test]
    fn unsubscribe_tokens_name_user_and_kind_and_are_no_bearer_tokens() {
        use crate::domain::NotificationKind;
        let keys = TokenKeys::new(b"secret");
        let user = UserId::parse(7).unwrap();
        let scope = Unsubscribe::Kind(NotificationKind::RequestAccepted);
        let token = keys.issue_unsubscribe(user, scope);
        assert_eq!(keys.verify_unsubscribe(&token).unwrap(), (user, scope));
        assert!(keys.verify(&token).is_err(), "not a bearer token");
        assert!(
            keys.verify_unsubscribe(&keys.issue(user, Duration::from_secs(60))).is_err(),
            "not an unsubscribe token"
        );
        assert!(TokenKeys::new(b"other").verify_unsubscribe(&token).is_err());
        // Another user's claims under the first signature.
        let other = keys.issue_unsubscribe(UserId::parse(8).unwrap(), scope);
        let (head, rest) = token.split_once('.').unwrap();
        let signature = rest.rsplit_once('.').unwrap().1;
        let payload = other.split('.').nth(1).unwrap();
        assert!(keys.verify_unsubscribe(&format!("{head}.{payload}.{signature}")).is_err());
    }

    #[test]
    fn a_remembered_token_stops_verifying_when_it_expires() {
        let keys = TokenKeys::new(b"secret");
        let user = UserId::parse(7).unwrap();
        let token = keys.issue(user, Duration::from_secs(1));
        assert_eq!(keys.verify(&token).unwrap(), user);
        assert_eq!(keys.verify(&token).unwrap(), user, "answered from memory");
        std::thread::sleep(Duration::from_millis(2100));
        assert!(keys.verify(&token).is_err(), "expired, though remembered");
    }
}
