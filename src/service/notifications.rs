//! A user's in-app notifications (the same rows are the outbox: see `delivery.rs`).

use super::handle::Service;
use crate::domain::{CountedPage, Notification, PageRequest, UserId};
use crate::store::{StoreResult, notifications};

#[derive(Clone, Copy)]
pub struct Inbox<'a>(pub(super) &'a Service);

impl Inbox<'_> {
    /// The notifications of `user`, newest first.
    pub async fn list(self, user: UserId, page: PageRequest) -> StoreResult<CountedPage<Notification>> {
        self.0.0.db.read(async move |conn| Ok(notifications::page(conn, user, page).await?)).await
    }

    /// How many of `user`'s notifications are unread.
    pub async fn unread(self, user: UserId) -> StoreResult<i64> {
        self.0.0.db.read(async move |conn| Ok(notifications::unread(conn, user).await?)).await
    }

    /// Marks every notification of `user` read; returns whether any was unread.
    pub async fn mark_read(self, user: UserId) -> StoreResult<bool> {
        let now = self.0.now();
        self.0.0.db.write(async move |conn| Ok(notifications::mark_read(conn, user, now).await?)).await
    }
}
