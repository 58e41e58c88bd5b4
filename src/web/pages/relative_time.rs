//! Times as people read them: "3 minutes ago" or "in 3 days", with the exact UTC time on hover
//! and the machine form in `datetime` (which `static/app.js` uses to keep past times current).

use super::plain::Plain;
use crate::domain::Timestamp;

/// One instant as the `time` macro of `macros.html` writes it into a `<time>` element: the
/// machine form, the exact UTC minute on hover, and words relative to when the page was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    pub iso: Plain,
    pub title: Plain,
    pub words: Plain,
}

impl When {
    pub fn new(at: Timestamp, now: Timestamp) -> Self {
        Self { iso: Plain::rfc3339(at), title: Plain::exact_minute(at), words: relative(now.millis() - at.millis()) }
    }
}

impl When {
    /// An instant still to come (an expiry, the end of a cooldown): "in 3 days".
    pub fn ahead(at: Timestamp, now: Timestamp) -> Self {
        Self { words: ahead(at.millis() - now.millis()), ..Self::new(at, now) }
    }

    /// An instant as a day of the year ("12 January"), the exact time on hover.
    pub fn day(at: Timestamp, now: Timestamp) -> Self {
        Self { words: Plain::day_month(at), ..Self::new(at, now) }
    }
}

/// Words for a time still to come, in milliseconds, rounded as [`relative`] rounds ages.
pub fn ahead(ms: i64) -> Plain {
    let seconds = ms.max(0) / 1000;
    let minutes = (seconds + 30) / 60;
    let hours = (minutes + 30) / 60;
    let days = (hours + 12) / 24;
    match seconds {
        s if s < 90 => Plain::words("in a minute"),
        s if s < 45 * 60 => Plain::counted("in ", minutes, " minutes"),
        s if s < 90 * 60 => Plain::words("in an hour"),
        s if s < 22 * 3600 => Plain::counted("in ", hours, " hours"),
        s if s < 36 * 3600 => Plain::words("in a day"),
        _ => Plain::counted("in ", days, " days"),
    }
}

/// Words for an age in milliseconds; the thresholds round the way people do ("an hour ago" at
/// 50 minutes). `static/app.js` applies the same thresholds.
pub fn relative(age_ms: i64) -> Plain {
    let seconds = age_ms.max(0) / 1000;
    let minutes = (seconds + 30) / 60;
    let hours = (minutes + 30) / 60;
    let days = (hours + 12) / 24;
    match seconds {
        s if s < 45 => Plain::words("just now"),
        s if s < 90 => Plain::words("a minute ago"),
        s if s < 45 * 60 => ago(minutes, " minutes ago"),
        s if s < 90 * 60 => Plain::words("an hour ago"),
        s if s < 22 * 3600 => ago(hours, " hours ago"),
        s if s < 36 * 3600 => Plain::words("yesterday"),
        s if s < 26 * 86400 => ago(days, " days ago"),
        s if s < 45 * 86400 => Plain::words("a month ago"),
        s if s < 320 * 86400 => ago((days + 15) / 30, " months ago"),
        s if s < 548 * 86400 => Plain::words("a year ago"),
        _ => ago((days + 182) / 365, " years ago"),
    }
}

fn ago(count: i64, words: &'static str) -> Plain {
    Plain::counted("", count, words)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(relative(0).to_string(), "just now");
        assert_eq!(relative(-5_000).to_string(), "just now");
        assert_eq!(relative(60_000).to_string(), "a minute ago");
        assert_eq!(relative(3 * MIN).to_string(), "3 minutes ago");
        assert_eq!(relative(50 * MIN).to_string(), "an hour ago");
        assert_eq!(relative(5 * 60 * MIN).to_string(), "5 hours ago");
        assert_eq!(relative(30 * 60 * MIN).to_string(), "yesterday");
        assert_eq!(relative(9 * 24 * 60 * MIN).to_string(), "9 days ago");
        assert_eq!(relative(90 * 24 * 60 * MIN).to_string(), "3 months ago");
        assert_eq!(relative(800 * 24 * 60 * MIN).to_string(), "2 years ago");
    }

    #[test]
    fn times_to_come_read_as_people_say_them() {
        assert_eq!(ahead(-5).to_string(), "in a minute");
        assert_eq!(ahead(10 * MIN).to_string(), "in 10 minutes");
        assert_eq!(ahead(5 * 60 * MIN).to_string(), "in 5 hours");
        assert_eq!(ahead(30 * 60 * MIN).to_string(), "in a day");
        assert_eq!(ahead(3 * 24 * 60 * MIN).to_string(), "in 3 days");
        assert_eq!(ahead(30 * 24 * 60 * MIN).to_string(), "in 30 days");
    }

    #[test]
    fn an_instant_carries_its_exact_time() {
        let at = Timestamp::from_millis(1_795_676_400_000);
        let when = When::new(at, Timestamp::from_millis(at.millis() + 3 * MIN));
        assert_eq!(
            (when.iso.to_string(), when.title.to_string()),
            ("2026-11-26T07:00:00Z".into(), "2026-11-26 07:00 UTC".into())
        );
        assert_eq!(when.words.to_string(), "3 minutes ago");
    }
}
