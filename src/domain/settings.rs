//! One user's own settings: who may send them partner requests, and which mails they want. Never
//! shown to anyone else. Each value parses from the contract's word and nothing else.

use super::{NotificationKind, RuleError};

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

/// The window of the cap on immediate mails to one recipient (`DEALNEST_MAIL_PER_RECIPIENT_HOUR`).
pub const MAIL_CAP_WINDOW_MS: i64 = 60 * 60 * 1000;

/// Whether a recipient mailed `mailed` times within the cap's window has had their share of
/// immediate mails (`cap` 0: no cap); the rest wait for their next daily digest.
pub fn mail_cap_reached(cap: u32, mailed: i64) -> bool {
    cap > 0 && mailed >= i64::from(cap)
}

/// Which mails a user wants, per kind of notification (the in-app inbox always gets them all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailPreferences {
    pub request_received: MailWhen,
    pub request_accepted: MailWhen,
    pub request_reminder: MailWhen,
}

impl MailPreferences {
    /// The choice for mails of `kind`.
    pub fn get(&self, kind: NotificationKind) -> MailWhen {
        match kind {
            NotificationKind::RequestReceived => self.request_received,
            NotificationKind::RequestAccepted => self.request_accepted,
            NotificationKind::RequestReminder => self.request_reminder,
        }
    }

    pub fn set(&mut self, kind: NotificationKind, when: MailWhen) {
        match kind {
            NotificationKind::RequestReceived => self.request_received = when,
            NotificationKind::RequestAccepted => self.request_accepted = when,
            NotificationKind::RequestReminder => self.request_reminder = when,
        }
    }
}

/// What one unsubscribe link turns off: one kind of mail (the link in that kind's mails), or the
/// daily digest (every kind that was set to come in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribe {
    Kind(NotificationKind),
    Digest,
}

impl Unsubscribe {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kind(kind) => kind.as_str(),
            Self::Digest => "daily_digest",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        if raw == "daily_digest" { Some(Self::Digest) } else { NotificationKind::parse(raw).map(Self::Kind) }
    }

    /// The preferences once this link was followed. A digest's link turns off the kinds set to
    /// come in the digest; when none is (the digest held what the hourly cap kept back), every
    /// kind, since that is what the digest was made of.
    pub fn apply(self, mut email: MailPreferences) -> MailPreferences {
        let digested = NotificationKind::ALL.into_iter().any(|kind| email.get(kind) == MailWhen::DailyDigest);
        for kind in NotificationKind::ALL {
            let covered = match self {
                Self::Kind(only) => kind == only,
                Self::Digest => !digested || email.get(kind) == MailWhen::DailyDigest,
            };
            if covered {
                email.set(kind, MailWhen::Off);
            }
        }
        email
    }

    /// What the unsubscribe page says will stop.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Kind(NotificationKind::RequestReceived) => "e-mails when someone sends you a partner request",
            Self::Kind(NotificationKind::RequestAccepted) => "e-mails when someone accepts your partner request",
            Self::Kind(NotificationKind::RequestReminder) => "e-mails when a partner request to you is about to expire",
            Self::Digest => "the daily digest e-mail",
        }
    }
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
    fn an_unsubscribe_turns_off_exactly_what_it_names() {
        let email = MailPreferences { request_accepted: MailWhen::DailyDigest, ..MailPreferences::default() };
        let off = Unsubscribe::Kind(NotificationKind::RequestReceived).apply(email);
        assert_eq!(
            (off.request_received, off.request_accepted, off.request_reminder),
            (MailWhen::Off, MailWhen::DailyDigest, MailWhen::Immediately)
        );
        let off = Unsubscribe::Digest.apply(email);
        assert_eq!(
            (off.request_received, off.request_accepted, off.request_reminder),
            (MailWhen::Immediately, MailWhen::Off, MailWhen::Immediately)
        );
        let capped = Unsubscribe::Digest.apply(MailPreferences::default());
        assert_eq!(
            (capped.request_received, capped.request_accepted, capped.request_reminder),
            (MailWhen::Off, MailWhen::Off, MailWhen::Off)
        );
        for scope in [Unsubscribe::Digest, Unsubscribe::Kind(NotificationKind::RequestReminder)] {
            assert_eq!(Unsubscribe::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Unsubscribe::parse("everything"), None);
    }

    #[test]
    fn the_defaults_are_everyone_and_immediately() {
        let settings = UserSettings::default();
        assert_eq!(settings.accepts_requests_from, AcceptsFrom::Everyone);
        assert_eq!(settings.email.request_reminder, MailWhen::Immediately);
    }
}
