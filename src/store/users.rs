//! Users: creation, lookup and search.

use super::db::{Conn, DbResult, Value, params};
use super::rows;
use super::search::{UserSearch, slice};
use super::{Store, StoreResult};
use crate::cache::{Cache, Stamped, Usage, Weigh};
use crate::domain::{Email, PageRequest, Paged, RuleError, SearchQuery, Slice, User, UserId, UserName};

impl Store {
    /// Creates a user; an e-mail already registered (in any letter case) is `EmailTaken`.
    pub async fn create_user(&self, email: &Email, name: &UserName) -> StoreResult<User> {
        let (email, name, now) = (email.clone(), name.clone(), self.now());
        self.db
            .write(async move |conn| {
                let search_key = name.search_key();
                let inserted = conn
                    .fetch_one(
                        "insert into users (email, name, name_key, created_at) values ($1, $2, $3, $4) \
                         returning user_id",
                        params![email.as_str(), name.as_str(), search_key.as_str(), now.millis()],
                        &|row| row.int("user_id"),
                    )
                    .await;
                let id = match inserted {
                    Ok(id) => id,
                    Err(e) if e.is_unique_violation() => return Err(RuleError::EmailTaken.into()),
                    Err(e) => return Err(e.into()),
                };
                Ok(User { id: crate::domain::Id::new(id), email: email.clone(), name: name.clone(), created_at: now })
            })
            .await
    }

    /// The user `id`; every signed-in page asks, so users once read are remembered (see
    /// [`UserCache`]). An unknown id always asks the database.
    pub async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        if let Some(user) = self.users.get(id) {
            return Ok(Some(user));
        }
        let user = self
            .db
            .read(async move |conn| Ok(conn.fetch_optional(SELECT_USER, params![id.get()], &rows::user).await?))
            .await?;
        if let Some(user) = &user {
            self.users.insert(user);
        }
        Ok(user)
    }

    /// Like [`Store::user`], but a missing user is `UserNotFound`.
    pub async fn existing_user(&self, id: UserId) -> StoreResult<User> {
        self.user(id).await?.ok_or_else(|| RuleError::UserNotFound.into())
    }

    /// Whether `id` names a user (every authenticated request asks).
    pub async fn user_exists(&self, id: UserId) -> StoreResult<bool> {
        Ok(self.users.contains(id) || self.user(id).await?.is_some())
    }

    /// True when no user exists yet.
    pub async fn has_no_users(&self) -> StoreResult<bool> {
        self.db
            .read(async |conn| {
                let any =
                    conn.fetch_optional("select user_id from users limit 1", &[], &|row| row.int("user_id")).await?;
                Ok(any.is_none())
            })
            .await
    }

    /// Users whose name or e-mail contains `query` (all when empty), by name, one page.
    pub async fn users_page(&self, query: &SearchQuery, page: PageRequest) -> StoreResult<Slice<User>> {
        let store = self.clone();
        let search = UserSearch::new(self.backend(), query);
        self.db
            .search(async move |conn| {
                let found = search.page(conn, page, None).await?;
                let users = store.users.in_order(conn, &found.ids).await?;
                Ok(slice(users, page, found.capped))
            })
            .await
    }

    /// Users whose name or e-mail contains `query` (all users when it is empty), by name, with
    /// the number of matches (see `search.rs` for the bound on a search's work). A search
    /// repeated while no user was added is answered from [`SearchCache`], a quick read; only
    /// the others are searches.
    pub async fn search_users(&self, query: &SearchQuery, page: PageRequest) -> StoreResult<Paged<User>> {
        let key = (query.as_str().to_owned(), page.limit(), page.offset());
        let (store, kept) = (self.clone(), key.clone());
        let cached = self
            .db
            .read(async move |conn| {
                let version = conn.fetch_one(USERS_VERSION, &[], &|row| row.int("version")).await?;
                Ok(store.searches.get_at(&kept, &version))
            })
            .await?;
        if let Some(found) = cached {
            return Ok(found);
        }
        let store = self.clone();
        let search = UserSearch::new(self.backend(), query);
        self.db
            .search(async move |conn| {
                // In the search's snapshot, so the entry is kept with the version it matches.
                let version = conn.fetch_one(USERS_VERSION, &[], &|row| row.int("version")).await?;
                let found = search.page(conn, page, None).await?;
                let mut ids = found.ids;
                ids.truncate(page.size() as usize);
                let items = store.users.in_order(conn, &ids).await?;
                let paged = Paged { items, page, total: found.matched, total_exact: !found.capped };
                store.searches.insert(key.clone(), Stamped { stamp: version, value: paged.clone() });
                Ok(paged)
            })
            .await
    }
}

const USERS_VERSION: &str = "select version from users_version where only_row = 1";

/// Search results by (query, limit, offset), each with the `users_version` it was computed at.
/// Users are never changed or deleted, so an entry is right while the version is unchanged.
pub(super) type SearchCache = Cache<SearchKey, Stamped<i64, Paged<User>>>;

type SearchKey = (String, i64, i64);

/// Bytes of searches kept.
pub(super) const SEARCH_CACHE_BYTES: u64 = 1 << 20;

/// Bytes of users kept.
pub(super) const USER_CACHE_BYTES: u64 = 1 << 20;

/// Users not kept are read this many to a statement.
const USERS_BY_ID_SLOTS: usize = 10;
const USERS_BY_ID: &str =
    "select user_id, email, name, created_at from users where user_id in ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Users by id, as read. Users are never changed or deleted, so an entry can never go stale,
/// for this instance or any other sharing the database; only misses reach the database.
pub(super) struct UserCache(Cache<i64, User>);

impl Weigh for User {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.name.as_str().len() + self.email.as_str().len()
    }
}

impl Weigh for Paged<User> {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.items.iter().map(Weigh::bytes).sum::<usize>()
    }
}

impl UserCache {
    pub(super) fn new() -> Self {
        Self(Cache::new("users", USER_CACHE_BYTES, 160))
    }

    pub(super) fn usage(&self) -> Usage {
        self.0.usage()
    }

    fn get(&self, id: UserId) -> Option<User> {
        self.0.get(&id.get())
    }

    fn contains(&self, id: UserId) -> bool {
        self.0.contains(&id.get())
    }

    /// The users `ids` name, in that order: those kept from here, the rest read by `reader` (ten
    /// to a statement, a primary-key lookup each) and kept. Lists read their rows' user ids and
    /// take the users from here rather than joining the users table, whose rows cost more to
    /// read than to copy. Every id must name a user (a foreign key does, in every list).
    pub(super) async fn in_order(&self, conn: &mut Conn<'_>, ids: &[UserId]) -> StoreResult<Vec<User>> {
        let mut users: Vec<Option<User>> = ids.iter().map(|&id| self.get(id)).collect();
        let mut missing: Vec<i64> =
            ids.iter().zip(&users).filter(|(_, user)| user.is_none()).map(|(id, _)| id.get()).collect();
        missing.sort_unstable();
        missing.dedup();
        for chunk in missing.chunks(USERS_BY_ID_SLOTS) {
            // Unused slots repeat an id, so one statement text serves every chunk.
            let slots: Vec<Value> =
                (0..USERS_BY_ID_SLOTS).map(|i| Value::from(chunk[i.min(chunk.len() - 1)])).collect();
            for user in conn.fetch_all(USERS_BY_ID, &slots, &rows::user).await? {
                self.insert(&user);
                for (id, slot) in ids.iter().zip(users.iter_mut()) {
                    if *id == user.id {
                        *slot = Some(user.clone());
                    }
                }
            }
        }
        users.into_iter().map(|user| user.ok_or_else(|| RuleError::UserNotFound.into())).collect()
    }

    /// `page` with each item joined to the user `other` names in it (see [`Self::in_order`]).
    pub(super) async fn attach<T, U>(
        &self,
        conn: &mut Conn<'_>,
        page: Paged<T>,
        other: impl Fn(&T) -> UserId,
        join: impl Fn(T, User) -> U,
    ) -> StoreResult<Paged<U>> {
        let ids: Vec<UserId> = page.items.iter().map(other).collect();
        let users = self.in_order(conn, &ids).await?;
        let items = page.items.into_iter().zip(users).map(|(item, user)| join(item, user)).collect();
        Ok(Paged { items, page: page.page, total: page.total, total_exact: page.total_exact })
    }

    fn insert(&self, user: &User) {
        self.0.insert(user.id.get(), user.clone());
    }
}

pub(super) const SELECT_USER: &str = "select user_id, email, name, created_at from users where user_id = $1";

/// One user, read inside a store call's transaction.
pub(super) async fn user_in(conn: &mut Conn<'_>, id: UserId) -> DbResult<Option<User>> {
    conn.fetch_optional(SELECT_USER, params![id.get()], &rows::user).await
}
