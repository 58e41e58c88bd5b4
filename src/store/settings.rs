//! Users' own settings (`user_settings`, one row per user who saved any; the defaults otherwise),
//! and the one fact about two users that `partners_of_partners` asks: do they share a partner.

use super::db::{Columns, Conn, DbResult, params};
use super::users::user_in;
use super::{Store, StoreResult};
use crate::domain::{AcceptsFrom, MailPreferences, MailWhen, RuleError, Timestamp, Unsubscribe, UserId, UserSettings};

impl Store {
    /// `user`'s settings (the defaults when they never saved any).
    pub async fn settings(&self, user: UserId) -> StoreResult<UserSettings> {
        self.db
            .read(async move |conn| {
                user_in(conn, user).await?.ok_or(RuleError::UserNotFound)?;
                Ok(settings_in(conn, user).await?)
            })
            .await
    }

    /// Saves `user`'s settings whole. Requests already pending are not touched. Since what
    /// "Find partners" shows everyone about `user` may change, kept dashboards are renewed (the
    /// users version is what they are kept against).
    pub async fn save_settings(&self, user: UserId, settings: UserSettings) -> StoreResult<UserSettings> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                user_in(conn, user).await?.ok_or(RuleError::UserNotFound)?;
                save_in(conn, user, settings, now).await?;
                Ok(settings)
            })
            .await
    }

    /// Turns off what an unsubscribe link names for `user`, keeping every other choice.
    pub async fn unsubscribe(&self, user: UserId, scope: Unsubscribe) -> StoreResult<UserSettings> {
        let now = self.now();
        self.db
            .write(async move |conn| {
                let mut settings = settings_in(conn, user).await?;
                settings.email = scope.apply(settings.email);
                save_in(conn, user, settings, now).await?;
                Ok(settings)
            })
            .await
    }
}

pub(super) async fn settings_in(conn: &mut Conn<'_>, user: UserId) -> DbResult<UserSettings> {
    let sql = "select accepts_requests_from, email_request_received, email_request_accepted, email_request_reminder \
               from user_settings where user_id = $1";
    Ok(conn.fetch_optional(sql, params![user.get()], &settings_row).await?.unwrap_or_default())
}

/// Writes `user`'s settings whole. Since what "Find partners" shows everyone about `user` may
/// change, kept dashboards are renewed (the users version is what they are kept against).
async fn save_in(conn: &mut Conn<'_>, user: UserId, settings: UserSettings, now: Timestamp) -> DbResult<()> {
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

/// Whether `a` and `b` share at least one partner: the partners of whichever of the two has
/// fewer are looked up among the other's pairs, one index lookup each, at most `cap` of them.
/// Returns `None` when that side has more partners than `cap` and none of the first `cap` was
/// shared (the answer is unknown).
pub(super) async fn shares_partner(conn: &mut Conn<'_>, a: UserId, b: UserId, cap: i64) -> DbResult<Option<bool>> {
    let counts = conn
        .fetch_all(
            "select user_id, partnerships from user_counts where user_id in ($1, $2)",
            params![a.get(), b.get()],
            &|row| Ok((row.int("user_id")?, row.int("partnerships")?)),
        )
        .await?;
    let count = |id: UserId| counts.iter().find(|(user, _)| *user == id.get()).map_or(0, |(_, n)| *n);
    let (small, other) = if count(a) <= count(b) { (a, b) } else { (b, a) };
    if count(small) == 0 {
        return Ok(Some(false));
    }
    let found = conn.fetch_one(SHARED_PARTNER, params![small.get(), other.get(), cap], &|row| row.int("found")).await?;
    Ok(if found > 0 {
        Some(true)
    } else if count(small) > cap {
        None
    } else {
        Some(false)
    })
}

/// Whether one of `$1`'s partners (the first `$3`) is a partner of `$2`.
const SHARED_PARTNER: &str = "select count(*) as found from ( \
       select 1 as one from ( \
         select user_b_id as p from partnerships where user_a_id = $1 \
         union all select user_a_id as p from partnerships where user_b_id = $1 limit $3) mine \
       join partnerships x on x.user_a_id = case when mine.p < $2 then mine.p else $2 end \
                          and x.user_b_id = case when mine.p < $2 then $2 else mine.p end \
       limit 1) found";
