//! The people around a user: "Find partners" (users with where each stands with the viewer),
//! partners in common, and people the viewer may know. Every walk is bounded, whatever the
//! graph: the bounds are the constants below, and past one the answer says it is a lower bound.
//!
//! Suggestions are partners of the viewer's partners, ranked by how many partners they share
//! with the viewer, then newest user first; after them, when there are too few, the newest users.
//! The walk reads at most `PARTNERS_WALKED × PARTNERS_OF_PARTNER` partnership index entries; who
//! may be suggested (`Standing::may_suggest`) is checked for the best-ranked only,
//! [`CANDIDATES_CHECKED`] at most.

use super::handle::Service;
use crate::domain::{
    Candidate, CountedPage, InCommon, Lifecycle, PageRequest, PartnerScan, RuleError, SearchQuery, Standing,
    Suggestion, SuggestionCount, Timestamp, UncountedPage, User, UserId,
};
use crate::store::search::UserSearch;
use crate::store::{Conn, StoreResult, network, standings, users};

/// Partners of the less-connected user examined for the API's list of partners in common.
pub const EXAMINED_FOR_LIST: i64 = 2_000;
/// Partners examined for the count a row shows (a page shows dozens of rows).
pub const EXAMINED_FOR_ROW: i64 = 200;
/// The viewer's partners whose partners are looked at for suggestions.
pub const PARTNERS_WALKED: i64 = 100;
/// Partners looked at per partner of the viewer.
pub const PARTNERS_OF_PARTNER: i64 = 100;
/// Candidates (best-ranked first) checked against the exclusions before giving up.
const CANDIDATES_CHECKED: usize = 200;
/// Newest users looked at to fill up the suggestions with people sharing no partner.
const NEWEST_LOOKED_AT: i64 = 100;

#[derive(Clone, Copy)]
pub struct Network<'a>(pub(super) &'a Service);

impl Network<'_> {
    /// Users other than `viewer` matching `query`, by name, one page, each with where they stand
    /// with `viewer` (a search: in the searches' lane).
    pub async fn candidates(
        self,
        viewer: UserId,
        query: &SearchQuery,
        page: PageRequest,
    ) -> StoreResult<UncountedPage<Candidate>> {
        let (service, query) = (self.0.clone(), query.clone());
        self.0.0.db.search(async move |conn| candidates_in(&service, conn, viewer, &query, page).await).await
    }

    /// One user with where they stand with `viewer` (`None` when there is no such user).
    pub async fn candidate(self, viewer: UserId, other: UserId) -> StoreResult<Option<Candidate>> {
        let service = self.0.clone();
        self.0.0.db.snapshot(async move |conn| candidate_in(&service, conn, viewer, other).await).await
    }

    /// The users who are partners of both `user` and `other`, by id, one page. `total_exact` is
    /// false when the less-connected of the two has more partners than [`EXAMINED_FOR_LIST`]:
    /// only their newest that many were examined.
    pub async fn in_common(self, user: UserId, other: UserId, page: PageRequest) -> StoreResult<CountedPage<User>> {
        let service = self.0.clone();
        self.0
            .0
            .db
            .snapshot(async move |conn| {
                let degrees = network::degrees(conn, &[user, other]).await?;
                let Some(&other_degree) = degrees.get(&other) else { return Err(RuleError::UserNotFound.into()) };
                let user_degree = degrees.get(&user).copied().unwrap_or(0);
                let (walked, walked_degree, checked) =
                    if user_degree <= other_degree { (user, user_degree, other) } else { (other, other_degree, user) };
                let mut ids = network::common_partners(conn, walked, checked, EXAMINED_FOR_LIST).await?;
                ids.sort_unstable();
                let total = ids.len() as i64;
                let start = (page.offset() as usize).min(ids.len());
                let end = (start + page.limit() as usize).min(ids.len());
                let items = service.0.caches.users.in_order(conn, &ids[start..end]).await?;
                Ok(CountedPage { items, page, total, total_exact: walked_degree <= EXAMINED_FOR_LIST })
            })
            .await
    }

    /// Up to `count` people `viewer` may know, best first (see the module doc).
    pub async fn suggestions(self, viewer: UserId, count: SuggestionCount) -> StoreResult<Vec<Suggestion>> {
        let service = self.0.clone();
        self.0.0.db.snapshot(async move |conn| suggestions_in(&service, conn, viewer, count.get()).await).await
    }
}

/// Where each of `others` stands with `viewer` at `now`, in their order: the facts of each pair
/// (one statement for a page of them), then, for those whose standing depends on it, whether the
/// two share a partner (as far as `scan` looks), then the domain's verdict.
pub(super) async fn standings(
    conn: &mut Conn<'_>,
    viewer: UserId,
    others: &[UserId],
    lifecycle: Lifecycle,
    now: Timestamp,
    scan: PartnerScan,
) -> StoreResult<Vec<Standing>> {
    let mut found = std::collections::HashMap::with_capacity(others.len());
    for (id, mut facts) in standings::pair_facts(conn, viewer, others, now).await? {
        if facts.needs_shared_partner() {
            facts.shares_partner = scan.shares(network::shares_partner(conn, viewer, id, scan.looked_at).await?);
        }
        found.insert(id, Standing::from_facts(facts, lifecycle, now));
    }
    Ok(others.iter().map(|id| found.get(id).copied().unwrap_or(Standing::Unrelated)).collect())
}

/// Users other than `viewer` matching `query`, by name, one page, each with where they stand
/// with `viewer` and their partners in common.
pub(super) async fn candidates_in(
    service: &Service,
    conn: &mut Conn<'_>,
    viewer: UserId,
    query: &SearchQuery,
    page: PageRequest,
) -> StoreResult<UncountedPage<Candidate>> {
    let found = UserSearch::new(service.0.db.backend(), query).page(conn, page, Some(viewer)).await?;
    let UncountedPage { items: ids, page, has_more, capped } =
        UncountedPage::from_one_more(found.ids, page, found.capped);
    let users = service.0.caches.users.in_order(conn, &ids).await?;
    let items = with_standing(service, conn, viewer, users).await?;
    Ok(UncountedPage { items, page, has_more, capped })
}

/// One user with where they stand with `viewer` (`None` when there is no such user).
pub(super) async fn candidate_in(
    service: &Service,
    conn: &mut Conn<'_>,
    viewer: UserId,
    other: UserId,
) -> StoreResult<Option<Candidate>> {
    let cache = &service.0.caches.users;
    let user = match cache.get(other) {
        Some(user) => user,
        None => match users::find(conn, other).await? {
            Some(user) => {
                cache.insert(&user);
                user
            }
            None => return Ok(None),
        },
    };
    Ok(with_standing(service, conn, viewer, vec![user]).await?.pop())
}

/// `users` as candidates: each with where they stand with `viewer` and their partners in common.
async fn with_standing(
    service: &Service,
    conn: &mut Conn<'_>,
    viewer: UserId,
    users: Vec<User>,
) -> StoreResult<Vec<Candidate>> {
    let ids: Vec<UserId> = users.iter().map(|user| user.id).collect();
    let now = service.now();
    let standings = standings(conn, viewer, &ids, service.0.lifecycle, now, PartnerScan::FOR_PAGES).await?;
    let in_common = in_common_of(service, conn, viewer, &ids).await?;
    Ok(users
        .into_iter()
        .zip(standings)
        .zip(in_common)
        .map(|((user, standing), in_common)| Candidate { user, standing, in_common })
        .collect())
}

/// For each of `others`, their partners in common with `viewer` as a row shows them: a count
/// (bounded by [`EXAMINED_FOR_ROW`]) and the first few names.
pub(super) async fn in_common_of(
    service: &Service,
    conn: &mut Conn<'_>,
    viewer: UserId,
    others: &[UserId],
) -> StoreResult<Vec<InCommon>> {
    let mut asked = vec![viewer];
    asked.extend_from_slice(others);
    let degrees = network::degrees(conn, &asked).await?;
    let viewer_degree = degrees.get(&viewer).copied().unwrap_or(0);
    let mut found = Vec::with_capacity(others.len());
    for &other in others {
        let other_degree = degrees.get(&other).copied().unwrap_or(0);
        // Someone without partners shares none: most rows cost no statement at all.
        if viewer_degree == 0 || other_degree == 0 || other == viewer {
            found.push(InCommon::default());
            continue;
        }
        let (walked, walked_degree, checked) =
            if viewer_degree <= other_degree { (viewer, viewer_degree, other) } else { (other, other_degree, viewer) };
        let mut ids = network::common_partners(conn, walked, checked, EXAMINED_FOR_ROW).await?;
        ids.sort_unstable();
        let first = service.0.caches.users.in_order(conn, &ids[..ids.len().min(InCommon::NAMES_SHOWN)]).await?;
        found.push(InCommon { count: ids.len() as i64, at_least: walked_degree > EXAMINED_FOR_ROW, first });
    }
    Ok(found)
}

/// Up to `count` people `viewer` may know, best first (see the module doc).
pub(super) async fn suggestions_in(
    service: &Service,
    conn: &mut Conn<'_>,
    viewer: UserId,
    count: usize,
) -> StoreResult<Vec<Suggestion>> {
    let shared = network::partners_of_partners(conn, viewer, PARTNERS_WALKED, PARTNERS_OF_PARTNER).await?;
    // Ids grow with creation, so the higher id is the newer user.
    let mut ranked: Vec<(UserId, i64)> = shared.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    ranked.truncate(CANDIDATES_CHECKED);
    let (lifecycle, now) = (service.0.lifecycle, service.now());
    let mut chosen = allowed(conn, viewer, &ranked, count, lifecycle, now).await?;
    if chosen.len() < count {
        let others: Vec<(UserId, i64)> = users::newest(conn, NEWEST_LOOKED_AT)
            .await?
            .into_iter()
            .filter(|id| *id != viewer && !ranked.iter().any(|(known, _)| known == id))
            .map(|id| (id, 0))
            .collect();
        chosen.extend(allowed(conn, viewer, &others, count - chosen.len(), lifecycle, now).await?);
    }
    let ids: Vec<UserId> = chosen.iter().map(|(id, _)| *id).collect();
    let users = service.0.caches.users.in_order(conn, &ids).await?;
    Ok(users.into_iter().zip(chosen).map(|(user, (_, n))| Suggestion { user, partners_in_common: n }).collect())
}

/// The first `count` of `candidates`, in order, that `viewer` may be suggested.
async fn allowed(
    conn: &mut Conn<'_>,
    viewer: UserId,
    candidates: &[(UserId, i64)],
    count: usize,
    lifecycle: Lifecycle,
    now: Timestamp,
) -> StoreResult<Vec<(UserId, i64)>> {
    let mut chosen = Vec::with_capacity(count);
    // A page's worth at a time: the best-ranked are usually allowed, so one statement suffices.
    for chunk in candidates.chunks(count.max(1)) {
        let ids: Vec<UserId> = chunk.iter().map(|(id, _)| *id).collect();
        let standing = standings(conn, viewer, &ids, lifecycle, now, PartnerScan::FOR_PAGES).await?;
        for (candidate, standing) in chunk.iter().zip(standing) {
            if standing.may_suggest() {
                chosen.push(*candidate);
                if chosen.len() == count {
                    return Ok(chosen);
                }
            }
        }
    }
    Ok(chosen)
}
