use super::{RequestId, Timestamp};

/// A rule of the product that an operation broke. Each variant maps to one error code of the
/// contract; the messages are written for the person who will read them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{0}")]
    InvalidEmail(&'static str),
    #[error("{0}")]
    InvalidName(&'static str),
    #[error("The message can be at most 500 characters.")]
    InvalidMessage,
    #[error("{0}")]
    InvalidPagination(&'static str),
    #[error(
        "Only the first {0} items of a list can be paged through; narrow it down (refine the search) to see others."
    )]
    PageTooDeep(i64),
    #[error("The search text can be at most 254 characters.")]
    InvalidQuery,
    #[error("An id must be a positive whole number.")]
    InvalidId,
    #[error("The action must be \"accept\" or \"reject\".")]
    InvalidAction,
    #[error("The action must be \"accept\", \"reject\" or \"cancel\".")]
    InvalidBulkAction,
    #[error("{0}")]
    InvalidRequestIds(&'static str),
    #[error("That e-mail address is already registered.")]
    EmailTaken,
    #[error("That user does not exist.")]
    UserNotFound,
    #[error("That partner request does not exist.")]
    RequestNotFound,
    #[error("That partnership does not exist.")]
    PartnershipNotFound,
    #[error("You have not blocked that user.")]
    BlockNotFound,
    #[error("You cannot send a partner request to yourself.")]
    SelfRequest,
    #[error("You cannot block yourself.")]
    SelfBlock,
    #[error("You already have a pending request to this user.")]
    DuplicateRequest,
    #[error("This user already sent you a request (request {0}); accept or reject it instead.")]
    ReverseRequestPending(RequestId),
    #[error("You are already partners.")]
    AlreadyPartners,
    #[error("A block between you and this user prevents partner requests.")]
    Blocked,
    #[error("This request has already been answered or withdrawn.")]
    NotPending,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("You have reached the limit of {0} new partner requests in 24 hours; try again later.")]
    QuotaExceeded(u32),
    #[error("New accounts can send {0} partner requests in their first day; try again later.")]
    NewAccountQuotaExceeded(u32),
    #[error("You can ask again after {}.", .0.day_month())]
    Cooldown(Timestamp),
    #[error("This user is not taking partner requests from you.")]
    NotAcceptingRequests,
    #[error("{0}")]
    InvalidSettings(&'static str),
    #[error("{0}")]
    InvalidPasskeyName(&'static str),
    #[error("That passkey does not exist.")]
    PasskeyNotFound,
    #[error("You can have at most {0} passkeys; remove one first.")]
    TooManyPasskeys(usize),
    #[error("That passkey is already registered.")]
    PasskeyTaken,
}

impl RuleError {
    /// The stable, machine-readable code of the contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidEmail(_) => "invalid_email",
            Self::InvalidName(_) => "invalid_name",
            Self::InvalidMessage => "invalid_message",
            Self::InvalidPagination(_) => "invalid_pagination",
            Self::PageTooDeep(_) => "page_too_deep",
            Self::InvalidQuery => "invalid_query",
            Self::InvalidId => "invalid_id",
            Self::InvalidAction | Self::InvalidBulkAction => "invalid_action",
            Self::InvalidRequestIds(_) => "invalid_request_ids",
            Self::EmailTaken => "email_taken",
            Self::UserNotFound => "user_not_found",
            Self::RequestNotFound => "request_not_found",
            Self::PartnershipNotFound => "partnership_not_found",
            Self::BlockNotFound => "block_not_found",
            Self::SelfRequest => "self_request",
            Self::SelfBlock => "self_block",
            Self::DuplicateRequest => "duplicate_request",
            Self::ReverseRequestPending(_) => "reverse_request_pending",
            Self::AlreadyPartners => "already_partners",
            Self::Blocked => "blocked",
            Self::NotPending => "not_pending",
            Self::Forbidden => "forbidden",
            Self::QuotaExceeded(_) | Self::NewAccountQuotaExceeded(_) => "request_quota_exceeded",
            Self::Cooldown(_) => "cooldown",
            Self::NotAcceptingRequests => "not_accepting_requests",
            Self::InvalidSettings(_) => "invalid_settings",
            Self::InvalidPasskeyName(_) => "invalid_passkey_name",
            Self::PasskeyNotFound => "passkey_not_found",
            Self::TooManyPasskeys(_) => "too_many_passkeys",
            Self::PasskeyTaken => "passkey_taken",
        }
    }
}
