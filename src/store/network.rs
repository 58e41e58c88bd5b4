//! The network around users, in SQL: how many partners each has, the partners two share, and the
//! partners of a user's partners. Each walk is bounded by the caller's limits (see
//! `service/network.rs`), so its cost never depends on how many partners the best-connected
//! user has.
//!
//! Partners in common are found by walking the partners of the less-connected of the two
//! (newest partnership first) and asking, for each, whether the other is their partner too (one
//! lookup in the unique pair index `partnerships_one_per_pair`). Degrees come from `user_counts`
//! (kept by triggers).

use std::collections::HashMap;

use super::db::{Conn, DbResult, Value, params};
use super::partnerships::newest_partners;
use crate::domain::{Id, UserId};

/// Users whose degree one statement reads.
const DEGREE_SLOTS: usize = 21;

/// The number of partners of each of `users` that exists (from `user_counts`): one statement per
/// [`DEGREE_SLOTS`] users, a primary-key read each.
pub(crate) async fn degrees(conn: &mut Conn<'_>, users: &[UserId]) -> DbResult<HashMap<UserId, i64>> {
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
pub(crate) async fn common_partners(
    conn: &mut Conn<'_>,
    walked: UserId,
    checked: UserId,
    limit: i64,
) -> DbResult<Vec<UserId>> {
    let sql = if conn.is_postgres() { COMMON_POSTGRES } else { COMMON_SQLITE };
    conn.fetch_all(sql, params![walked.get(), checked.get(), limit], &|row| Ok(Id::new(row.int("partner_id")?))).await
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

/// Whether `a` and `b` share at least one partner: the partners of whichever of the two has
/// fewer are looked up among the other's pairs, one index lookup each, at most `cap` of them.
/// Returns `None` when that side has more partners than `cap` and none of the first `cap` was
/// shared (the answer is unknown).
pub(crate) async fn shares_partner(conn: &mut Conn<'_>, a: UserId, b: UserId, cap: i64) -> DbResult<Option<bool>> {
    let counts = conn
        .fetch_all(
            "select user_id, partnerships from user_counts where user_id in ($1, $2)",
            params![a.get(), b.get()],
            &|row| Ok((row.int("user_id")?, row.int("partnerships")?)),
        )
        .await?;
    let count = |id: UserId| counts.iter().find(|(user, _)| *user == id.get()).map_or(0, |(_, n)| *n);
    let (small, other) = if count(a) <= count(b) { (a, b) } else { (b, a) };
    if count(small) == 0 {
        return Ok(Some(false));
    }
    let found = conn.fetch_one(SHARED_PARTNER, params![small.get(), other.get(), cap], &|row| row.int("found")).await?;
    Ok(if found > 0 {
        Some(true)
    } else if count(small) > cap {
        None
    } else {
        Some(false)
    })
}

/// Whether one of `$1`'s partners (the first `$3`) is a partner of `$2`.
const SHARED_PARTNER: &str = "select count(*) as found from ( \
       select 1 as one from ( \
         select user_b_id as p from partnerships where user_a_id = $1 \
         union all select user_a_id as p from partnerships where user_b_id = $1 limit $3) mine \
       join partnerships x on x.user_a_id = case when mine.p < $2 then mine.p else $2 end \
                          and x.user_b_id = case when mine.p < $2 then $2 else mine.p end \
       limit 1) found";

/// Each user found among the newest `per_partner` partners of `viewer`'s newest `walked`
/// partners (the viewer aside), with how many of those partners led to them: at most
/// `walked × per_partner` partnership index entries are read. On SQLite a statement per partner
/// walked costs microseconds, in process; on PostgreSQL each would be a round trip, so one
/// statement walks both hops there.
pub(crate) async fn partners_of_partners(
    conn: &mut Conn<'_>,
    viewer: UserId,
    walked: i64,
    per_partner: i64,
) -> DbResult<HashMap<UserId, i64>> {
    let mut shared: HashMap<UserId, i64> = HashMap::new();
    if conn.is_postgres() {
        let params = params![viewer.get(), walked, per_partner];
        let rows = conn
            .fetch_all(TWO_HOPS_POSTGRES, params, &|row| Ok((Id::new(row.int("user_id")?), row.int("shared")?)))
            .await?;
        shared.extend(rows);
        return Ok(shared);
    }
    for partner in newest_partners(conn, viewer, walked).await? {
        for theirs in newest_partners(conn, partner, per_partner).await? {
            if theirs != viewer {
                *shared.entry(theirs).or_default() += 1;
            }
        }
    }
    Ok(shared)
}

/// `$1`'s newest `$2` partners, and of each their newest `$3` partners, counted per user: the
/// partnerships list's statement (each side cut first, as PostgreSQL sorts a union in full),
/// the second hop run once per partner of the first by a lateral join.
macro_rules! newest_partners_of {
    ($user:literal, $limit:literal) => {
        concat!(
            "select partner_id from ( \
               select * from (select user_b_id as partner_id, created_at, partnership_id from partnerships \
                              where user_a_id = ",
            $user,
            " order by created_at desc, partnership_id desc limit ",
            $limit,
            ") side_a \
               union all \
               select * from (select user_a_id as partner_id, created_at, partnership_id from partnerships \
                              where user_b_id = ",
            $user,
            " order by created_at desc, partnership_id desc limit ",
            $limit,
            ") side_b \
               order by created_at desc, partnership_id desc limit ",
            $limit,
            ") newest"
        )
    };
}

const TWO_HOPS_POSTGRES: &str = concat!(
    "select theirs.partner_id as user_id, count(*) as shared from (",
    newest_partners_of!("$1", "$2"),
    ") mine cross join lateral (",
    newest_partners_of!("mine.partner_id", "$3"),
    ") theirs where theirs.partner_id <> $1 group by theirs.partner_id"
);
