//! The user-typed strings of the domain, each parsed once at the boundary.
//!
//! None of them may hold a control character (Unicode's `Cc`: the C0 set, DEL and the C1 set):
//! such a character shows as nothing or garbles what follows it, PostgreSQL's text cannot hold
//! NUL at all, and SQLite would store it. A request message, the one text written in lines, may
//! keep line breaks and tabs; names, addresses and searches refuse every control character.

use std::fmt;
use std::sync::Arc;

use super::RuleError;

/// A control character other than those in `allowed`.
fn has_control(text: &str, allowed: &[char]) -> bool {
    text.chars().any(|c| c.is_control() && !allowed.contains(&c))
}

/// An e-mail address that the mail library can put in a mail's `To:` header as it is: lettre's
/// own parser reads it as a bare address, unchanged (no display name, no quoted local part,
/// which many servers refuse and which can smuggle a second address past a looser check), with a
/// dotted domain name (no IP literal, no `localhost`). Trimmed and lower-cased so that
/// uniqueness is case-insensitive. Shared rather than copied: users are kept once read and every
/// page of lists clones dozens of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(Arc<str>);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(RuleError::InvalidEmail("An e-mail address is required."));
        }
        if email.chars().count() > Self::MAX_LEN {
            return Err(RuleError::InvalidEmail("An e-mail address can be at most 254 characters."));
        }
        if has_control(&email, &[]) {
            return Err(RuleError::InvalidEmail("An e-mail address cannot contain control characters."));
        }
        if !Self::mailable(&email) {
            return Err(RuleError::InvalidEmail("That is not a valid e-mail address."));
        }
        Ok(Self(email.into()))
    }

    /// Whether lettre reads `email` as one bare address, exactly as written, on a dotted domain.
    fn mailable(email: &str) -> bool {
        let Ok(mailbox) = email.parse::<lettre::message::Mailbox>() else {
            return false;
        };
        let domain = mailbox.email.domain();
        mailbox.name.is_none()
            && mailbox.email.to_string() == email
            && email.parse::<lettre::Address>().is_ok()
            && domain.contains('.')
            && !domain.starts_with('[')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text itself, shared.
    pub fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0)
    }

    pub(crate) fn from_trusted(stored: String) -> Self {
        Self(stored.into())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A display name of 1 to 100 characters after trimming, without control characters. Shared
/// like [`Email`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserName(Arc<str>);

impl UserName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 {
            return Err(RuleError::InvalidName("A name is required."));
        }
        if chars > Self::MAX_CHARS {
            return Err(RuleError::InvalidName("A name can be at most 100 characters."));
        }
        if has_control(name, &[]) {
            return Err(RuleError::InvalidName("A name cannot contain control characters."));
        }
        Ok(Self(name.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text itself, shared.
    pub fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0)
    }

    /// The lower-cased form that user search matches against.
    pub fn search_key(&self) -> String {
        self.0.to_lowercase()
    }

    pub(crate) fn from_trusted(stored: String) -> Self {
        Self(stored.into())
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The optional note that travels with a partner request: at most 500 characters after trimming,
/// line breaks and tabs allowed but no other control character; blank means none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMessage(String);

impl RequestMessage {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, RuleError> {
        let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if text.chars().count() > Self::MAX_CHARS {
            return Err(RuleError::InvalidMessage("The message can be at most 500 characters."));
        }
        if has_control(text, &['\n', '\r', '\t']) {
            return Err(RuleError::InvalidMessage(
                "The message cannot contain control characters (line breaks and tabs are fine).",
            ));
        }
        Ok(Some(Self(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A literal, case-insensitive substring to find in names and e-mails, without control
/// characters; `%` and `_` match themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery(String);

impl SearchQuery {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: Option<&str>) -> Result<Self, RuleError> {
        let text = raw.unwrap_or_default().trim();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(RuleError::InvalidQuery("The search text can be at most 254 characters."));
        }
        if has_control(text, &[]) {
            return Err(RuleError::InvalidQuery("The search text cannot contain control characters."));
        }
        Ok(Self(text.to_lowercase()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A `LIKE … ESCAPE '\'` pattern matching the query anywhere, wildcards escaped.
    pub fn like_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.0.len() + 2);
        pattern.push('%');
        for c in self.0.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Alice@Example.COM ").unwrap().as_str(), "alice@example.com");
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in ["", "   ", "alice", "alice@", "@example.com", "a b@example.com", "alice@localhost"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn name_counts_characters_after_trimming() {
        assert_eq!(UserName::parse("  Zoë ").unwrap().as_str(), "Zoë");
        assert!(UserName::parse(&"é".repeat(100)).is_ok());
        assert!(UserName::parse(&"é".repeat(101)).is_err());
        assert!(UserName::parse(" \t ").is_err());
        assert!(UserName::parse("bad\u{0}name").is_err());
    }

    #[test]
    fn message_blank_is_none_and_long_is_refused() {
        assert_eq!(RequestMessage::parse(Some("   ")).unwrap(), None);
        assert_eq!(RequestMessage::parse(None).unwrap(), None);
        assert!(RequestMessage::parse(Some(&"x".repeat(500))).unwrap().is_some());
        assert_eq!(
            RequestMessage::parse(Some(&"x".repeat(501))),
            Err(RuleError::InvalidMessage("The message can be at most 500 characters."))
        );
    }

    #[test]
    fn control_characters_are_refused_but_a_message_keeps_its_lines() {
        for bad in ["nul \u{0} here", "bell\u{7}", "del\u{7f}x", "c1\u{85}x", "esc\u{1b}[31m"] {
            assert!(UserName::parse(bad).is_err(), "{bad:?}");
            assert!(RequestMessage::parse(Some(bad)).is_err(), "{bad:?}");
            assert!(SearchQuery::parse(Some(bad)).is_err(), "{bad:?}");
            assert!(Email::parse(&format!("a{bad}@example.com")).is_err(), "{bad:?}");
        }
        assert!(UserName::parse("two\nlines").is_err());
        assert!(SearchQuery::parse(Some("a\tb")).is_err());
        let message = RequestMessage::parse(Some("Hello,\r\n\tshall we?")).unwrap().unwrap();
        assert_eq!(message.as_str(), "Hello,\r\n\tshall we?");
    }

    #[test]
    fn only_addresses_the_mail_library_can_send_to_as_written_are_accepted() {
        for bad in [
            "\"bcc: evil@attacker.example\"@example.com",
            "\"alice\"@example.com",
            "Alice <alice@example.com>",
            "alice@[192.0.2.1]",
            "alice@example.com.",
            "a..b@example.com",
            "alice@example.com, bob@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["alice+deals@example.com", "o'brien@mail.example.co.uk", "zoë@exämple.de"] {
            assert_eq!(Email::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        let q = SearchQuery::parse(Some("50%_a\\b")).unwrap();
        assert_eq!(q.like_pattern(), "%50\\%\\_a\\\\b%");
    }

    proptest! {
        #[test]
        fn valid_names_round_trip(name in "[^\\p{Cc}]{1,100}") {
            if let Ok(parsed) = UserName::parse(&name) {
                prop_assert_eq!(parsed.as_str(), name.trim());
            } else {
                prop_assert!(name.trim().is_empty());
            }
        }

        #[test]
        fn parsed_emails_are_lowercase_and_bounded(local in "[a-zA-Z0-9._+-]{1,40}", domain in "[a-z]{1,20}\\.[a-z]{2,5}") {
            if let Ok(email) = Email::parse(&format!("{local}@{domain}")) {
                prop_assert_eq!(email.as_str(), email.as_str().to_lowercase());
                prop_assert!(email.as_str().len() <= Email::MAX_LEN);
            }
        }
    }
}
