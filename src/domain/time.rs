//! Instants, and the clock the application reads them from.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
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

    pub fn plus_millis(self, millis: i64) -> Self {
        Self(self.0.saturating_add(millis))
    }

    pub fn to_datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `12 January`: the day people are told to wait for.
    pub fn day_month(self) -> String {
        let format = time::macros::format_description!("[day padding:none] [month repr:long]");
        self.to_datetime().format(format).unwrap_or_default()
    }

    /// `2026-11-26T07:00:00.25Z`: fractions of a second only when there are any.
    pub fn rfc3339(self) -> String {
        self.to_datetime().format(&Rfc3339).unwrap_or_default()
    }
}

/// Milliseconds in a day, the unit of the request lifecycle's settings.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Where "now" comes from for the rules that depend on time (expiry, reminders, cooldowns): the
/// system clock, moved forward by an offset that only tests change, so they can cross a
/// request's lifetime without waiting. Clones share the offset; the database's own clock is
/// never asked, so every instance and statement agrees with the application.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    /// The offset is the time itself: the clock stands still between moves (tests at a boundary).
    fixed: bool,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let offset = self.offset_ms.load(Ordering::Relaxed);
        if self.fixed { Timestamp::from_millis(offset) } else { Timestamp::now().plus_millis(offset) }
    }

    /// A clock that stands at `at` until moved.
    #[cfg(feature = "test-hooks")]
    pub fn fixed(at: Timestamp) -> Self {
        Self { offset_ms: Arc::new(AtomicI64::new(at.millis())), fixed: true }
    }

    /// Moves this clock (and every clone of it) forward by `millis`.
    #[cfg(feature = "test-hooks")]
    pub fn advance_millis(&self, millis: i64) {
        self.offset_ms.fetch_add(millis, Ordering::Relaxed);
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
        assert_eq!(Timestamp::from_millis(1_795_676_400_007).rfc3339(), "2026-11-26T07:00:00.007Z");
        assert_eq!(Timestamp::from_millis(1_795_676_400_250).day_month(), "26 November");
    }
}
