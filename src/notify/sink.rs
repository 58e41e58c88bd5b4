//! Where notifications go: the log (the seed's mock, as one structured event per notification)
//! or an SMTP server through lettre.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::mail::Letter;
use crate::config::MailSettings;

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

/// Why one delivery attempt failed. A permanent failure (the server refused the recipient, the
/// message cannot be built) is not retried; anything else is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub message: String,
    pub permanent: bool,
}

impl DeliveryError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: false }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: true }
    }
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where notifications go.
pub enum Sink {
    /// The seed's mock: a structured log event per notification.
    Log { from: Mailbox },
    /// Mail through an SMTP server.
    Smtp(SmtpSink),
}

pub struct SmtpSink {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    url: SmtpUrl,
    /// Bound on one whole mail, so a server that stops answering cannot hold the worker.
    send_bound: Duration,
}

impl Sink {
    /// The sink the settings ask for. Must run inside the Tokio runtime: lettre's connection pool
    /// starts a task that closes idle connections.
    pub fn from_settings(mail: &MailSettings) -> Result<Self, String> {
        let Some(url) = &mail.smtp_url else { return Ok(Self::Log { from: mail.from.clone() }) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)
            .map_err(|e| format!("DEALNEST_SMTP_URL: {e}"))?
            .timeout(Some(mail.smtp_timeout))
            .build();
        Ok(Self::Smtp(SmtpSink { transport, from: mail.from.clone(), url: url.clone(), send_bound: mail.send_bound() }))
    }

    /// What the log says at start: the sink and, for SMTP, the server without credentials.
    pub fn describe(&self) -> String {
        match self {
            Self::Log { .. } => "log".into(),
            Self::Smtp(smtp) => format!("smtp {}", smtp.url.redacted()),
        }
    }

    /// The sender of every mail.
    pub fn from(&self) -> &Mailbox {
        match self {
            Self::Log { from } => from,
            Self::Smtp(smtp) => &smtp.from,
        }
    }

    pub async fn send(&self, letter: &Letter) -> Result<(), DeliveryError> {
        match self {
            Self::Log { .. } => {
                // A digest has no notification id of its own; -1 says so in one typed field.
                tracing::info!(
                    target: "dealnest::mail",
                    notification_id = letter.notification.map_or(-1, |id| id.get()),
                    message_id = %letter.message_id,
                    to = %letter.to_email,
                    to_name = %letter.to_name,
                    subject = letter.subject,
                    list_unsubscribe = %letter.unsubscribe,
                    body = %letter.text,
                    "📧 EMAIL NOTIFICATION: Sent (mocked)"
                );
                Ok(())
            }
            Self::Smtp(smtp) => smtp.send(letter).await,
        }
    }

    /// Closes pooled SMTP connections politely.
    pub async fn shutdown(&self) {
        if let Self::Smtp(smtp) = self {
            smtp.transport.shutdown().await;
        }
    }
}

impl SmtpSink {
    async fn send(&self, letter: &Letter) -> Result<(), DeliveryError> {
        let message = letter.message(&self.from)?;
        match tokio::time::timeout(self.send_bound, self.transport.send(message)).await {
            Ok(Ok(_response)) => Ok(()),
            // 5xx: the server will refuse this mail whenever it is offered again.
            Ok(Err(e)) if e.is_permanent() => Err(DeliveryError::permanent(format!("SMTP: {e}"))),
            Ok(Err(e)) => Err(DeliveryError::transient(format!("SMTP: {}", describe_smtp_error(&e)))),
            Err(_) => Err(DeliveryError::transient(format!(
                "SMTP: no answer within {} s (DEALNEST_SMTP_TIMEOUT × 3)",
                self.send_bound.as_secs()
            ))),
        }
    }
}

/// lettre's top-level message ("Connection error") hides the cause; the chain has it
/// ("Connection refused").
fn describe_smtp_error(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_in_lettre_form_parse() {
        for url in ["smtp://localhost:2525", "smtps://u:p@mail.example.com", "smtp://mail.example.com:587?tls=required"]
        {
            assert!(SmtpUrl::parse(url).is_ok(), "{url}");
        }
        for url in ["http://mail.example.com", "mail.example.com", "smtp://"] {
            assert!(SmtpUrl::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn credentials_are_redacted() {
        let url = SmtpUrl::parse("smtps://user:s3cret@mail.example.com:465/ehlo?x=1").unwrap();
        assert_eq!(url.redacted(), "smtps://[redacted]@mail.example.com:465/ehlo?x=1");
        assert!(!format!("{url:?}").contains("s3cret"));
        let plain = SmtpUrl::parse("smtp://localhost:2525").unwrap();
        assert_eq!(plain.redacted(), "smtp://localhost:2525");
    }
}
