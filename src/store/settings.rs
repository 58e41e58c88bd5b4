//! `user_settings`: users' own settings, one row per user who saved any (the defaults otherwise).

use super::db::{Columns, Conn, DbResult, params};
use crate::domain::{AcceptsFrom, MailPreferences, MailWhen, Timestamp, UserId, UserSettings};

/// `user`'s settings (the defaults when they never saved any).
pub(crate) async fn find(conn: &mut Conn<'_>, user: UserId) -> DbResult<UserSettings> {
    let sql = "select accepts_requests_from, email_request_received, email_request_accepted, email_request_reminder \
               from user_settings where user_id = $1";
    Ok(conn.fetch_optional(sql, params![user.get()], &settings_row).await?.unwrap_or_default())
}

/// Writes `user`'s settings whole. Since what "Find partners" shows everyone about `user` may
/// change, kept dashboards are renewed (the users version is what they are kept against).
pub(crate) async fn save(conn: &mut Conn<'_>, user: UserId, settings: UserSettings, now: Timestamp) -> DbResult<()> {
    let UserSettings { accepts_requests_from, email } = settings;
    conn.execute(
        "insert into user_settings (user_id, accepts_requests_from, email_request_received, \
           email_request_accepted, email_request_reminder, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $6) \
         on conflict (user_id) do update set accepts_requests_from = excluded.accepts_requests_from, \
           email_request_received = excluded.email_request_received, \
           email_request_accepted = excluded.email_request_accepted, \
           email_request_reminder = excluded.email_request_reminder, updated_at = excluded.updated_at",
        params![
            user.get(),
            accepts_requests_from.as_str(),
            email.request_received.as_str(),
            email.request_accepted.as_str(),
            email.request_reminder.as_str(),
            now.millis()
        ],
    )
    .await?;
    conn.execute("update users_version set version = version + 1 where only_row = 1", &[]).await?;
    Ok(())
}

fn settings_row(row: &dyn Columns) -> DbResult<UserSettings> {
    Ok(UserSettings {
        accepts_requests_from: accepts(row.opt_text("accepts_requests_from")?),
        email: MailPreferences {
            request_received: mail(row.text("email_request_received")?),
            request_accepted: mail(row.text("email_request_accepted")?),
            request_reminder: mail(row.text("email_request_reminder")?),
        },
    })
}

/// A stored (or, for a user without settings, absent) choice; the table's check constraint
/// admits only the known words.
pub(super) fn accepts(raw: Option<String>) -> AcceptsFrom {
    raw.and_then(|raw| AcceptsFrom::parse(&raw).ok()).unwrap_or_default()
}

fn mail(raw: String) -> MailWhen {
    MailWhen::parse(&raw).unwrap_or_default()
}
