//! One user's own settings: who may send them partner requests, and which mails they want. Never
//! shown to anyone else. Each value parses from the contract's word and nothing else.

use super::RuleError;

/// Who may send a user partner requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AcceptsFrom {
    #[default]
    Everyone,
    /// Only people who share at least one partner with them.
    PartnersOfPartners,
    Nobody,
}

impl AcceptsFrom {
    pub const ALL: [Self; 3] = [Self::Everyone, Self::PartnersOfPartners, Self::Nobody];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::PartnersOfPartners => "partners_of_partners",
            Self::Nobody => "nobody",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|value| value.as_str() == raw).ok_or(RuleError::InvalidSettings(
            "accepts_requests_from must be \"everyone\", \"partners_of_partners\" or \"nobody\".",
        ))
    }

    /// Words for the settings page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Everyone => "Everyone",
            Self::PartnersOfPartners => "Only people who share a partner with me",
            Self::Nobody => "No one",
        }
    }
}

/// When a kind of notification is mailed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MailWhen {
    #[default]
    Immediately,
    DailyDigest,
    Off,
}

impl MailWhen {
    pub const ALL: [Self; 3] = [Self::Immediately, Self::DailyDigest, Self::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Immediately => "immediately",
            Self::DailyDigest => "daily_digest",
            Self::Off => "off",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|value| value.as_str() == raw).ok_or(RuleError::InvalidSettings(
            "Each e-mail choice must be \"immediately\", \"daily_digest\" or \"off\".",
        ))
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Immediately => "At once",
            Self::DailyDigest => "In a daily digest",
            Self::Off => "Never",
        }
    }
}

/// Which mails a user wants, per kind of notification (the in-app inbox always gets them all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailPreferences {
    pub request_received: MailWhen,
    pub request_accepted: MailWhen,
    pub request_reminder: MailWhen,
}

/// A user's settings; a user who never saved any has the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserSettings {
    pub accepts_requests_from: AcceptsFrom,
    pub email: MailPreferences,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_contracts_words_parse() {
        for value in AcceptsFrom::ALL {
            assert_eq!(AcceptsFrom::parse(value.as_str()), Ok(value));
        }
        for value in MailWhen::ALL {
            assert_eq!(MailWhen::parse(value.as_str()), Ok(value));
        }
        for bad in ["", "Everyone", "friends", " nobody"] {
            assert!(matches!(AcceptsFrom::parse(bad), Err(RuleError::InvalidSettings(_))), "{bad:?}");
        }
        assert!(MailWhen::parse("weekly").is_err());
    }

    #[test]
    fn the_defaults_are_everyone_and_immediately() {
        let settings = UserSettings::default();
        assert_eq!(settings.accepts_requests_from, AcceptsFrom::Everyone);
        assert_eq!(settings.email.request_reminder, MailWhen::Immediately);
    }
}
