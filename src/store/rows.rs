//! Turning rows into domain records. Column lists live beside the mappers that read them.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::{
    Email, Id, Notification, NotificationKind, PartnerRequest, RequestStatus, Timestamp, User, UserName,
};

pub(super) const USER_COLUMNS: &str = "user_id, email, name, created_at";

/// Reads a user whose columns carry `prefix` (`""` for a plain `users` row).
pub(super) fn user(row: &AnyRow, prefix: &str) -> Result<User, sqlx::Error> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(User {
        id: Id::new(row.try_get(col("user_id").as_str())?),
        email: Email::from_trusted(row.try_get(col("email").as_str())?),
        name: UserName::from_trusted(row.try_get(col("name").as_str())?),
        created_at: Timestamp::from_millis(row.try_get(col("created_at").as_str())?),
    })
}

pub(super) const REQUEST_COLUMNS: &str =
    "request_id, sender_id, recipient_id, status, message, created_at, responded_at";

pub(super) fn request(row: &AnyRow) -> Result<PartnerRequest, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(PartnerRequest {
        id: Id::new(row.try_get("request_id")?),
        sender_id: Id::new(row.try_get("sender_id")?),
        recipient_id: Id::new(row.try_get("recipient_id")?),
        status: RequestStatus::parse(&status).ok_or_else(|| decode_error("status", &status))?,
        message: row.try_get("message")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        responded_at: row.try_get::<Option<i64>, _>("responded_at")?.map(Timestamp::from_millis),
    })
}

pub(super) const NOTIFICATION_COLUMNS: &str = "notification_id, user_id, kind, text, request_id, created_at, read_at";

pub(super) fn notification(row: &AnyRow) -> Result<Notification, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Notification {
        id: Id::new(row.try_get("notification_id")?),
        user_id: Id::new(row.try_get("user_id")?),
        kind: NotificationKind::parse(&kind).ok_or_else(|| decode_error("kind", &kind))?,
        text: row.try_get("text")?,
        request_id: row.try_get::<Option<i64>, _>("request_id")?.map(Id::new),
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        read_at: row.try_get::<Option<i64>, _>("read_at")?.map(Timestamp::from_millis),
    })
}

fn decode_error(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: column.to_owned(), source: format!("unexpected value {value:?}").into() }
}
