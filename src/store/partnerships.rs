//! `partnerships`: adding and ending one, its members, and one member's list.

use super::db::{Conn, DbResult, params};
use super::open::Backend;
use super::rows;
use crate::domain::{CountedPage, Id, PageRequest, PartnershipId, Timestamp, UserId, ordered_pair};

/// Makes the two partners; `false` when they already are (the unique index
/// `partnerships_one_per_pair` is the judge).
pub(crate) async fn insert(conn: &mut Conn<'_>, a: UserId, b: UserId, now: Timestamp) -> DbResult<bool> {
    let (low, high) = ordered_pair(a, b);
    let inserted = conn
        .execute(
            "insert into partnerships (user_a_id, user_b_id, created_at) values ($1, $2, $3)",
            params![low.get(), high.get(), now.millis()],
        )
        .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The two members of partnership `id`, if it exists.
pub(crate) async fn members(conn: &mut Conn<'_>, id: PartnershipId) -> DbResult<Option<(UserId, UserId)>> {
    conn.fetch_optional(
        "select user_a_id, user_b_id from partnerships where partnership_id = $1",
        params![id.get()],
        &|row| Ok((Id::new(row.int("user_a_id")?), Id::new(row.int("user_b_id")?))),
    )
    .await
}

/// Ends partnership `id`; returns whether it was there.
pub(crate) async fn delete(conn: &mut Conn<'_>, id: PartnershipId) -> DbResult<bool> {
    Ok(conn.execute("delete from partnerships where partnership_id = $1", params![id.get()]).await? > 0)
}

/// One page of `user`'s partnerships, newest first, each as (id, the other member, since), with
/// the total: one statement (see [`page_statement`]); a page past the end counts separately.
pub(crate) async fn page(
    conn: &mut Conn<'_>,
    user: UserId,
    page: PageRequest,
) -> DbResult<CountedPage<(PartnershipId, UserId, Timestamp)>> {
    let params = params![user.get(), page.limit(), page.offset(), page.limit() + page.offset()];
    let sql = page_statement(conn);
    let found = conn
        .fetch_all(sql, params, &|row| {
            let id: PartnershipId = Id::new(row.int("partnership_id")?);
            let partner: UserId = Id::new(row.int("partner_id")?);
            Ok(((id, partner, Timestamp::from_millis(row.int("created_at")?)), row.int("total")?))
        })
        .await?;
    let total = match rows::total_of(&found, page) {
        Some(total) => total,
        None => conn.fetch_one(PARTNERSHIPS_COUNT, params![user.get()], &|row| row.int("total")).await?,
    };
    Ok(rows::paged(found, page, total))
}

/// The newest `limit` partners of `user` (the list's own statement, first page).
pub(crate) async fn newest_partners(conn: &mut Conn<'_>, user: UserId, limit: i64) -> DbResult<Vec<UserId>> {
    let sql = page_statement(conn);
    conn.fetch_all(sql, params![user.get(), limit, 0_i64, limit], &|row| Ok(Id::new(row.int("partner_id")?))).await
}

/// The partnerships of `$1`, newest first, `$2` per page from offset `$3` (`$4` = `$2 + $3`),
/// each with the other member's id and the total (from `user_counts`, kept by triggers). A member is
/// in `user_a_id` or `user_b_id`; an `or` of the two would make the planner merge both index
/// ranges and sort all of the user's partnerships. Instead each side is its own range scan of
/// `partnerships_by_user_a` / `_by_user_b`, already in the wanted order; how the two ordered
/// sides are combined is where the planners differ (see the two texts).
fn page_statement(conn: &Conn<'_>) -> &'static str {
    match if conn.is_postgres() { Backend::Postgres } else { Backend::Sqlite } {
        // SQLite merges the sides of a `union all` ordered as a whole ("MERGE (UNION ALL)") and
        // stops after `$2 + $3` rows: no sort, no temporary table, a user read per row taken.
        Backend::Sqlite => {
            "select partnership_id, user_b_id as partner_id, created_at, \
               (select partnerships from user_counts where user_id = $1) as total \
             from partnerships where user_a_id = $1 \
             union all \
             select partnership_id, user_a_id, created_at, (select partnerships from user_counts where user_id = $1) \
             from partnerships where user_b_id = $1 \
             order by created_at desc, partnership_id desc limit $2 offset $3"
        }
        // PostgreSQL sorts such a union in full, so each side is cut at `$4` rows first and at
        // most `2 × $4` rows are sorted, whatever the number of partnerships.
        Backend::Postgres => {
            "select partnership_id, partner_id, created_at, \
               (select partnerships from user_counts where user_id = $1) as total \
             from ( \
                select * from (select partnership_id, user_b_id as partner_id, created_at from partnerships \
                               where user_a_id = $1 order by created_at desc, partnership_id desc limit $4) mine_a \
                union all \
                select * from (select partnership_id, user_a_id as partner_id, created_at from partnerships \
                               where user_b_id = $1 order by created_at desc, partnership_id desc limit $4) mine_b \
              ) both_sides order by created_at desc, partnership_id desc limit $2 offset $3"
        }
    }
}

/// The total alone, kept by triggers in `user_counts`.
const PARTNERSHIPS_COUNT: &str = "select partnerships as total from user_counts where user_id = $1";
