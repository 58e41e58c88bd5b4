//! Notification mails: subject, plain-text and HTML bodies rendered from the templates in
//! `templates/mail/`, and a `Message-ID` made from the notification id, so a mail delivered twice
//! (delivery is at least once) can be recognised as the same one by whoever receives it.
//!
//! Every mail says it was sent by a machine (`Auto-Submitted`), carries a one-click unsubscribe
//! address (RFC 8058) for exactly what it is about, and has a subject of fixed words: nothing a
//! user typed reaches a subject line.

use std::sync::Arc;

use askama::Template;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::error::DeliveryError;
use crate::auth::TokenKeys;
use crate::domain::{Email, NotificationId, NotificationKind, Unsubscribe, UserId, UserName};
use crate::store::PendingDelivery;

/// Where the links in a mail point: `DEALNEST_PUBLIC_URL`, and the keys that sign unsubscribe
/// tokens.
#[derive(Clone)]
pub struct MailLinks {
    public_url: String,
    tokens: Arc<TokenKeys>,
}

impl MailLinks {
    pub fn new(public_url: &str, tokens: Arc<TokenKeys>) -> Self {
        Self { public_url: public_url.trim_end_matches('/').to_owned(), tokens }
    }

    /// The links of one mail to `user` about `scope`.
    pub(super) fn for_mail(&self, user: UserId, scope: Unsubscribe) -> Links {
        let token = self.tokens.issue_unsubscribe(user, scope);
        Links {
            unsubscribe: format!("{}/unsubscribe/{token}", self.public_url),
            settings: format!("{}/settings", self.public_url),
            dashboard: format!("{}/", self.public_url),
        }
    }
}

/// The addresses a mail's bodies show.
pub struct Links {
    pub unsubscribe: String,
    pub settings: String,
    pub dashboard: String,
}

/// A mail ready to go: the SMTP sink builds it, the log sink describes it.
pub struct Letter {
    /// The notification it is about; `None` for a digest.
    pub notification: Option<NotificationId>,
    pub to_email: Email,
    pub to_name: UserName,
    pub subject: &'static str,
    pub message_id: String,
    pub unsubscribe: String,
    pub text: String,
    pub html: String,
}

impl Letter {
    /// The message with every header the mail needs.
    pub fn message(&self, from: &Mailbox) -> Result<Message, DeliveryError> {
        let address =
            self.to_email.as_str().parse().map_err(|e| {
                DeliveryError::permanent(format!("the address {} cannot be mailed: {e}", self.to_email))
            })?;
        let to = Mailbox::new(Some(self.to_name.as_str().to_owned()), address);
        let header = |name: &'static str, value: String| HeaderValue::new(HeaderName::new_from_ascii_str(name), value);
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(self.subject)
            .message_id(Some(self.message_id.clone()))
            .raw_header(header("Auto-Submitted", "auto-generated".into()))
            .raw_header(header("List-Unsubscribe", format!("<{}>", self.unsubscribe)))
            .raw_header(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()))
            .multipart(MultiPart::alternative_plain_html(self.text.clone(), self.html.clone()))
            .map_err(|e| DeliveryError::permanent(format!("the mail cannot be built: {e}")))
    }
}

/// The plain-text body; nothing is escaped.
#[derive(Template)]
#[template(path = "mail/notification.txt")]
struct TextBody<'a> {
    recipient: &'a str,
    text: &'a str,
    hint: &'a str,
    stop: &'a str,
    links: &'a Links,
}

/// The HTML body; every value is HTML-escaped, user names included.
#[derive(Template)]
#[template(path = "mail/notification.html")]
struct HtmlBody<'a> {
    subject: &'a str,
    recipient: &'a str,
    text: &'a str,
    hint: &'a str,
    stop: &'a str,
    links: &'a Links,
}

/// `<notification-{id}@{domain of the sender}>`: stable across retries of one notification.
pub fn message_id(id: NotificationId, from: &Mailbox) -> String {
    format!("<notification-{}@{}>", id.get(), from.email.domain())
}

/// What the reader can do next, after the seed's sentence.
fn hint(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::RequestReceived => "Sign in to DealNest Partners to accept or reject it.",
        NotificationKind::RequestAccepted => "You are now partners on DealNest Partners.",
        NotificationKind::RequestReminder => {
            "Sign in to DealNest Partners to accept or reject it; after that day it expires unanswered."
        }
    }
}

/// Builds the mail for one delivery. A failure here is permanent: retrying builds the same mail.
pub fn compose(delivery: &PendingDelivery, from: &Mailbox, links: &MailLinks) -> Result<Letter, DeliveryError> {
    let n = &delivery.notification;
    let scope = Unsubscribe::Kind(n.kind);
    let links = links.for_mail(n.user_id, scope);
    let subject = n.kind.subject();
    let recipient = delivery.name.as_str();
    let (hint, stop) = (hint(n.kind), scope.describe());
    let text = TextBody { recipient, text: &n.text, hint, stop, links: &links }.render().map_err(template_error)?;
    let html =
        HtmlBody { subject, recipient, text: &n.text, hint, stop, links: &links }.render().map_err(template_error)?;
    Ok(Letter {
        notification: Some(n.id),
        to_email: delivery.email.clone(),
        to_name: delivery.name.clone(),
        subject,
        message_id: message_id(n.id, from),
        unsubscribe: links.unsubscribe,
        text,
        html,
    })
}

pub(super) fn template_error(error: askama::Error) -> DeliveryError {
    DeliveryError::permanent(format!("the mail template failed: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, Id, Notification, Timestamp, UserName};

    fn delivery(kind: NotificationKind, name: &str, text: &str) -> PendingDelivery {
        PendingDelivery {
            notification: Notification {
                id: Id::new(42),
                user_id: Id::new(2),
                kind,
                text: text.into(),
                request_id: Some(Id::new(7)),
                created_at: Timestamp::now(),
                read_at: None,
            },
            email: Email::from_trusted("bob@example.com".into()),
            name: UserName::from_trusted(name.into()),
            attempt: 1,
        }
    }

    fn from() -> Mailbox {
        "DealNest <no-reply@deals.example.org>".parse().unwrap()
    }

    fn links() -> MailLinks {
        MailLinks::new("https://deals.example.org/", Arc::new(TokenKeys::new(b"secret")))
    }

    fn mail(d: &PendingDelivery) -> String {
        let message = compose(d, &from(), &links()).unwrap().message(&from()).unwrap();
        String::from_utf8(message.formatted()).unwrap()
    }

    fn page_links() -> Links {
        Links { unsubscribe: "u".into(), settings: "s".into(), dashboard: "d".into() }
    }

    #[test]
    fn a_received_request_mail_has_the_seed_subject_text_and_id() {
        let d = delivery(NotificationKind::RequestReceived, "Bob", "You have a new partner request from Alice.");
        let mail = mail(&d);
        assert!(mail.contains("Subject: New Partner Request\r\n"), "{mail}");
        assert!(mail.contains("Message-ID: <notification-42@deals.example.org>\r\n"), "{mail}");
        assert!(mail.contains("To: Bob <bob@example.com>\r\n"), "{mail}");
        assert!(mail.contains("multipart/alternative"), "{mail}");
        assert!(mail.contains("text/plain") && mail.contains("text/html"), "{mail}");
        assert!(mail.contains("You have a new partner request from Alice."), "{mail}");
        assert!(mail.contains("Auto-Submitted: auto-generated\r\n"), "{mail}");
        assert!(mail.contains("List-Unsubscribe: <https://deals.example.org/unsubscribe/"), "{mail}");
        assert!(mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), "{mail}");
        assert!(mail.contains("Date: "), "{mail}");
    }

    #[test]
    fn both_bodies_carry_the_unsubscribe_address_whole() {
        let d = delivery(NotificationKind::RequestAccepted, "Alice", "Bob accepted your partner request.");
        let letter = compose(&d, &from(), &links()).unwrap();
        assert!(letter.unsubscribe.starts_with("https://deals.example.org/unsubscribe/ey"), "{}", letter.unsubscribe);
        assert!(letter.text.contains(&letter.unsubscribe), "{}", letter.text);
        assert!(letter.html.contains(&format!("href=\"{}\"", letter.unsubscribe)), "{}", letter.html);
        assert!(letter.text.contains("https://deals.example.org/settings"), "{}", letter.text);
    }

    #[test]
    fn an_acceptance_mail_has_its_own_subject() {
        let d = delivery(NotificationKind::RequestAccepted, "Alice", "Bob accepted your partner request.");
        let mail = mail(&d);
        assert!(mail.contains("Subject: Partner Request Accepted\r\n"), "{mail}");
    }

    #[test]
    fn a_reminder_mail_has_its_own_subject_and_text() {
        let text = "The partner request from Alice expires on 12 January; accept or reject it before then.";
        let mail = mail(&delivery(NotificationKind::RequestReminder, "Bob", text));
        assert!(mail.contains("Subject: Partner Request Expiring Soon\r\n"), "{mail}");
        let links = page_links();
        let hint = hint(NotificationKind::RequestReminder);
        let plain = TextBody { recipient: "Bob", text, hint, stop: "x", links: &links }.render().unwrap();
        assert!(plain.contains("expires on 12 January") && plain.contains("it expires unanswered"), "{plain}");
    }

    #[test]
    fn names_are_escaped_in_html_only() {
        let text = "You have a new partner request from <b>Mallory</b> & co.";
        let links = page_links();
        let html = HtmlBody { subject: "s", recipient: "<i>Bob</i>", text, hint: "h", stop: "x", links: &links }
            .render()
            .unwrap();
        assert!(html.contains("Hello &#60;i&#62;Bob&#60;/i&#62;,") || html.contains("Hello &lt;i&gt;Bob&lt;/i&gt;,"));
        assert!(!html.contains("<b>Mallory</b>"), "{html}");
        let plain = TextBody { recipient: "<i>Bob</i>", text, hint: "h", stop: "x", links: &links }.render().unwrap();
        assert!(plain.contains("Hello <i>Bob</i>,") && plain.contains("<b>Mallory</b> & co."), "{plain}");
    }
}
