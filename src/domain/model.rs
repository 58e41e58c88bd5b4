//! The records the store hands out.

use super::{
    Email, InCommon, NotificationId, NotificationKind, PartnershipId, RequestId, RequestStatus, Timestamp, UserId,
    UserName,
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
