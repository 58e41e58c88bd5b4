//! Partners in common: the users who are partners of both of two users.
//!
//! Found by walking the partners of the less-connected of the two (newest partnership first)
//! and asking, for each, whether the other is their partner too (one lookup in the unique pair
//! index `partnerships_one_per_pair`). The walk stops after a fixed number of partners, so the
//! cost of a pair never depends on how many partners its best-connected member has; past that
//! bound the answer says it is a lower bound. Degrees come from `user_counts` (kept by triggers).

use std::collections::HashMap;

use super::db::{Conn, Value, params};
use super::{Backend, Store, StoreResult};
use crate::domain::{Id, InCommon, PageRequest, Paged, RuleError, User, UserId};

/// Partners of the less-connected user examined for the API's list of partners in common.
pub const EXAMINED_FOR_LIST: i64 = 2_000;
/// Partners examined for the count a row shows (a page shows dozens of rows).
pub const EXAMINED_FOR_ROW: i64 = 200;

impl Store {
    /// The users who are partners of both `user` and `other`, by id, one page. `total_exact` is
    /// false when the less-connected of the two has more partners than [`EXAMINED_FOR_LIST`]:
    /// only their newest that many were examined.
    pub async fn partners_in_common(&self, user: UserId, other: UserId, page: PageRequest) -> StoreResult<Paged<User>> {
        let store = self.clone();
        self.db
            .snapshot(async move |conn| {
                let degrees = degrees(conn, &[user, other]).await?;
                let Some(&other_degree) = degrees.get(&other) else { return Err(RuleError::UserNotFound.into()) };
                let user_degree = degrees.get(&user).copied().unwrap_or(0);
                let (walked, walked_degree, checked) =
                    if user_degree <= other_degree { (user, user_degree, other) } else { (other, other_degree, user) };
                let mut ids = common_ids(conn, store.backend(), walked, checked, EXAMINED_FOR_LIST).await?;
                ids.sort_unstable();
                let total = ids.len() as i64;
                let start = (page.offset() as usize).min(ids.len());
                let end = (start + page.limit() as usize).min(ids.len());
                let items = store.users.in_order(conn, &ids[start..end]).await?;
                Ok(Paged { items, page, total, total_exact: walked_degree <= EXAMINED_FOR_LIST })
            })
            .await
    }

    /// For each of `others`, their partners in common with `viewer` as a row shows them.
    pub(super) async fn in_common_in(
        &self,
        conn: &mut Conn<'_>,
        viewer: UserId,
        others: &[UserId],
    ) -> StoreResult<Vec<InCommon>> {
        let mut asked = vec![viewer];
        asked.extend_from_slice(others);
        let degrees = degrees(conn, &asked).await?;
        let viewer_degree = degrees.get(&viewer).copied().unwrap_or(0);
        let mut found = Vec::with_capacity(others.len());
        for &other in others {
            let other_degree = degrees.get(&other).copied().unwrap_or(0);
            // Someone without partners shares none: most rows cost no statement at all.
            if viewer_degree == 0 || other_degree == 0 || other == viewer {
                found.push(InCommon::default());
                continue;
            }
            let (walked, walked_degree, checked) = if viewer_degree <= other_degree {
                (viewer, viewer_degree, other)
            } else {
                (other, other_degree, viewer)
            };
            let mut ids = common_ids(conn, self.backend(), walked, checked, EXAMINED_FOR_ROW).await?;
            ids.sort_unstable();
            let first = self.users.in_order(conn, &ids[..ids.len().min(InCommon::NAMES_SHOWN)]).await?;
            found.push(InCommon { count: ids.len() as i64, at_least: walked_degree > EXAMINED_FOR_ROW, first });
        }
        Ok(found)
    }
}

/// Users whose degree one statement reads.
const DEGREE_SLOTS: usize = 21;

/// The number of partners of each of `users` that exists (from `user_counts`): one statement per
/// [`DEGREE_SLOTS`] users, a primary-key read each.
pub(super) async fn degrees(conn: &mut Conn<'_>, users: &[UserId]) -> StoreResult<HashMap<UserId, i64>> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let slots: Vec<String> = (1..=DEGREE_SLOTS).map(|n| format!("${n}")).collect();
        format!("select user_id, partnerships from user_counts where user_id in ({})", slots.join(", "))
    });
    let mut found = HashMap::with_capacity(users.len());
    for chunk in users.chunks(DEGREE_SLOTS) {
        // Unused slots repeat an id, so one statement text serves every chunk.
        let params: Vec<Value> = (0..DEGREE_SLOTS).map(|i| Value::from(chunk[i.min(chunk.len() - 1)].get())).collect();
        let rows =
            conn.fetch_all(sql, &params, &|row| Ok((Id::new(row.int("user_id")?), row.int("partnerships")?))).await?;
        found.extend(rows);
    }
    Ok(found)
}

/// The partners among the newest `limit` partners of `walked` who are partners of `checked` too.
async fn common_ids(
    conn: &mut Conn<'_>,
    backend: Backend,
    walked: UserId,
    checked: UserId,
    limit: i64,
) -> StoreResult<Vec<UserId>> {
    let sql = match backend {
        Backend::Sqlite => COMMON_SQLITE,
        Backend::Postgres => COMMON_POSTGRES,
    };
    let ids = conn
        .fetch_all(sql, params![walked.get(), checked.get(), limit], &|row| Ok(Id::new(row.int("partner_id")?)))
        .await?;
    Ok(ids)
}

/// Whether `mine.partner_id` and `$2` are partners: one lookup in the unique pair index.
macro_rules! partner_of_checked {
    () => {
        "exists (select 1 from partnerships p \
           where p.user_a_id = case when mine.partner_id < $2 then mine.partner_id else $2 end \
             and p.user_b_id = case when mine.partner_id < $2 then $2 else mine.partner_id end)"
    };
}

/// `$1`'s newest `$3` partners (both sides merged in index order, as the partnerships list
/// reads them) who are partners of `$2`.
const COMMON_SQLITE: &str = concat!(
    "select partner_id from ( \
       select user_b_id as partner_id, created_at, partnership_id from partnerships where user_a_id = $1 \
       union all \
       select user_a_id, created_at, partnership_id from partnerships where user_b_id = $1 \
       order by created_at desc, partnership_id desc limit $3) mine where ",
    partner_of_checked!()
);

/// The same; PostgreSQL sorts a union in full, so each side is cut at `$3` rows first.
const COMMON_POSTGRES: &str = concat!(
    "select partner_id from ( \
       select * from (select user_b_id as partner_id, created_at, partnership_id from partnerships \
                      where user_a_id = $1 order by created_at desc, partnership_id desc limit $3) mine_a \
       union all \
       select * from (select user_a_id as partner_id, created_at, partnership_id from partnerships \
                      where user_b_id = $1 order by created_at desc, partnership_id desc limit $3) mine_b \
       order by created_at desc, partnership_id desc limit $3) mine where ",
    partner_of_checked!()
);
