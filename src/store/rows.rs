//! Turning rows into domain records. Column lists live beside the mappers that read them.

use super::db::{Columns, DatabaseError, DbResult};
use crate::domain::{
    CountedPage, Email, Id, Notification, NotificationKind, PageRequest, PartnerRequest, RequestStatus, Timestamp,
    User, UserName,
};

/// The total that a page's rows each carry: `None` for a page past the end, which has no row to
/// carry it (the caller counts then); an empty first page has nothing to count.
pub(super) fn total_of<T>(rows: &[(T, i64)], page: PageRequest) -> Option<i64> {
    match rows.first() {
        Some((_, total)) => Some(*total),
        None if page.offset() == 0 => Some(0),
        None => None,
    }
}

/// A page from rows that each carried the total.
pub(super) fn paged<T>(rows: Vec<(T, i64)>, page: PageRequest, total: i64) -> CountedPage<T> {
    CountedPage { items: rows.into_iter().map(|(item, _)| item).collect(), page, total, total_exact: true }
}

pub(super) fn user(row: &dyn Columns) -> DbResult<User> {
    Ok(User {
        id: Id::new(row.int("user_id")?),
        email: Email::from_trusted(row.text("email")?),
        name: UserName::from_trusted(row.text("name")?),
        created_at: Timestamp::from_millis(row.int("created_at")?),
    })
}

/// The columns [`request`] reads, as a literal for `concat!`.
macro_rules! request_columns {
    () => {
        "request_id, sender_id, recipient_id, status, message, created_at, responded_at, expires_at"
    };
}
pub(super) use request_columns;

pub(super) fn request(row: &dyn Columns) -> DbResult<PartnerRequest> {
    // In select order (see `request_columns`): each column is then found at the first try.
    let id = Id::new(row.int("request_id")?);
    let sender_id = Id::new(row.int("sender_id")?);
    let recipient_id = Id::new(row.int("recipient_id")?);
    let status = row.text("status")?;
    Ok(PartnerRequest {
        id,
        sender_id,
        recipient_id,
        status: RequestStatus::parse(&status).ok_or_else(|| DatabaseError::decode("status", &status))?,
        message: row.opt_text("message")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        responded_at: row.opt_int("responded_at")?.map(Timestamp::from_millis),
        expires_at: row.opt_int("expires_at")?.map(Timestamp::from_millis),
    })
}

/// The columns [`pending_request`] reads, as a literal for `concat!`.
macro_rules! pending_request_columns {
    () => {
        "request_id, sender_id, recipient_id, message, created_at, expires_at"
    };
}
pub(super) use pending_request_columns;

/// A request read from a query that selects pending ones only: its status and answer time go
/// without saying, so they are not read.
pub(super) fn pending_request(row: &dyn Columns) -> DbResult<PartnerRequest> {
    Ok(PartnerRequest {
        id: Id::new(row.int("request_id")?),
        sender_id: Id::new(row.int("sender_id")?),
        recipient_id: Id::new(row.int("recipient_id")?),
        status: RequestStatus::Pending,
        message: row.opt_text("message")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        responded_at: None,
        expires_at: row.opt_int("expires_at")?.map(Timestamp::from_millis),
    })
}

pub(super) fn notification(row: &dyn Columns) -> DbResult<Notification> {
    let kind = row.text("kind")?;
    Ok(Notification {
        id: Id::new(row.int("notification_id")?),
        user_id: Id::new(row.int("user_id")?),
        kind: NotificationKind::parse(&kind).ok_or_else(|| DatabaseError::decode("kind", &kind))?,
        text: row.text("text")?,
        request_id: row.opt_int("request_id")?.map(Id::new),
        created_at: Timestamp::from_millis(row.int("created_at")?),
        read_at: row.opt_int("read_at")?.map(Timestamp::from_millis),
    })
}
