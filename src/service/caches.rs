//! What the service keeps between requests, each bounded in bytes (see `cache.rs`): users once
//! read, recent searches, and dashboards. Each is right for as long as the database says so,
//! for this instance and any other sharing the database: users never change, searches are kept
//! against the users version, dashboards against their user's versions.

use std::sync::Arc;

use crate::cache::{Cache, Stamped, Usage, Weigh};
use crate::domain::{
    Candidate, CountedPage, Dashboard, PageRequest, Partnership, Relations, RequestWithUser, RuleError, Suggestion,
    User, UserId,
};
use crate::store::{Conn, StoreResult, users};

/// Bytes of users kept.
const USER_CACHE_BYTES: u64 = 1 << 20;
/// Bytes of searches kept.
const SEARCH_CACHE_BYTES: u64 = 1 << 20;

pub(super) struct Caches {
    pub users: UserCache,
    pub searches: SearchCache,
    pub dashboards: DashboardCache,
}

impl Caches {
    pub fn new(dashboard_bytes: u64) -> Self {
        Self {
            users: UserCache(Cache::new("users", USER_CACHE_BYTES, 160)),
            searches: Cache::new("searches", SEARCH_CACHE_BYTES, 4 << 10),
            dashboards: Cache::new("dashboards", dashboard_bytes, TYPICAL_DASHBOARD_BYTES),
        }
    }

    pub fn usage(&self) -> [Usage; 3] {
        [self.users.0.usage(), self.searches.usage(), self.dashboards.usage()]
    }
}

/// Search results by (query, limit, offset), each with the `users_version` it was computed at.
/// Users are never changed or deleted, so an entry is right while the version is unchanged.
pub(super) type SearchCache = Cache<(String, i64, i64), Stamped<i64, CountedPage<User>>>;

/// Dashboards by user id, each with the stamp it was read at.
pub(super) type DashboardCache = Cache<i64, Stamped<DashboardStamp, Arc<Dashboard>>>;

/// Users by id, as read. Users are never changed or deleted, so an entry can never go stale;
/// only misses reach the database.
pub(super) struct UserCache(Cache<i64, User>);

impl Weigh for User {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.name.as_str().len() + self.email.as_str().len()
    }
}

impl Weigh for CountedPage<User> {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.items.iter().map(Weigh::bytes).sum::<usize>()
    }
}

impl UserCache {
    pub fn get(&self, id: UserId) -> Option<User> {
        self.0.get(&id.get())
    }

    pub fn insert(&self, user: &User) {
        self.0.insert(user.id.get(), user.clone());
    }

    /// The users `ids` name, in that order: those kept from here, the rest read on `conn` and
    /// kept. Lists read their rows' user ids and take the users from here rather than joining the
    /// users table, whose rows cost more to read than to copy. Every id must name a user (a
    /// foreign key does, in every list).
    pub async fn in_order(&self, conn: &mut Conn<'_>, ids: &[UserId]) -> StoreResult<Vec<User>> {
        let mut found: Vec<Option<User>> = ids.iter().map(|&id| self.get(id)).collect();
        let mut missing: Vec<UserId> =
            ids.iter().zip(&found).filter(|(_, user)| user.is_none()).map(|(id, _)| *id).collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            missing.dedup();
            for user in users::by_ids(conn, &missing).await? {
                self.insert(&user);
                for (id, slot) in ids.iter().zip(found.iter_mut()) {
                    if *id == user.id {
                        *slot = Some(user.clone());
                    }
                }
            }
        }
        found.into_iter().map(|user| user.ok_or_else(|| RuleError::UserNotFound.into())).collect()
    }

    /// `page` with each item joined to the user `other` names in it (see [`Self::in_order`]).
    pub async fn attach<T, U>(
        &self,
        conn: &mut Conn<'_>,
        page: CountedPage<T>,
        other: impl Fn(&T) -> UserId,
        join: impl Fn(T, User) -> U,
    ) -> StoreResult<CountedPage<U>> {
        let ids: Vec<UserId> = page.items.iter().map(other).collect();
        let users = self.in_order(conn, &ids).await?;
        let items = page.items.into_iter().zip(users).map(|(item, user)| join(item, user)).collect();
        Ok(CountedPage { items, page: page.page, total: page.total, total_exact: page.total_exact })
    }
}

/// The numbers a dashboard was read at, and the size of its candidates page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DashboardStamp {
    pub user: i64,
    pub users: i64,
    /// Partners of partners change partners in common and suggestions (migration 0014).
    pub partnerships: i64,
    pub candidates: PageRequest,
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
const TYPICAL_DASHBOARD_BYTES: u64 = 8 << 10;
