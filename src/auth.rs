//! Bearer tokens: HS256 JWTs whose `sub` is a user id and whose `exp` is required.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::UserId;

/// The signing secret and the keys made from it.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

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

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not valid: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("the token's subject is not a user id")]
    BadSubject,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        // `sub` is required by `Claims` itself; listing it here would refuse numeric subjects.
        validation.set_required_spec_claims(&["exp"]);
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    /// Signs a token for `user` that expires after `ttl`.
    pub fn issue(&self, user: UserId, ttl: Duration) -> String {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let claims = Claims { sub: Subject::Text(user.to_string()), exp: now + ttl.as_secs(), iat: Some(now) };
        // Encoding HS256 with a byte secret cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default()
    }

    /// Checks signature, algorithm and expiry, and returns the user the token names.
    pub fn verify(&self, token: &str) -> Result<UserId, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?;
        let id = match data.claims.sub {
            Subject::Number(n) => n,
            Subject::Text(s) => s.parse().map_err(|_| TokenError::BadSubject)?,
        };
        UserId::parse(id).map_err(|_| TokenError::BadSubject)
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
}
