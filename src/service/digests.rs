//! The delivery worker's side of the daily digests (see `store/digests.rs`): who is due one, the
//! claim of a digest, and how an attempt ended.

use std::time::Duration;

use super::handle::Service;
use crate::domain::{Id, MailWhen, NotificationKind, Timestamp, UserId};
use crate::store::{DigestDelivery, DueDigest, StoreResult, digests, settings};

#[derive(Clone, Copy)]
pub struct Digests<'a>(pub(super) &'a Service);

impl Digests<'_> {
    /// Looks at up to `limit` users holding items for a digest, by id after `after`, and returns
    /// those whose oldest held item is from before `cutoff` (the digest hour of `day`) and who
    /// have no digest of `day` yet, with the last id looked at (`None`: no user after it). Each
    /// user costs a few index seeks, whatever they hold.
    pub async fn candidates(
        self,
        day: i64,
        cutoff: Timestamp,
        after: i64,
        limit: i64,
    ) -> StoreResult<(Vec<UserId>, Option<i64>)> {
        self.0
            .0
            .db
            .read(async move |conn| {
                let mut found = Vec::new();
                let mut last = after;
                for _ in 0..limit {
                    let Some(user) = digests::next_holder(conn, last).await? else { return Ok((found, None)) };
                    last = user;
                    if digests::is_due(conn, user, cutoff, day).await? {
                        found.push(Id::new(user));
                    }
                }
                Ok((found, Some(last)))
            })
            .await
    }

    /// Claims `user`'s digest of `day` (the items held from before `cutoff`, of the kinds not
    /// turned off since), for `lease`. `None`: another instance has it, or there is nothing.
    pub async fn claim(
        self,
        user: UserId,
        day: i64,
        cutoff: Timestamp,
        lease: Duration,
    ) -> StoreResult<Option<DigestDelivery>> {
        let now = self.0.now();
        self.0
            .0
            .db
            .write(async move |conn| {
                let lease_until = now.millis().saturating_add(lease.as_millis() as i64);
                if !digests::insert_claim(conn, user, day, now, lease_until).await? {
                    return Ok(None);
                }
                // Read at sending time, as for immediate mail: a kind turned off since is dropped.
                let email = settings::find(conn, user).await?.email;
                for kind in NotificationKind::ALL.into_iter().filter(|kind| email.get(*kind) == MailWhen::Off) {
                    digests::drop_held(conn, user, kind).await?;
                }
                let items = digests::take_items(conn, user, day, cutoff).await?;
                if items == 0 {
                    digests::delete_claim(conn, user, day).await?;
                    return Ok(None);
                }
                digests::set_items(conn, user, day, items).await?;
                Ok(Some(digests::read(conn, user, day, 1).await?))
            })
            .await
    }

    /// Digests due for another attempt (failed, or their worker died), at most `limit`.
    pub async fn due(self, limit: i64) -> StoreResult<Vec<DueDigest>> {
        let now = self.0.now();
        self.0.0.db.read(async move |conn| Ok(digests::due(conn, now, limit).await?)).await
    }

    /// Claims a due digest again for `lease` (compare-and-set, as for notifications).
    pub async fn reclaim(self, due: &DueDigest, lease: Duration) -> StoreResult<Option<DigestDelivery>> {
        let now = self.0.now();
        let due = due.clone();
        self.0
            .0
            .db
            .write(async move |conn| {
                let lease_until = now.millis().saturating_add(lease.as_millis() as i64);
                let Some(attempt) = digests::reclaim(conn, &due, lease_until).await? else { return Ok(None) };
                Ok(Some(digests::read(conn, due.user, due.day, attempt).await?))
            })
            .await
    }

    /// Records a digest's attempt: sent (`Ok`), or failed with a retry time (`None`: given up).
    pub async fn record(
        self,
        user: UserId,
        day: i64,
        outcome: Result<(), (String, Option<Timestamp>)>,
    ) -> StoreResult<()> {
        let now = self.0.now();
        self.0.0.db.write(async move |conn| Ok(digests::record(conn, user, day, &outcome, now).await?)).await
    }
}
