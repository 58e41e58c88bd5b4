//! Times as people read them: "3 minutes ago", with the exact UTC time on hover and the machine
//! form in `datetime` (which `static/app.js` uses to keep the words current).

use std::borrow::Cow;

use super::dom::written_as_is;
use crate::domain::Timestamp;

/// A `<time>` element for one instant, rendered relative to when the page was made; made as
/// text once, then written as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When(String);

impl When {
    pub fn new(at: Timestamp, now: Timestamp) -> Self {
        let iso = at.rfc3339();
        // Pieces pushed rather than `format!`ed: a dashboard makes a few dozen of these, and
        // each `format!` cost more than the rest of the element.
        let mut html = String::with_capacity(100);
        html.push_str(r#"<time datetime=""#);
        html.push_str(&iso);
        html.push_str(r#"" title=""#);
        // "2026-11-26 07:00 UTC": the date and the minute of the RFC 3339 text.
        match (iso.get(..10), iso.get(11..16)) {
            (Some(date), Some(minute)) => [date, " ", minute, " UTC"].iter().for_each(|part| html.push_str(part)),
            _ => html.push_str(&iso),
        }
        html.push_str(r#"">"#);
        html.push_str(&relative(now.millis() - at.millis()));
        html.push_str("</time>");
        Self(html)
    }
}

// Only machine-made text goes in (a timestamp and fixed words), so the element needs no escaping.
written_as_is!(When);

/// Words for an age in milliseconds; the thresholds round the way people do ("an hour ago" at
/// 50 minutes). `static/app.js` applies the same thresholds. Fixed words are not copied.
pub fn relative(age_ms: i64) -> Cow<'static, str> {
    let seconds = age_ms.max(0) / 1000;
    let minutes = (seconds + 30) / 60;
    let hours = (minutes + 30) / 60;
    let days = (hours + 12) / 24;
    match seconds {
        s if s < 45 => "just now".into(),
        s if s < 90 => "a minute ago".into(),
        s if s < 45 * 60 => ago(minutes, " minutes ago"),
        s if s < 90 * 60 => "an hour ago".into(),
        s if s < 22 * 3600 => ago(hours, " hours ago"),
        s if s < 36 * 3600 => "yesterday".into(),
        s if s < 26 * 86400 => ago(days, " days ago"),
        s if s < 45 * 86400 => "a month ago".into(),
        s if s < 320 * 86400 => ago((days + 15) / 30, " months ago"),
        s if s < 548 * 86400 => "a year ago".into(),
        _ => ago((days + 182) / 365, " years ago"),
    }
}

/// "5 minutes ago": a count and its words, joined in one allocation.
fn ago(count: i64, words: &str) -> Cow<'static, str> {
    [itoa::Buffer::new().format(count), words].concat().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(relative(0), "just now");
        assert_eq!(relative(-5_000), "just now");
        assert_eq!(relative(60_000), "a minute ago");
        assert_eq!(relative(3 * MIN), "3 minutes ago");
        assert_eq!(relative(50 * MIN), "an hour ago");
        assert_eq!(relative(5 * 60 * MIN), "5 hours ago");
        assert_eq!(relative(30 * 60 * MIN), "yesterday");
        assert_eq!(relative(9 * 24 * 60 * MIN), "9 days ago");
        assert_eq!(relative(90 * 24 * 60 * MIN), "3 months ago");
        assert_eq!(relative(800 * 24 * 60 * MIN), "2 years ago");
    }

    #[test]
    fn the_element_carries_the_exact_time() {
        let at = Timestamp::from_millis(1_795_676_400_000);
        let html = When::new(at, Timestamp::from_millis(at.millis() + 3 * MIN)).to_string();
        assert_eq!(html, r#"<time datetime="2026-11-26T07:00:00Z" title="2026-11-26 07:00 UTC">3 minutes ago</time>"#);
    }
}
