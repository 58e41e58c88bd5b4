//! The network around a user: partners two people share, people suggested to them, and the
//! answer to many requests at once. Types and checks only; the store reads and writes them.

use super::{RequestId, RuleError, User};

/// Partners in common of a viewer and another user, as a row shows them: how many, and the
/// first few by id. `at_least` says the count stopped at the bound on partners examined, so the
/// true number may be higher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InCommon {
    pub count: i64,
    pub at_least: bool,
    /// At most [`InCommon::NAMES_SHOWN`] of them.
    pub first: Vec<User>,
}

impl InCommon {
    /// How many names a row shows before "and N more".
    pub const NAMES_SHOWN: usize = 5;

    /// How many of the partners in common the names leave out.
    pub fn more(&self) -> i64 {
        self.count - self.first.len() as i64
    }
}

/// Someone the viewer may know: not connected to them in any way, ranked by how many partners
/// they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub user: User,
    pub partners_in_common: i64,
}

/// How many suggestions one call may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuggestionCount(u32);

impl SuggestionCount {
    pub const DEFAULT: u32 = 10;
    pub const MAX: u32 = 50;

    pub fn parse(size: Option<i64>) -> Result<Self, RuleError> {
        let size = size.unwrap_or(i64::from(Self::DEFAULT));
        if !(1..=i64::from(Self::MAX)).contains(&size) {
            return Err(RuleError::InvalidPagination("size must be between 1 and 50"));
        }
        Ok(Self(size as u32))
    }

    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// What a bulk call does to each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    Accept,
    Reject,
    Cancel,
}

impl BulkAction {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw {
            "accept" => Ok(Self::Accept),
            "reject" => Ok(Self::Reject),
            "cancel" => Ok(Self::Cancel),
            _ => Err(RuleError::InvalidBulkAction),
        }
    }
}

/// The ids of a bulk call as given: 1 to [`BulkIds::MAX`], none repeated. Each id is checked on
/// its own when handled (a non-positive one fails as the single endpoint would fail it), so
/// they stay raw here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkIds(Vec<i64>);

impl BulkIds {
    pub const MAX: usize = 100;

    pub fn parse(ids: Vec<i64>) -> Result<Self, RuleError> {
        if ids.is_empty() {
            return Err(RuleError::InvalidRequestIds("Choose at least one request."));
        }
        if ids.len() > Self::MAX {
            return Err(RuleError::InvalidRequestIds("At most 100 requests can be handled at once."));
        }
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        if !ids.iter().all(|id| seen.insert(*id)) {
            return Err(RuleError::InvalidRequestIds("Each request may be named only once."));
        }
        Ok(Self(ids))
    }

    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        self.0.iter().copied()
    }

    /// Each id as a request id, or why it is none.
    pub fn parsed(&self) -> impl Iterator<Item = (i64, Result<RequestId, RuleError>)> + '_ {
        self.iter().map(|raw| (raw, RequestId::parse(raw)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_ids_are_one_to_a_hundred_and_never_repeated() {
        assert!(BulkIds::parse(vec![]).is_err());
        assert!(BulkIds::parse((1..=100).collect()).is_ok());
        assert!(BulkIds::parse((1..=101).collect()).is_err());
        assert!(BulkIds::parse(vec![3, 4, 3]).is_err());
        let ids = BulkIds::parse(vec![5, 0]).unwrap();
        let parsed: Vec<bool> = ids.parsed().map(|(_, id)| id.is_ok()).collect();
        assert_eq!(parsed, [true, false], "a bad id fails alone, later");
    }

    #[test]
    fn bulk_actions_are_the_three_answers() {
        assert_eq!(BulkAction::parse("cancel").unwrap(), BulkAction::Cancel);
        assert_eq!(BulkAction::parse("Accept"), Err(RuleError::InvalidBulkAction));
    }

    #[test]
    fn suggestion_counts_default_to_ten_and_stop_at_fifty() {
        assert_eq!(SuggestionCount::parse(None).unwrap().get(), 10);
        assert_eq!(SuggestionCount::parse(Some(50)).unwrap().get(), 50);
        assert!(SuggestionCount::parse(Some(0)).is_err());
        assert!(SuggestionCount::parse(Some(51)).is_err());
    }
}
