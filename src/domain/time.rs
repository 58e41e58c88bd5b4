use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A UTC instant with millisecond precision, stored as integer milliseconds since the Unix epoch
/// (the same on SQLite and PostgreSQL) and shown as RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Self {
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        Self(i64::try_from(millis).unwrap_or(i64::MAX))
    }

    pub fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn minus_millis(self, millis: i64) -> Self {
        Self(self.0.saturating_sub(millis))
    }

    pub fn to_datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `2026-11-26T07:00:00.25Z`: milliseconds only when there are any, without trailing zeros.
    pub fn rfc3339(self) -> String {
        let at = self.to_datetime();
        let (year, month, day) = at.to_calendar_date();
        if !(0..=9999).contains(&year) {
            return at.format(&Rfc3339).unwrap_or_default();
        }
        // Written digit by digit: pages and JSON lists show dozens of times, and the general
        // formatter cost several times more than the rest of a `<time>` element.
        let (hour, minute, second, milli) = at.to_hms_milli();
        let mut text = String::with_capacity(24);
        let year = year as u16;
        let parts = [(year / 100) as u8, (year % 100) as u8, u8::from(month), day, hour, minute, second];
        for (part, then) in parts.into_iter().zip(["", "-", "-", "T", ":", ":", ""]) {
            text.push(char::from(b'0' + part / 10));
            text.push(char::from(b'0' + part % 10));
            text.push_str(then);
        }
        if milli > 0 {
            text.push('.');
            text.push(char::from(b'0' + (milli / 100) as u8));
            text.push(char::from(b'0' + (milli / 10 % 10) as u8));
            text.push(char::from(b'0' + (milli % 10) as u8));
            while text.ends_with('0') {
                text.pop();
            }
        }
        text.push('Z');
        text
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rfc3339_in_utc() {
        assert_eq!(Timestamp::from_millis(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp::from_millis(1_795_676_400_250).rfc3339(), "2026-11-26T07:00:00.25Z");
    }

    #[test]
    fn renders_as_the_general_formatter_does() {
        // From before 1970 to past 2100, milliseconds with and without trailing zeros.
        for millis in [-86_400_001, 0, 1, 10, 999, 951_782_400_000, 1_795_676_459_007, 4_102_444_800_120] {
            let general = Timestamp::from_millis(millis).to_datetime().format(&Rfc3339).unwrap();
            assert_eq!(Timestamp::from_millis(millis).rfc3339(), general, "{millis}");
        }
    }
}
