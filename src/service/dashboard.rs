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

use super::Service;
use super::network::{candidate_in, candidates_in, in_common_of, suggestions_in};
use crate::cache::{Stamped, Weigh};
use crate::domain::{
    Candidate, CountedPage, InCommon, PageRequest, PartnerRequest, Partnership, RequestWithUser, SearchQuery,
    Suggestion, Timestamp, UncountedPage, User, UserId,
};
use crate::store::request_lists::{self, Side};
use crate::store::{Conn, StoreResult, counts, notifications, partnerships, users};

/// People the dashboard suggests ("People you may know").
pub const DASHBOARD_SUGGESTIONS: usize = 5;

/// A user's three lists and unread count, as of one moment.
#[derive(Debug, Clone)]
pub struct Relations {
    pub incoming: CountedPage<RequestWithUser>,
    pub sent: CountedPage<RequestWithUser>,
    pub partners: CountedPage<Partnership>,
    pub unread: i64,
    /// The first instant at which one of the user's pending requests expires.
    pub next_expiry: Option<Timestamp>,
}

/// Everything the dashboard shows from the database: the user's relations and the first page
/// of "Find partners" (everyone, by name, each with where they stand with the user).
#[derive(Debug)]
pub struct Dashboard {
    pub relations: Relations,
    pub candidates: UncountedPage<Candidate>,
    pub suggestions: Vec<Suggestion>,
}

/// What the answer to a dashboard action shows, read in one snapshot after the action's write:
/// the other person of the action, the viewer's lists, that person's row in "Find partners"
/// (when asked for) and the suggestions.
#[derive(Debug)]
pub struct AfterAction {
    pub other: Option<User>,
    pub relations: Relations,
    pub candidate: Option<Candidate>,
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
pub(super) struct DashboardStamp {
    user: i64,
    users: i64,
    /// Partners of partners change partners in common and suggestions (migration 0014).
    partnerships: i64,
    candidates: PageRequest,
}

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
