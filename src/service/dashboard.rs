//! What a user's dashboard shows, each read from one snapshot: the whole dashboard (kept per user
//! while nothing it depends on has changed), the same for a search typed with JavaScript off,
//! and what the answer to one of its actions shows.
//!
//! Every change to a user's requests, partnerships, blocks or notifications bumps their
//! `user_counts.version` in the same transaction (migration 0009, by triggers), and every added
//! user bumps `users_version`. A dashboard read at a pair of numbers is therefore right for as
//! long as the database still holds that pair, on this instance or any other sharing the
//! database; each page view reads the pair (a primary-key read) and reads the lists again only
//! when it moved. Time changes what a dashboard shows without any write (a request expires, a
//! cooldown ends), so a kept one is also used only before the first such instant it contains.

use std::sync::Arc;

use super::caches::DashboardStamp;
use super::handle::Service;
use super::network::{candidate_in, candidates_in, in_common_of, suggestions_in};
use crate::cache::Stamped;
use crate::domain::{
    AfterAction, CountedPage, Dashboard, InCommon, PageRequest, PartnerRequest, Partnership, Relations,
    RequestWithUser, SearchQuery, Timestamp, User, UserId,
};
use crate::store::request_lists::{self, Side};
use crate::store::{Conn, StoreResult, counts, notifications, partnerships, users};

/// People the dashboard suggests ("People you may know").
pub const DASHBOARD_SUGGESTIONS: usize = 5;

#[derive(Clone, Copy)]
pub struct Dashboards<'a>(pub(super) &'a Service);

impl Dashboards<'_> {
    /// `viewer`'s dashboard with a first candidates page of `candidates`' size: the one kept
    /// when the database says nothing it shows has changed since, else read afresh (and kept).
    pub async fn view(self, viewer: UserId, candidates: PageRequest) -> StoreResult<Arc<Dashboard>> {
        let shared = &self.0.0;
        let (user, users, partnerships) =
            shared.db.read(async move |conn| Ok(counts::dashboard_stamp(conn, viewer).await?)).await?;
        let now = self.0.now();
        let kept =
            shared.caches.dashboards.get_at(&viewer.get(), &DashboardStamp { user, users, partnerships, candidates });
        if let Some(kept) = kept.filter(|kept| kept.valid_until().is_none_or(|until| now < until)) {
            return Ok(kept);
        }
        let service = self.0.clone();
        let (stamp, dashboard) = shared
            .db
            .snapshot(async move |conn| {
                // Read again inside the snapshot: the lists below are exactly as of these numbers.
                let (user, users, partnerships) = counts::dashboard_stamp(conn, viewer).await?;
                let found = candidates_in(&service, conn, viewer, &SearchQuery::default(), candidates).await?;
                let relations = relations_in(&service, conn, viewer, now).await?;
                let suggestions = suggestions_in(&service, conn, viewer, DASHBOARD_SUGGESTIONS).await?;
                let stamp = DashboardStamp { user, users, partnerships, candidates };
                Ok((stamp, Arc::new(Dashboard { relations, candidates: found, suggestions })))
            })
            .await?;
        shared.caches.dashboards.insert(viewer.get(), Stamped { stamp, value: dashboard.clone() });
        Ok(dashboard)
    }

    /// Everything the dashboard shows for a search typed with JavaScript off: one page of
    /// `query`'s candidates and `viewer`'s lists, as of one moment.
    pub async fn search(self, viewer: UserId, query: &SearchQuery, page: PageRequest) -> StoreResult<Dashboard> {
        let (service, query, now) = (self.0.clone(), query.clone(), self.0.now());
        self.0
            .0
            .db
            .search(async move |conn| {
                let candidates = candidates_in(&service, conn, viewer, &query, page).await?;
                let relations = relations_in(&service, conn, viewer, now).await?;
                let suggestions = suggestions_in(&service, conn, viewer, DASHBOARD_SUGGESTIONS).await?;
                Ok(Dashboard { relations, candidates, suggestions })
            })
            .await
    }

    /// What the answer to `viewer`'s action with `other` (if the action had one other person)
    /// shows, as of one moment after it: one snapshot, whatever the answer holds
    /// (`with_candidate`: `other`'s row in "Find partners").
    pub async fn after_action(
        self,
        viewer: UserId,
        other: Option<UserId>,
        with_candidate: bool,
    ) -> StoreResult<AfterAction> {
        let (service, now) = (self.0.clone(), self.0.now());
        self.0
            .0
            .db
            .snapshot(async move |conn| {
                let candidate = match other {
                    Some(other) if with_candidate => candidate_in(&service, conn, viewer, other).await?,
                    _ => None,
                };
                let other = match (&candidate, other) {
                    (Some(candidate), _) => Some(candidate.user.clone()),
                    (None, Some(other)) => user_in(&service, conn, other).await?,
                    (None, None) => None,
                };
                let relations = relations_in(&service, conn, viewer, now).await?;
                let suggestions = suggestions_in(&service, conn, viewer, DASHBOARD_SUGGESTIONS).await?;
                Ok(AfterAction { other, relations, candidate, suggestions })
            })
            .await
    }
}

/// The user `id`, from the users kept or read in this snapshot.
async fn user_in(service: &Service, conn: &mut Conn<'_>, id: UserId) -> StoreResult<Option<User>> {
    let cache = &service.0.caches.users;
    if let Some(user) = cache.get(id) {
        return Ok(Some(user));
    }
    let user = users::find(conn, id).await?;
    if let Some(user) = &user {
        cache.insert(user);
    }
    Ok(user)
}

/// The newest page of each of `user`'s lists and their unread count.
async fn relations_in(service: &Service, conn: &mut Conn<'_>, user: UserId, now: Timestamp) -> StoreResult<Relations> {
    let page = PageRequest::default();
    Ok(Relations {
        incoming: pending_with_users(service, conn, user, page, Side::Received, now).await?,
        sent: pending_with_users(service, conn, user, page, Side::Sent, now).await?,
        partners: partnerships_of(service, conn, user, page).await?,
        unread: notifications::unread(conn, user).await?,
        next_expiry: request_lists::next_expiry(conn, user, now).await?,
    })
}

/// Pending requests on one `side` of `user` at `now`, newest first, each with the user on the
/// other side; received ones with the partners in common too (whom to accept is the question
/// they help with).
async fn pending_with_users(
    service: &Service,
    conn: &mut Conn<'_>,
    user: UserId,
    page: PageRequest,
    side: Side,
    now: Timestamp,
) -> StoreResult<CountedPage<RequestWithUser>> {
    let requests = request_lists::pending_page(conn, user, page, side, now).await?;
    let join = |request, other| RequestWithUser { request, other, in_common: InCommon::default() };
    let other = move |r: &PartnerRequest| match side {
        Side::Received => r.sender_id,
        Side::Sent => r.recipient_id,
    };
    let mut rows = service.0.caches.users.attach(conn, requests, other, join).await?;
    if side == Side::Received {
        let senders: Vec<UserId> = rows.items.iter().map(|row| row.other.id).collect();
        let found = in_common_of(service, conn, user, &senders).await?;
        rows.items.iter_mut().zip(found).for_each(|(row, in_common)| row.in_common = in_common);
    }
    Ok(rows)
}

/// The partnerships of `user`, newest first, each with the other member (from the users kept).
pub(super) async fn partnerships_of(
    service: &Service,
    conn: &mut Conn<'_>,
    user: UserId,
    page: PageRequest,
) -> StoreResult<CountedPage<Partnership>> {
    let found = partnerships::page(conn, user, page).await?;
    let join = |(id, _, created_at), partner| Partnership { id, partner, created_at };
    service.0.caches.users.attach(conn, found, |&(_, partner, _)| partner, join).await
}
