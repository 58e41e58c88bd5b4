//! People a user may know: partners of their partners, ranked by how many partners they share
//! with the user, then newest user first; after them, when there are too few, the newest users.
//!
//! The walk is bounded whatever the graph: the user's newest [`PARTNERS_WALKED`] partners, and
//! of each of those their newest [`PARTNERS_OF_PARTNER`] partners, so at most
//! `PARTNERS_WALKED × PARTNERS_OF_PARTNER` partnership index entries are read; the count a
//! suggestion carries is the partners in common found within that walk (exact unless the user
//! or one of their partners has more partners than walked). Who may not be suggested (see
//! `Standing::may_suggest`) is checked for the best-ranked candidates only, [`CANDIDATES_CHECKED`] at most.

use std::collections::HashMap;

use super::candidates::standings;
use super::db::{Conn, params};
use super::partnerships::partnerships_page;
use super::{Backend, Store, StoreResult};
use crate::domain::{Id, Lifecycle, PartnerScan, Suggestion, SuggestionCount, Timestamp, UserId};

/// The user's partners whose partners are looked at.
pub const PARTNERS_WALKED: i64 = 100;
/// Partners looked at per partner of the user.
pub const PARTNERS_OF_PARTNER: i64 = 100;
/// Candidates (best-ranked first) checked against the exclusions before giving up.
pub const CANDIDATES_CHECKED: usize = 200;
/// Newest users looked at to fill up the list with people sharing no partner.
const NEWEST_LOOKED_AT: i64 = 100;

impl Store {
    /// Up to `count` people `viewer` may know, best first (see the module doc).
    pub async fn suggestions(&self, viewer: UserId, count: SuggestionCount) -> StoreResult<Vec<Suggestion>> {
        let store = self.clone();
        self.db.snapshot(async move |conn| store.suggestions_in(conn, viewer, count.get()).await).await
    }

    pub(super) async fn suggestions_in(
        &self,
        conn: &mut Conn<'_>,
        viewer: UserId,
        count: usize,
    ) -> StoreResult<Vec<Suggestion>> {
        let shared = self.partners_of_partners(conn, viewer).await?;
        // Ids grow with creation, so the higher id is the newer user.
        let mut ranked: Vec<(UserId, i64)> = shared.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        ranked.truncate(CANDIDATES_CHECKED);
        let (lifecycle, now) = (self.lifecycle, self.now());
        let mut chosen = allowed(conn, viewer, &ranked, count, lifecycle, now).await?;
        if chosen.len() < count {
            let newest = conn
                .fetch_all(NEWEST_USERS, params![NEWEST_LOOKED_AT], &|row| Ok(Id::new(row.int("user_id")?)))
                .await?;
            let others: Vec<(UserId, i64)> = newest
                .into_iter()
                .filter(|id| *id != viewer && !ranked.iter().any(|(known, _)| known == id))
                .map(|id| (id, 0))
                .collect();
            chosen.extend(allowed(conn, viewer, &others, count - chosen.len(), lifecycle, now).await?);
        }
        let ids: Vec<UserId> = chosen.iter().map(|(id, _)| *id).collect();
        let users = self.users.in_order(conn, &ids).await?;
        Ok(users.into_iter().zip(chosen).map(|(user, (_, n))| Suggestion { user, partners_in_common: n }).collect())
    }
}

impl Store {
    /// Each user found among the newest [`PARTNERS_OF_PARTNER`] partners of `viewer`'s newest
    /// [`PARTNERS_WALKED`] partners (the viewer aside), with how many of those partners led to
    /// them. On SQLite a statement per partner walked costs microseconds, in process; on
    /// PostgreSQL each would be a round trip, so one statement walks both hops there.
    async fn partners_of_partners(&self, conn: &mut Conn<'_>, viewer: UserId) -> StoreResult<HashMap<UserId, i64>> {
        let mut shared: HashMap<UserId, i64> = HashMap::new();
        if self.backend() == Backend::Postgres {
            let params = params![viewer.get(), PARTNERS_WALKED, PARTNERS_OF_PARTNER];
            let rows = conn
                .fetch_all(TWO_HOPS_POSTGRES, params, &|row| Ok((Id::new(row.int("user_id")?), row.int("shared")?)))
                .await?;
            shared.extend(rows);
            return Ok(shared);
        }
        for partner in newest_partners(conn, self, viewer, PARTNERS_WALKED).await? {
            for theirs in newest_partners(conn, self, partner, PARTNERS_OF_PARTNER).await? {
                if theirs != viewer {
                    *shared.entry(theirs).or_default() += 1;
                }
            }
        }
        Ok(shared)
    }
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

/// The newest `limit` partners of `user` (the partnerships list's own statement, first page).
async fn newest_partners(conn: &mut Conn<'_>, store: &Store, user: UserId, limit: i64) -> StoreResult<Vec<UserId>> {
    let ids = conn
        .fetch_all(partnerships_page(store.backend()), params![user.get(), limit, 0_i64, limit], &|row| {
            Ok(Id::new(row.int("partner_id")?))
        })
        .await?;
    Ok(ids)
}

/// The newest users, by id (the primary key, read backwards).
const NEWEST_USERS: &str = "select user_id from users order by user_id desc limit $1";
