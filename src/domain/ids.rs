use std::fmt;
use std::marker::PhantomData;

use serde::{Serialize, Serializer};

use super::RuleError;

/// A positive 64-bit database id, typed by what it identifies so a `UserId` cannot be passed
/// where a `RequestId` is expected.
pub struct Id<T> {
    value: i64,
    kind: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    /// Accepts only positive ids: the database never hands out zero or negative ones.
    /// An id typed into a URL or a form: a positive whole number, else `invalid_id`.
    pub fn parse_text(raw: &str) -> Result<Self, RuleError> {
        raw.trim().parse::<i64>().map_err(|_| RuleError::InvalidId).and_then(Self::parse)
    }

    pub fn parse(value: i64) -> Result<Self, RuleError> {
        if value > 0 { Ok(Self::new(value)) } else { Err(RuleError::InvalidId) }
    }

    /// Wraps an id that came from the database.
    pub(crate) fn new(value: i64) -> Self {
        Self { value, kind: PhantomData }
    }

    pub fn get(self) -> i64 {
        self.value
    }
}

// Manual impls: derives would demand the same traits of the marker type.
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Id<T> {}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T> Eq for Id<T> {}
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}
impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}
impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}
impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}
impl<T> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.value)
    }
}

pub enum UserMarker {}
pub enum RequestMarker {}
pub enum PartnershipMarker {}
pub enum NotificationMarker {}

pub type UserId = Id<UserMarker>;
pub type RequestId = Id<RequestMarker>;
pub type PartnershipId = Id<PartnershipMarker>;
pub type NotificationId = Id<NotificationMarker>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_ids_parse() {
        assert_eq!(UserId::parse(1).unwrap().get(), 1);
        assert_eq!(UserId::parse(i64::MAX).unwrap().get(), i64::MAX);
        assert_eq!(UserId::parse(0), Err(RuleError::InvalidId));
        assert_eq!(UserId::parse(-5), Err(RuleError::InvalidId));
    }
}
