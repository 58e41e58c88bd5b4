//! The daily digest: once a day, at `DEALNEST_DIGEST_HOUR` (UTC), one mail per user with what was
//! held for it since their last one, grouped by kind. The claim (`service.digests()`) makes it once per user
//! per day across instances and restarts; this module decides when a day's digests are due and
//! what the mail says.

use askama::Template;
use lettre::message::Mailbox;
use tokio_util::sync::CancellationToken;

use super::error::DeliveryError;
use super::mail::{Letter, Links, MailLinks, template_error};
use super::{ATTEMPT_FAILURES, DIGESTS, Worker, log_store_error};
use crate::domain::{DAY_MS, NotificationKind, Timestamp, Unsubscribe};
use crate::store::DigestDelivery;

/// The subject of every digest (fixed words: nothing a user typed).
pub const DIGEST_SUBJECT: &str = "Your DealNest Partners Daily Digest";

/// The digest day `now` falls in, and the instant it began: days start at `hour` UTC, so the
/// digest of a day is due from its first instant, and holds what was held before it.
pub fn digest_day(now: Timestamp, hour: u8) -> (i64, Timestamp) {
    let hour_ms = i64::from(hour) * 60 * 60 * 1000;
    let day = (now.millis() - hour_ms).div_euclid(DAY_MS);
    (day, Timestamp::from_millis(day * DAY_MS + hour_ms))
}

/// One kind's items.
pub struct Group {
    pub heading: &'static str,
    pub items: Vec<String>,
}

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct TextBody<'a> {
    recipient: &'a str,
    groups: &'a [Group],
    stop: &'a str,
    links: &'a Links,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct HtmlBody<'a> {
    subject: &'a str,
    recipient: &'a str,
    groups: &'a [Group],
    stop: &'a str,
    links: &'a Links,
}

fn heading(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::RequestReceived => "New partner requests",
        NotificationKind::RequestAccepted => "Your requests that were accepted",
        NotificationKind::RequestReminder => "Requests to you that expire soon",
    }
}

/// `<digest-{user}-{day}@{domain of the sender}>`: the same for every attempt at one digest.
fn message_id(digest: &DigestDelivery, from: &Mailbox) -> String {
    format!("<digest-{}-{}@{}>", digest.user.get(), digest.day, from.email.domain())
}

/// The digest's mail.
pub fn compose(digest: &DigestDelivery, from: &Mailbox, links: &MailLinks) -> Result<Letter, DeliveryError> {
    let mut groups: Vec<Group> = Vec::new();
    for item in &digest.items {
        match groups.last_mut() {
            Some(group) if group.heading == heading(item.kind) => group.items.push(item.text.clone()),
            _ => groups.push(Group { heading: heading(item.kind), items: vec![item.text.clone()] }),
        }
    }
    let scope = Unsubscribe::Digest;
    let links = links.for_mail(digest.user, scope);
    let (recipient, stop) = (digest.name.as_str(), scope.describe());
    let text = TextBody { recipient, groups: &groups, stop, links: &links }.render().map_err(template_error)?;
    let html = HtmlBody { subject: DIGEST_SUBJECT, recipient, groups: &groups, stop, links: &links }
        .render()
        .map_err(template_error)?;
    Ok(Letter {
        notification: None,
        to_email: digest.email.clone(),
        to_name: digest.name.clone(),
        subject: DIGEST_SUBJECT,
        message_id: message_id(digest, from),
        unsubscribe: links.unsubscribe,
        text,
        html,
    })
}

/// How far one worker has gone through a digest day's users.
#[derive(Debug, Clone, Copy)]
pub(super) struct DigestProgress {
    pub day: i64,
    /// The user id to continue after; `None`: the day is done.
    pub next: Option<i64>,
}

impl DigestProgress {
    /// Before the first round: no day begun.
    pub(super) const NOT_STARTED: Self = Self { day: i64::MIN, next: None };
}

impl Worker {
    /// Sends some of the current digest day's digests not sent yet (those of the next `batch`
    /// users holding items), then any digest due for a retry. Returns whether the day has more,
    /// so the worker comes back at once: a day's digests are spread over rounds, between which
    /// immediate mail keeps flowing. Each worker goes through the users once per day (and once
    /// per start); the claim (`service.digests()`) keeps each digest once across workers.
    pub(super) async fn send_digests(&self, shutdown: &CancellationToken) -> bool {
        let (day, cutoff) = digest_day(self.service.now(), self.policy.digest_hour);
        let after = match *self.digest_progress.lock().unwrap_or_else(|e| e.into_inner()) {
            DigestProgress { day: at, next: Some(after) } if at == day => Some(after),
            DigestProgress { day: at, next: None } if at == day => None,
            _ => Some(0),
        };
        let mut more = false;
        if let Some(after) = after {
            let next = match self.service.digests().candidates(day, cutoff, after, self.policy.batch).await {
                Ok((users, last)) => {
                    let mut next = last;
                    for &user in &users {
                        if shutdown.is_cancelled() {
                            return false;
                        }
                        match self.service.digests().claim(user, day, cutoff, self.policy.lease).await {
                            Ok(Some(digest)) => self.send_digest(digest).await,
                            Ok(None) => {}
                            Err(error) => {
                                // This user and those after wait for the next round.
                                log_store_error(&error, "could not claim a digest; it is tried again");
                                next = Some(user.get() - 1);
                                break;
                            }
                        }
                    }
                    more = next.is_some();
                    next
                }
                Err(error) => {
                    log_store_error(&error, "could not look for digests to send");
                    Some(after)
                }
            };
            *self.digest_progress.lock().unwrap_or_else(|e| e.into_inner()) = DigestProgress { day, next };
        }
        let due = match self.service.digests().due(self.policy.batch).await {
            Ok(due) => due,
            Err(error) => {
                log_store_error(&error, "could not look for digests to retry");
                return false;
            }
        };
        for due in &due {
            if shutdown.is_cancelled() {
                return false;
            }
            if let Ok(Some(digest)) = self.service.digests().reclaim(due, self.policy.lease).await {
                self.send_digest(digest).await;
            }
        }
        more
    }

    async fn send_digest(&self, digest: DigestDelivery) {
        let (user, day, attempt) = (digest.user.get(), digest.day, digest.attempt);
        let sent = match compose(&digest, self.sink.from(), &self.links) {
            Ok(letter) => self.sink.send(&letter).await,
            Err(error) => Err(error),
        };
        let outcome = match sent {
            Ok(()) => {
                metrics::counter!(DIGESTS).increment(1);
                tracing::info!(user_id = user, day, items = digest.items.len(), "daily digest sent");
                Ok(())
            }
            Err(error) => {
                metrics::counter!(ATTEMPT_FAILURES).increment(1);
                let retry_at = self
                    .policy
                    .retry_after(&error, attempt)
                    .map(|wait| self.service.now().plus_millis(wait.as_millis() as i64));
                let will_retry = retry_at.is_some();
                tracing::warn!(user_id = user, day, attempt, will_retry, %error, "daily digest failed");
                Err((error.message, retry_at))
            }
        };
        if let Err(error) = self.service.digests().record(digest.user, day, outcome).await {
            tracing::warn!(user_id = user, day, %error, "could not record the digest's outcome; it will be retried");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_day_starts_at_the_hour() {
        // 2026-12-06T07:59:59.999Z and 08:00 the same day.
        let before = Timestamp::from_millis(1_796_543_999_999);
        let at = Timestamp::from_millis(1_796_544_000_000);
        let (day_before, _) = digest_day(before, 8);
        let (day_at, start) = digest_day(at, 8);
        assert_eq!(day_at, day_before + 1);
        assert_eq!(start, at);
        assert_eq!(digest_day(Timestamp::from_millis(0), 0), (0, Timestamp::from_millis(0)));
    }
}
