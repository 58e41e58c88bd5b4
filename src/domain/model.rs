//! The records the store hands out, and what the dashboard shows of them.

use super::{
    Candidate, CountedPage, Email, InCommon, NotificationId, NotificationKind, PartnershipId, RequestId, RequestStatus,
    Suggestion, Timestamp, UncountedPage, UserId, UserName,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: UserName,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRequest {
    pub id: RequestId,
    pub sender_id: UserId,
    pub recipient_id: UserId,
    pub status: RequestStatus,
    pub message: Option<String>,
    pub created_at: Timestamp,
    /// When it closed; for an expired request, when it expired.
    pub responded_at: Option<Timestamp>,
    /// When it expires (or expired) if still pending then; `None`: never.
    pub expires_at: Option<Timestamp>,
}

impl PartnerRequest {
    /// The request as it stands at `now`: a pending one past its time reads `expired` (from its
    /// expiry on), whether or not the sweep has marked its row yet.
    pub fn as_of(mut self, now: Timestamp) -> Self {
        if self.status == RequestStatus::Pending && super::has_expired(self.expires_at, now) {
            self.status = RequestStatus::Expired;
            self.responded_at = self.expires_at;
        }
        self
    }
}

/// A request together with the user on the other side of it (the sender of a received request,
/// the recipient of a sent one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestWithUser {
    pub request: PartnerRequest,
    pub other: User,
    /// Partners the viewer and `other` share (read for received requests only).
    pub in_common: InCommon,
}

/// A partnership as one of its two members sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partnership {
    pub id: PartnershipId,
    pub partner: User,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub blocker_id: UserId,
    pub blocked_id: UserId,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: NotificationKind,
    pub text: String,
    pub request_id: Option<RequestId>,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

/// A user's three lists and unread count, as of one moment.
#[derive(Debug, Clone)]
pub struct Relations {
    pub incoming: CountedPage<RequestWithUser>,
    pub sent: CountedPage<RequestWithUser>,
    pub partners: CountedPage<Partnership>,
    pub unread: i64,
    /// The first instant at which one of the user's pending requests expires.
    pub next_expiry: Option<Timestamp>,
}

/// Everything the dashboard shows from the database: the user's relations and the first page
/// of "Find partners" (everyone, by name, each with where they stand with the user).
#[derive(Debug)]
pub struct Dashboard {
    pub relations: Relations,
    pub candidates: UncountedPage<Candidate>,
    pub suggestions: Vec<Suggestion>,
}

/// What the answer to a dashboard action shows, read in one snapshot after the action's write:
/// the other person of the action, the viewer's lists, that person's row in "Find partners"
/// (when asked for) and the suggestions.
#[derive(Debug)]
pub struct AfterAction {
    pub other: Option<User>,
    pub relations: Relations,
    pub candidate: Option<Candidate>,
    pub suggestions: Vec<Suggestion>,
}

impl Dashboard {
    /// Until when time alone leaves it right: the first request to expire or cooldown to end.
    pub fn valid_until(&self) -> Option<Timestamp> {
        let cooldowns = self.candidates.items.iter().filter_map(|c| c.standing.retry_at());
        cooldowns.chain(self.relations.next_expiry).min()
    }
}
