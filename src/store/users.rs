//! Users: creation, lookup and search.

use std::collections::HashSet;
use std::sync::RwLock;

use sqlx::Row;

use super::rows::{self, USER_COLUMNS};
use super::{Store, StoreResult, is_unique_violation};
use crate::domain::{Email, PageRequest, Paged, RuleError, SearchQuery, Timestamp, User, UserId, UserName};

impl Store {
    /// Creates a user; an e-mail already registered (in any letter case) is `EmailTaken`.
    pub async fn create_user(&self, email: &Email, name: &UserName) -> StoreResult<User> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "insert into users (email, name, name_key, created_at) values ($1, $2, $3, $4) returning user_id",
        )
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(name.search_key())
        .bind(now.millis())
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get(0)?,
            Err(e) if is_unique_violation(&e) => return Err(RuleError::EmailTaken.into()),
            Err(e) => return Err(e.into()),
        };
        tx.commit().await?;
        Ok(User { id: crate::domain::Id::new(id), email: email.clone(), name: name.clone(), created_at: now })
    }

    pub async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!("select {USER_COLUMNS} from users where user_id = $1"))
            .bind(id.get())
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|r| rows::user(&r, "")).transpose()?)
    }

    /// Like [`Store::user`], but a missing user is `UserNotFound`.
    pub async fn existing_user(&self, id: UserId) -> StoreResult<User> {
        self.user(id).await?.ok_or_else(|| RuleError::UserNotFound.into())
    }

    /// Whether `id` names a user. Every authenticated request asks, so a positive answer is
    /// remembered (see [`KnownUsers`]); an unknown id always asks the database.
    pub async fn user_exists(&self, id: UserId) -> StoreResult<bool> {
        if self.known_users.contains(id) {
            return Ok(true);
        }
        let row =
            sqlx::query("select 1 from users where user_id = $1").bind(id.get()).fetch_optional(&self.reader).await?;
        if row.is_some() {
            self.known_users.insert(id);
        }
        Ok(row.is_some())
    }

    /// Users whose name or e-mail contains `query` (all users when it is empty), by name.
    pub async fn search_users(&self, query: &SearchQuery, page: PageRequest) -> StoreResult<Paged<User>> {
        let filter =
            if query.is_empty() { "$1 = $1" } else { "(name_key like $1 escape '\\' or email like $1 escape '\\')" };
        let pattern = query.like_pattern();
        let items = sqlx::query(&format!(
            "select {USER_COLUMNS} from users where {filter} order by name_key, user_id limit $2 offset $3"
        ))
        .bind(&pattern)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| rows::user(r, ""))
        .collect::<Result<Vec<_>, _>>()?;
        let total: i64 = sqlx::query_scalar(&format!("select count(*) from users where {filter}"))
            .bind(&pattern)
            .fetch_one(&self.reader)
            .await?;
        Ok(Paged { items, page, total })
    }
}

/// Ids of users known to exist. Users are never deleted, so "exists" can never turn false and
/// the set is right for every instance sharing the database; only misses reach it. It is bounded
/// (about 2 MB at most): when full it starts over, which costs one query per user afterwards.
#[derive(Default)]
pub(super) struct KnownUsers(RwLock<HashSet<i64>>);

impl KnownUsers {
    const CAPACITY: usize = 100_000;

    fn contains(&self, id: UserId) -> bool {
        self.0.read().is_ok_and(|set| set.contains(&id.get()))
    }

    fn insert(&self, id: UserId) {
        if let Ok(mut set) = self.0.write() {
            if set.len() >= Self::CAPACITY {
                set.clear();
            }
            set.insert(id.get());
        }
    }
}
