//! Where notifications go: the log (the seed's mock, as one structured event per notification)
//! or an SMTP server through lettre.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::error::DeliveryError;
use super::mail::Letter;
use super::settings::{MailSettings, SmtpUrl};

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
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.secret())
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
