//! A user's own settings: who may send them requests, which mails they want.

use super::handle::Service;
use crate::domain::{RuleError, Unsubscribe, UserId, UserSettings};
use crate::store::{StoreResult, settings, users};

#[derive(Clone, Copy)]
pub struct Settings<'a>(pub(super) &'a Service);

impl Settings<'_> {
    /// `user`'s settings (the defaults when they never saved any).
    pub async fn get(self, user: UserId) -> StoreResult<UserSettings> {
        self.0
            .0
            .db
            .read(async move |conn| {
                users::find(conn, user).await?.ok_or(RuleError::UserNotFound)?;
                Ok(settings::find(conn, user).await?)
            })
            .await
    }

    /// Saves `user`'s settings whole. Requests already pending are not touched.
    pub async fn save(self, user: UserId, new: UserSettings) -> StoreResult<UserSettings> {
        let now = self.0.now();
        self.0
            .0
            .db
            .write(async move |conn| {
                users::find(conn, user).await?.ok_or(RuleError::UserNotFound)?;
                settings::save(conn, user, new, now).await?;
                Ok(new)
            })
            .await
    }

    /// Turns off what an unsubscribe link names for `user`, keeping every other choice.
    pub async fn unsubscribe(self, user: UserId, scope: Unsubscribe) -> StoreResult<UserSettings> {
        let now = self.0.now();
        self.0
            .0
            .db
            .write(async move |conn| {
                let mut current = settings::find(conn, user).await?;
                current.email = scope.apply(current.email);
                settings::save(conn, user, current, now).await?;
                Ok(current)
            })
            .await
    }
}
