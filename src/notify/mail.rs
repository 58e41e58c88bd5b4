//! Notification mails: subject, plain-text and HTML bodies rendered from the templates in
//! `templates/mail/`, and a `Message-ID` made from the notification id, so a mail delivered twice
//! (delivery is at least once) can be recognised as the same one by whoever receives it.

use askama::Template;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

use super::sink::DeliveryError;
use crate::domain::{NotificationId, NotificationKind};
use crate::store::PendingDelivery;

/// The plain-text body; nothing is escaped.
#[derive(Template)]
#[template(path = "mail/notification.txt")]
struct TextBody<'a> {
    recipient: &'a str,
    text: &'a str,
    hint: &'a str,
}

/// The HTML body; every value is HTML-escaped, user names included.
#[derive(Template)]
#[template(path = "mail/notification.html")]
struct HtmlBody<'a> {
    subject: &'a str,
    recipient: &'a str,
    text: &'a str,
    hint: &'a str,
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
pub fn compose(delivery: &PendingDelivery, from: &Mailbox) -> Result<Message, DeliveryError> {
    let n = &delivery.notification;
    let address = delivery
        .email
        .as_str()
        .parse()
        .map_err(|e| DeliveryError::permanent(format!("the address {} cannot be mailed: {e}", delivery.email)))?;
    let to = Mailbox::new(Some(delivery.name.as_str().to_owned()), address);
    let subject = n.kind.subject();
    let recipient = delivery.name.as_str();
    let hint = hint(n.kind);
    let text = TextBody { recipient, text: &n.text, hint }.render().map_err(template_error)?;
    let html = HtmlBody { subject, recipient, text: &n.text, hint }.render().map_err(template_error)?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id(n.id, from)))
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| DeliveryError::permanent(format!("the mail cannot be built: {e}")))
}

fn template_error(error: askama::Error) -> DeliveryError {
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

    fn formatted(message: &Message) -> String {
        String::from_utf8(message.formatted()).unwrap()
    }

    #[test]
    fn a_received_request_mail_has_the_seed_subject_text_and_id() {
        let d = delivery(NotificationKind::RequestReceived, "Bob", "You have a new partner request from Alice.");
        let mail = formatted(&compose(&d, &from()).unwrap());
        assert!(mail.contains("Subject: New Partner Request\r\n"), "{mail}");
        assert!(mail.contains("Message-ID: <notification-42@deals.example.org>\r\n"), "{mail}");
        assert!(mail.contains("To: Bob <bob@example.com>\r\n"), "{mail}");
        assert!(mail.contains("multipart/alternative"), "{mail}");
        assert!(mail.contains("text/plain") && mail.contains("text/html"), "{mail}");
        assert!(mail.contains("You have a new partner request from Alice."), "{mail}");
    }

    #[test]
    fn an_acceptance_mail_has_its_own_subject() {
        let d = delivery(NotificationKind::RequestAccepted, "Alice", "Bob accepted your partner request.");
        let mail = formatted(&compose(&d, &from()).unwrap());
        assert!(mail.contains("Subject: Partner Request Accepted\r\n"), "{mail}");
    }

    #[test]
    fn a_reminder_mail_has_its_own_subject_and_text() {
        let text = "The partner request from Alice expires on 12 January; accept or reject it before then.";
        let mail = formatted(&compose(&delivery(NotificationKind::RequestReminder, "Bob", text), &from()).unwrap());
        assert!(mail.contains("Subject: Partner Request Expiring Soon\r\n"), "{mail}");
        let plain =
            TextBody { recipient: "Bob", text, hint: hint(NotificationKind::RequestReminder) }.render().unwrap();
        assert!(plain.contains("expires on 12 January") && plain.contains("it expires unanswered"), "{plain}");
    }

    #[test]
    fn names_are_escaped_in_html_only() {
        let text = "You have a new partner request from <b>Mallory</b> & co.";
        let html = HtmlBody { subject: "s", recipient: "<i>Bob</i>", text, hint: "h" }.render().unwrap();
        assert!(html.contains("Hello &#60;i&#62;Bob&#60;/i&#62;,") || html.contains("Hello &lt;i&gt;Bob&lt;/i&gt;,"));
        assert!(!html.contains("<b>Mallory</b>"), "{html}");
        let plain = TextBody { recipient: "<i>Bob</i>", text, hint: "h" }.render().unwrap();
        assert!(plain.contains("Hello <i>Bob</i>,") && plain.contains("<b>Mallory</b> & co."), "{plain}");
    }
}
