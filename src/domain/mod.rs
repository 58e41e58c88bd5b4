//! Domain types and rules: what a valid user, request and relation is, with no I/O.
//!
//! Values are parsed once at the boundary (`Email::parse`, `UserName::parse`, …) and carried as
//! types afterwards, so the store and the handlers never see an unchecked string or id.

mod error;
mod ids;
mod model;
mod network;
mod passkey;
mod rules;
mod settings;
mod standing;
mod text;
mod time;

pub use error::RuleError;
pub use ids::{Id, NotificationId, PartnershipId, RequestId, UserId};
pub use model::{
    AfterAction, Block, Dashboard, Notification, PartnerRequest, Partnership, Relations, RequestWithUser, User,
};
pub use network::{BulkAction, BulkIds, InCommon, Suggestion, SuggestionCount};
pub use passkey::{MAX_PASSKEYS, PasskeyId, PasskeyName, PasskeySummary, credential_id_bytes, credential_id_text};
pub use rules::{
    Lifecycle, NEW_ACCOUNT_AGE_MS, QUOTA_WINDOW_MS, SendQuotas, check_accepts, check_answer, check_block, check_cancel,
    check_cooldown, check_end, check_party, check_quota, check_send_to, has_expired, ordered_pair,
};
pub use settings::{
    AcceptsFrom, MAIL_CAP_WINDOW_MS, MailPreferences, MailWhen, Unsubscribe, UserSettings, mail_cap_reached,
};
pub use standing::{Candidate, PairFacts, PartnerScan, Standing};
pub use text::{Email, RequestMessage, SearchQuery, UserName};
pub use time::{Clock, DAY_MS, Timestamp};

use serde::Serialize;
use utoipa::ToSchema;

/// Where a partner request stands. It leaves `Pending` once and never comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    Pending,
    Accepted,
    Rejected,
    Cancelled,
    /// Nobody answered within its lifetime.
    Expired,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Whether a request that ended so makes its sender wait before asking the same person
    /// again (a rejection, or a withdrawal; a block's silent rejection and expiry do not).
    pub fn starts_cooldown(self) -> bool {
        matches!(self, Self::Rejected | Self::Cancelled)
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "accepted" => Some(Self::Accepted),
            "rejected" => Some(Self::Rejected),
            "cancelled" => Some(Self::Cancelled),
            "expired" => Some(Self::Expired),
            _ => None,
        }
    }
}

/// The recipient's answer to a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Reject,
}

impl Answer {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw {
            "accept" => Ok(Self::Accept),
            "reject" => Ok(Self::Reject),
            _ => Err(RuleError::InvalidAction),
        }
    }

    pub fn resulting_status(self) -> RequestStatus {
        match self {
            Self::Accept => RequestStatus::Accepted,
            Self::Reject => RequestStatus::Rejected,
        }
    }
}

/// What a notification is about; each kind has its own text and mail subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    RequestReceived,
    RequestAccepted,
    /// A pending request to the user expires soon.
    RequestReminder,
}

impl NotificationKind {
    pub const ALL: [Self; 3] = [Self::RequestReceived, Self::RequestAccepted, Self::RequestReminder];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestReceived => "request_received",
            Self::RequestAccepted => "request_accepted",
            Self::RequestReminder => "request_reminder",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "request_received" => Some(Self::RequestReceived),
            "request_accepted" => Some(Self::RequestAccepted),
            "request_reminder" => Some(Self::RequestReminder),
            _ => None,
        }
    }

    /// The subject line of the seed's e-mail for this event.
    pub fn subject(self) -> &'static str {
        match self {
            Self::RequestReceived => "New Partner Request",
            Self::RequestAccepted => "Partner Request Accepted",
            Self::RequestReminder => "Partner Request Expiring Soon",
        }
    }

    /// The seed's sentence for this event; `other` is the name of the user who caused it.
    pub fn text(self, other: &str) -> String {
        match self {
            Self::RequestReceived => format!("You have a new partner request from {other}."),
            Self::RequestAccepted => format!("{other} accepted your partner request."),
            Self::RequestReminder => format!("The partner request from {other} expires soon."),
        }
    }
}

/// One page of a list: 1-based page number and a size of 1..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    size: u32,
}

impl PageRequest {
    pub const DEFAULT_SIZE: u32 = 20;
    pub const MAX_SIZE: u32 = 100;
    /// How far into a list paging reaches (`page × size`): a page costs in proportion to its
    /// depth, so deeper ones are refused rather than served slowly.
    pub const MAX_DEPTH: i64 = 10_000;

    pub fn parse(page: Option<i64>, size: Option<i64>) -> Result<Self, RuleError> {
        let page = page.unwrap_or(1);
        let size = size.unwrap_or(i64::from(Self::DEFAULT_SIZE));
        if !(1..=i64::from(u32::MAX)).contains(&page) {
            return Err(RuleError::InvalidPagination("page must be 1 or more"));
        }
        if !(1..=i64::from(Self::MAX_SIZE)).contains(&size) {
            return Err(RuleError::InvalidPagination("size must be between 1 and 100"));
        }
        if page.saturating_mul(size) > Self::MAX_DEPTH {
            return Err(RuleError::PageTooDeep(Self::MAX_DEPTH));
        }
        Ok(Self { page: page as u32, size: size as u32 })
    }

    pub fn page(self) -> u32 {
        self.page
    }

    pub fn size(self) -> u32 {
        self.size
    }

    /// Rows to skip (at most [`Self::MAX_DEPTH`]).
    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.size)
    }

    pub fn limit(self) -> i64 {
        i64::from(self.size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, size: Self::DEFAULT_SIZE }
    }
}

/// A page of items with the total across all pages.
#[derive(Debug, Clone)]
pub struct CountedPage<T> {
    pub items: Vec<T>,
    pub page: PageRequest,
    pub total: i64,
    /// False when counting every item would cost unbounded work: `total` is then a lower bound
    /// (a user search that looked at as many users as one search may).
    pub total_exact: bool,
}

/// A page of items without a total: `has_more` says whether another page follows. Counting every
/// match of a search over a large table costs a full scan, so lists that only need "next" use this.
#[derive(Debug, Clone)]
pub struct UncountedPage<T> {
    pub items: Vec<T>,
    pub page: PageRequest,
    pub has_more: bool,
    /// The search looked at as many users as one search may: refining it may find more.
    pub capped: bool,
}

impl<T> UncountedPage<T> {
    /// A page from the items read for it, one more than it holds: that one only tells whether
    /// another page follows, without counting.
    pub fn from_one_more(mut items: Vec<T>, page: PageRequest, capped: bool) -> Self {
        let has_more = items.len() as i64 > page.limit();
        items.truncate(page.size() as usize);
        Self { items, page, has_more, capped }
    }
}

impl<T> CountedPage<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> CountedPage<U> {
        CountedPage {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            total: self.total,
            total_exact: self.total_exact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_defaults_and_bounds() {
        assert_eq!(PageRequest::parse(None, None).unwrap(), PageRequest::default());
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(None, Some(0)).is_err());
        assert!(PageRequest::parse(None, Some(101)).is_err());
        assert!(PageRequest::parse(Some(i64::MAX), None).is_err());
        let deepest = PageRequest::parse(Some(100), Some(100)).unwrap();
        assert_eq!(deepest.offset() + deepest.limit(), PageRequest::MAX_DEPTH);
        assert_eq!(PageRequest::parse(Some(101), Some(100)), Err(RuleError::PageTooDeep(PageRequest::MAX_DEPTH)));
        assert_eq!(PageRequest::parse(Some(501), Some(20)), Err(RuleError::PageTooDeep(PageRequest::MAX_DEPTH)));
    }

    #[test]
    fn an_answer_parses_only_the_two_actions() {
        assert_eq!(Answer::parse("accept").unwrap(), Answer::Accept);
        assert_eq!(Answer::parse("reject").unwrap(), Answer::Reject);
        assert!(Answer::parse("Accept").is_err());
        assert!(Answer::parse("cancel").is_err());
    }
}
