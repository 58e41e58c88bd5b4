//! What mail is sent with: the SMTP server, the sender, the time limits and where links point.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

/// The sender of notification mails when `DEALNEST_MAIL_FROM` is not set.
pub const DEFAULT_MAIL_FROM: &str = "DealNest <no-reply@dealnest.localhost>";

/// A validated `DEALNEST_SMTP_URL`. It may carry a password, so it is shown only without its
/// credentials.
#[derive(Clone)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        const FORMS: &str =
            "smtp://host:port (plain), smtps://user:pass@host (TLS) or smtp://host:port?tls=required (STARTTLS)";
        if !(raw.starts_with("smtp://") || raw.starts_with("smtps://")) {
            return Err(format!("expected {FORMS}"));
        }
        // lettre's own errors do not repeat the URL, so the password stays out of the message.
        AsyncSmtpTransport::<Tokio1Executor>::from_url(raw)
            .map_err(|e| format!("not a usable SMTP URL ({e}); expected {FORMS}"))?;
        Ok(Self(raw.to_owned()))
    }

    /// The URL as given, password included: for the transport alone, never for logs.
    pub(super) fn secret(&self) -> &str {
        &self.0
    }

    /// The URL with any user and password replaced, fit for logs.
    pub fn redacted(&self) -> String {
        let Some(scheme_end) = self.0.find("://").map(|i| i + 3) else { return "[redacted]".into() };
        let rest = &self.0[scheme_end..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        match rest[..authority_end].rfind('@') {
            Some(at) => format!("{}[redacted]{}", &self.0[..scheme_end], &rest[at..]),
            None => self.0.clone(),
        }
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Mail settings, parsed.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `None`: notifications go to the log instead.
    pub smtp_url: Option<SmtpUrl>,
    pub from: Mailbox,
    /// Bound on each SMTP step.
    pub smtp_timeout: Duration,
    /// Where links in mail point; `None`: `http://` and the address the server listens on.
    pub public_url: Option<String>,
}

impl MailSettings {
    /// The longest one mail may take from connecting to the server's final answer.
    pub fn send_bound(&self) -> Duration {
        self.smtp_timeout.saturating_mul(3)
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: DEFAULT_MAIL_FROM.parse().expect("the default sender is a valid mailbox"),
            smtp_timeout: Duration::from_secs(20),
            public_url: None,
        }
    }
}
