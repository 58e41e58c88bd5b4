use super::{RequestId, Timestamp};

/// A rule of the product that an operation broke. How each reads to people (its status, the
/// contract's code and its sentence) is the web layer's table (`web/error.rs`); here the variants
/// carry what the sentence needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    InvalidEmail(&'static str),
    InvalidName(&'static str),
    InvalidMessage(&'static str),
    InvalidPagination(&'static str),
    /// CountedPage deeper than this many items.
    PageTooDeep(i64),
    InvalidQuery(&'static str),
    InvalidId,
    InvalidAction,
    InvalidBulkAction,
    InvalidRequestIds(&'static str),
    EmailTaken,
    UserNotFound,
    RequestNotFound,
    PartnershipNotFound,
    BlockNotFound,
    SelfRequest,
    SelfBlock,
    DuplicateRequest,
    /// The other user's pending request to the sender.
    ReverseRequestPending(RequestId),
    AlreadyPartners,
    Blocked,
    NotPending,
    Forbidden,
    /// The daily quota, of this many requests.
    QuotaExceeded(u32),
    /// The quota of an account in its first day.
    NewAccountQuotaExceeded(u32),
    /// The sender may ask again from this instant.
    Cooldown(Timestamp),
    NotAcceptingRequests,
    InvalidSettings(&'static str),
    InvalidPasskeyName(&'static str),
    PasskeyNotFound,
    TooManyPasskeys(usize),
    PasskeyTaken,
}

/// For logs: the variant and what it carries.
impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule broken: {self:?}")
    }
}

impl std::error::Error for RuleError {}
