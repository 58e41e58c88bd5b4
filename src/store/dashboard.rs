//! What a user's dashboard shows, read from one snapshot and kept per user while nothing it
//! depends on has changed.
//!
//! Every change to a user's requests, partnerships, blocks or notifications bumps their
//! `user_counts.version` in the same transaction (migration 0009, by triggers), and every added
//! user bumps `users_version`. A dashboard read at a pair of numbers is therefore right for as
//! long as the database still holds that pair, on this instance or any other sharing the
//! database; each page view reads the pair (a primary-key read) and reads the lists again only
//! when it moved. Time changes what a dashboard shows without any write (a request expires, a
//! cooldown ends), so a kept one is also used only before the first such instant it contains.

use std::sync::Arc;

use super::db::{Columns, Conn, DbResult, params};
use super::notifications::unread_count;
use super::request_lists::{Side, next_expiry};
use super::{Store, StoreResult};
use crate::cache::{Cache, Stamped, Weigh};
use crate::domain::{
    Candidate, PageRequest, Paged, Partnership, RequestWithUser, SearchQuery, Slice, Suggestion, Timestamp, UserId,
};

/// People the dashboard suggests ("People you may know").
pub const DASHBOARD_SUGGESTIONS: usize = 5;

/// A user's three lists and unread count, as of one moment.
#[derive(Debug, Clone)]
pub struct Relations {
    pub incoming: Paged<RequestWithUser>,
    pub sent: Paged<RequestWithUser>,
    pub partners: Paged<Partnership>,
    pub unread: i64,
    /// The first instant at which one of the user's pending requests expires.
    pub next_expiry: Option<Timestamp>,
}

/// Everything the dashboard shows from the database: the user's relations and the first page
/// of "Find partners" (everyone, by name, each with where they stand with the user).
#[derive(Debug)]
pub struct Dashboard {
    pub relations: Relations,
    pub candidates: Slice<Candidate>,
    pub suggestions: Vec<Suggestion>,
}

impl Dashboard {
    /// Until when time alone leaves it right: the first request to expire or cooldown to end.
    fn valid_until(&self) -> Option<Timestamp> {
        let cooldowns = self.candidates.items.iter().filter_map(|c| c.standing.retry_at());
        cooldowns.chain(self.relations.next_expiry).min()
    }
}

/// The numbers a dashboard was read at, and the size of its candidates page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    user: i64,
    users: i64,
    /// Partners of partners change partners in common and suggestions (migration 0014).
    partnerships: i64,
    candidates: PageRequest,
}

const STAMP: &str = "select c.version as user_version, v.version as users_version, \
       pv.version as partnerships_version \
     from user_counts c, users_version v, partnerships_version pv \
     where c.user_id = $1 and v.only_row = 1 and pv.only_row = 1";

impl Store {
    /// `viewer`'s dashboard with a first candidates page of `candidates`' size: the one kept
    /// when the database says nothing it shows has changed since, else read afresh (and kept).
    pub async fn dashboard(&self, viewer: UserId, candidates: PageRequest) -> StoreResult<Arc<Dashboard>> {
        let (user, users, partnerships) = self
            .db
            .read(async move |conn| Ok(conn.fetch_one(STAMP, params![viewer.get()], &stamp_columns).await?))
            .await?;
        let now = self.now();
        let kept = self.dashboards.get_at(&viewer.get(), &Stamp { user, users, partnerships, candidates });
        if let Some(kept) = kept.filter(|kept| kept.valid_until().is_none_or(|until| now < until)) {
            return Ok(kept);
        }
        let store = self.clone();
        let (stamp, dashboard) = self
            .db
            .snapshot(async move |conn| {
                // Read again inside the snapshot: the lists below are exactly as of these numbers.
                let (user, users, partnerships) = conn.fetch_one(STAMP, params![viewer.get()], &stamp_columns).await?;
                let found = store.candidates_in(conn, viewer, &SearchQuery::default(), candidates).await?;
                let relations = store.relations_in(conn, viewer, now).await?;
                let suggestions = store.suggestions_in(conn, viewer, DASHBOARD_SUGGESTIONS).await?;
                let stamp = Stamp { user, users, partnerships, candidates };
                Ok((stamp, Arc::new(Dashboard { relations, candidates: found, suggestions })))
            })
            .await?;
        self.dashboards.insert(viewer.get(), Stamped { stamp, value: dashboard.clone() });
        Ok(dashboard)
    }

    /// The newest page of each of `user`'s lists and their unread count, as of one moment.
    pub async fn relations(&self, user: UserId) -> StoreResult<Relations> {
        let (store, now) = (self.clone(), self.now());
        self.db.snapshot(async move |conn| store.relations_in(conn, user, now).await).await
    }

    /// Everything the dashboard shows for a search typed with JavaScript off: one page of
    /// `query`'s candidates and `viewer`'s lists, as of one moment.
    pub async fn dashboard_search(
        &self,
        viewer: UserId,
        query: &SearchQuery,
        page: PageRequest,
    ) -> StoreResult<Dashboard> {
        let (store, query, now) = (self.clone(), query.clone(), self.now());
        self.db
            .search(async move |conn| {
                let candidates = store.candidates_in(conn, viewer, &query, page).await?;
                let relations = store.relations_in(conn, viewer, now).await?;
                let suggestions = store.suggestions_in(conn, viewer, DASHBOARD_SUGGESTIONS).await?;
                Ok(Dashboard { relations, candidates, suggestions })
            })
            .await
    }

    async fn relations_in(&self, conn: &mut Conn<'_>, user: UserId, now: Timestamp) -> StoreResult<Relations> {
        let page = PageRequest::default();
        Ok(Relations {
            incoming: self.pending_with_users(conn, user, page, Side::Received, now).await?,
            sent: self.pending_with_users(conn, user, page, Side::Sent, now).await?,
            partners: self.partnerships_in(conn, user, page).await?,
            unread: unread_count(conn, user).await?,
            next_expiry: next_expiry(conn, user, now).await?,
        })
    }
}

fn stamp_columns(row: &dyn Columns) -> DbResult<(i64, i64, i64)> {
    Ok((row.int("user_version")?, row.int("users_version")?, row.int("partnerships_version")?))
}

/// Dashboards by user id, each with the [`Stamp`] it was read at.
pub(super) type DashboardCache = Cache<i64, Stamped<Stamp, Arc<Dashboard>>>;

/// A dashboard's size, roughly: each list's rows and the messages they carry (names and e-mails
/// are shared with the kept users, not copied).
impl Weigh for Dashboard {
    fn bytes(&self) -> usize {
        let Relations { incoming, sent, partners, .. } = &self.relations;
        let requests: usize = incoming
            .items
            .iter()
            .chain(&sent.items)
            .map(|item| size_of::<RequestWithUser>() + item.request.message.as_ref().map_or(0, String::len))
            .sum();
        size_of::<Self>()
            + requests
            + partners.items.len() * size_of::<Partnership>()
            + self.candidates.items.len() * size_of::<Candidate>()
            + self.suggestions.len() * size_of::<Suggestion>()
    }
}

/// A dashboard's size, for the cache's estimate of how many it holds.
pub(super) const TYPICAL_DASHBOARD_BYTES: u64 = 8 << 10;
