//! The JSON shapes of the API (v1) and their conversion from domain records.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{
    Block, CountedPage, Notification, NotificationKind, PartnerRequest, Partnership, RequestStatus, User,
};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserJson {
    #[schema(example = 1, minimum = 1)]
    pub id: i64,
    #[schema(example = "alice@example.com")]
    pub email: String,
    #[schema(example = "Alice")]
    pub name: String,
    #[schema(format = DateTime, example = "2026-11-26T07:00:00Z")]
    pub created_at: String,
}

impl From<User> for UserJson {
    fn from(user: User) -> Self {
        Self {
            id: user.id.get(),
            email: user.email.as_str().to_owned(),
            name: user.name.as_str().to_owned(),
            created_at: user.created_at.rfc3339(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerRequestJson {
    #[schema(minimum = 1)]
    pub request_id: i64,
    #[schema(minimum = 1)]
    pub sender_id: i64,
    #[schema(minimum = 1)]
    pub recipient_id: i64,
    pub status: RequestStatus,
    pub message: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it closed; for an expired request, when it expired.
    #[schema(format = DateTime)]
    pub responded_at: Option<String>,
    /// Creation plus the request lifetime (`DEALNEST_REQUEST_TTL_DAYS`); null when requests never
    /// expire. From that instant a pending request reads `expired`.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

impl From<PartnerRequest> for PartnerRequestJson {
    fn from(request: PartnerRequest) -> Self {
        Self {
            request_id: request.id.get(),
            sender_id: request.sender_id.get(),
            recipient_id: request.recipient_id.get(),
            status: request.status,
            message: request.message,
            created_at: request.created_at.rfc3339(),
            responded_at: request.responded_at.map(|t| t.rfc3339()),
            expires_at: request.expires_at.map(|t| t.rfc3339()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipJson {
    #[schema(minimum = 1)]
    pub partnership_id: i64,
    /// The other member.
    pub partner: UserJson,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Partnership> for PartnershipJson {
    fn from(p: Partnership) -> Self {
        Self { partnership_id: p.id.get(), partner: p.partner.into(), created_at: p.created_at.rfc3339() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockJson {
    pub blocker_id: i64,
    pub blocked_user_id: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Block> for BlockJson {
    fn from(b: Block) -> Self {
        Self { blocker_id: b.blocker_id.get(), blocked_user_id: b.blocked_id.get(), created_at: b.created_at.rfc3339() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationJson {
    pub notification_id: i64,
    pub kind: NotificationKind,
    pub text: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub read_at: Option<String>,
}

impl From<Notification> for NotificationJson {
    fn from(n: Notification) -> Self {
        Self {
            notification_id: n.id.get(),
            kind: n.kind,
            text: n.text,
            created_at: n.created_at.rfc3339(),
            read_at: n.read_at.map(|t| t.rfc3339()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    /// From 1; `page × size` may not exceed 10,000 (deeper: 422 `page_too_deep`).
    pub page: u32,
    pub size: u32,
    /// Items across all pages; a lower bound when `total_exact` is false.
    pub total: i64,
    /// False when counting everything would cost unbounded work: a user search looks at 5,000
    /// users at most, and `total` then counts the matches among them (refine the search to see
    /// the others).
    pub total_exact: bool,
}

impl<T> From<&CountedPage<T>> for Pagination {
    fn from(paged: &CountedPage<T>) -> Self {
        Self { page: paged.page.page(), size: paged.page.size(), total: paged.total, total_exact: paged.total_exact }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<UserJson>,
    pub pagination: Pagination,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestPage {
    pub requests: Vec<PartnerRequestJson>,
    pub pagination: Pagination,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipPage {
    pub partnerships: Vec<PartnershipJson>,
    pub pagination: Pagination,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub notifications: Vec<NotificationJson>,
    pub pagination: Pagination,
}
