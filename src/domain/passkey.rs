//! Passkeys as the rest of the application sees them: the name a person gives one, the cap on
//! how many one account may have, and the credential id as text. The WebAuthn verification
//! itself is the library's (see `web/passkeys.rs`).

use super::{Id, RuleError, Timestamp};

pub enum PasskeyMarker {}
pub type PasskeyId = Id<PasskeyMarker>;

/// The most passkeys one account may have. A person has a few devices and perhaps a security
/// key or two; the cap keeps the settings list, the exclusion list sent with every new
/// registration and the stored credentials of one account bounded whatever a script does.
pub const MAX_PASSKEYS: usize = 20;

/// What a person called a passkey ("Laptop", "Phone"): 1..60 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyName(String);

impl PasskeyName {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 {
            return Err(RuleError::InvalidPasskeyName("Give the passkey a name, such as Laptop or Phone."));
        }
        if chars > Self::MAX_CHARS {
            return Err(RuleError::InvalidPasskeyName("A passkey's name can be at most 60 characters."));
        }
        if name.chars().any(char::is_control) {
            return Err(RuleError::InvalidPasskeyName("A passkey's name cannot contain control characters."));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn from_trusted(stored: String) -> Self {
        Self(stored)
    }
}

/// One of a user's passkeys as the settings page lists it (never the credential itself).
#[derive(Debug, Clone)]
pub struct PasskeySummary {
    pub id: PasskeyId,
    pub name: PasskeyName,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A credential id (bytes chosen by the authenticator, at most 1023 by the WebAuthn
/// specification) as the text the database keeps and looks it up by: lower-case hex.
pub fn credential_id_text(id: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(id.len() * 2);
    for byte in id {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// The bytes of a credential id kept by [`credential_id_text`]; `None` for text it did not make.
pub fn credential_id_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.as_bytes().chunks(2).map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_has_one_to_sixty_characters() {
        assert_eq!(PasskeyName::parse("  Laptop ").unwrap().as_str(), "Laptop");
        assert_eq!(PasskeyName::parse(&"é".repeat(60)).unwrap().as_str().chars().count(), 60);
        for bad in ["", "   ", &"x".repeat(61), "tab\there"] {
            assert!(matches!(PasskeyName::parse(bad), Err(RuleError::InvalidPasskeyName(_))), "{bad:?}");
        }
    }

    #[test]
    fn credential_ids_survive_the_round_trip_through_text() {
        for id in [vec![], vec![0u8], vec![0x00, 0xff, 0x10, 0xab], (0..=255).collect::<Vec<u8>>()] {
            let text = credential_id_text(&id);
            assert!(text.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert_eq!(credential_id_bytes(&text), Some(id));
        }
        for bad in ["a", "zz", "AB", "0g"] {
            assert_eq!(credential_id_bytes(bad), None, "{bad}");
        }
    }
}
