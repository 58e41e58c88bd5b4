//! Partnerships: the list one member sees, and ending one.

use super::db::{Reader, params};
use super::rows;
use super::{Backend, Snapshot, Store, StoreResult, UserEventKind};
use crate::domain::{Id, PageRequest, Paged, Partnership, PartnershipId, RuleError, Timestamp, UserId};

impl Store {
    /// The partnerships of `user`, newest first, each with the other member, and the total.
    pub async fn partnerships(&self, user: UserId, page: PageRequest) -> StoreResult<Paged<Partnership>> {
        partnerships_of(&self.db, self.backend(), user, page).await
    }

    /// Ends a partnership; either member may. Afterwards either may send a new request.
    pub async fn end_partnership(&self, actor: UserId, id: PartnershipId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let deleted = tx
            .fetch_optional(
                "delete from partnerships where partnership_id = $1 and (user_a_id = $2 or user_b_id = $2) \
                 returning user_a_id, user_b_id",
                params![id.get(), actor.get()],
                &|row| Ok((row.int("user_a_id")?, row.int("user_b_id")?)),
            )
            .await?;
        let Some((a, b)) = deleted else {
            let exists = tx
                .fetch_optional(
                    "select partnership_id from partnerships where partnership_id = $1",
                    params![id.get()],
                    &|row| row.int("partnership_id"),
                )
                .await?
                .is_some();
            return Err(if exists { RuleError::Forbidden } else { RuleError::PartnershipNotFound }.into());
        };
        let other = Id::new(if a == actor.get() { b } else { a });
        let ended = UserEventKind::PartnershipEnded { partnership_id: id, ended_by: actor };
        self.commit_announcing(tx, vec![(other, ended)]).await?;
        Ok(())
    }
}

impl Snapshot {
    /// The partnerships of `user`, newest first, each with the other member, and the total.
    pub async fn partnerships(&mut self, user: UserId, page: PageRequest) -> StoreResult<Paged<Partnership>> {
        partnerships_of(&mut self.tx, self.backend, user, page).await
    }
}

/// One statement (see [`partnerships_page`]); a page past the end counts separately.
async fn partnerships_of(
    mut reader: impl Reader,
    backend: Backend,
    user: UserId,
    page: PageRequest,
) -> StoreResult<Paged<Partnership>> {
    let params = params![user.get(), page.limit(), page.offset(), page.limit() + page.offset()];
    let rows = reader
        .fetch_all(partnerships_page(backend), params, &|row| {
            let partnership = Partnership {
                id: Id::new(row.int("partnership_id")?),
                partner: rows::other_user(row)?,
                created_at: Timestamp::from_millis(row.int("p_created_at")?),
            };
            Ok((partnership, row.int("total")?))
        })
        .await?;
    Ok(rows::paged(rows, page, reader.fetch_one(PARTNERSHIPS_COUNT, params![user.get()], &|row| row.int("total")))
        .await?)
}

/// The partnerships of `$1`, newest first, `$2` per page from offset `$3` (`$4` = `$2 + $3`),
/// each with the other member and the total (from `user_counts`, kept by triggers). A member is
/// in `user_a_id` or `user_b_id`; an `or` of the two would make the planner merge both index
/// ranges and sort all of the user's partnerships. Instead each side is its own range scan of
/// `partnerships_by_user_a` / `_by_user_b`, already in the wanted order; how the two ordered
/// sides are combined is where the planners differ (see the two texts).
fn partnerships_page(backend: Backend) -> &'static str {
    match backend {
        // SQLite merges the sides of a `union all` ordered as a whole ("MERGE (UNION ALL)") and
        // stops after `$2 + $3` rows: no sort, no temporary table, a user read per row taken.
        Backend::Sqlite => {
            "select p.partnership_id, p.created_at as p_created_at, \
               u.user_id as u_user_id, u.email as u_email, u.name as u_name, u.created_at as u_created_at, \
               (select partnerships from user_counts where user_id = $1) as total \
             from partnerships p join users u on u.user_id = p.user_b_id where p.user_a_id = $1 \
             union all \
             select p.partnership_id, p.created_at, u.user_id, u.email, u.name, u.created_at, \
               (select partnerships from user_counts where user_id = $1) \
             from partnerships p join users u on u.user_id = p.user_a_id where p.user_b_id = $1 \
             order by p_created_at desc, partnership_id desc limit $2 offset $3"
        }
        // PostgreSQL sorts such a union in full, so each side is cut at `$4` rows first and at
        // most `2 × $4` rows are sorted, whatever the number of partnerships; the users are
        // joined to the page only.
        Backend::Postgres => {
            "select p.partnership_id, p.created_at as p_created_at, \
               u.user_id as u_user_id, u.email as u_email, u.name as u_name, u.created_at as u_created_at, \
               (select partnerships from user_counts where user_id = $1) as total \
             from (select partnership_id, partner_id, created_at from ( \
                select * from (select partnership_id, user_b_id as partner_id, created_at from partnerships \
                               where user_a_id = $1 order by created_at desc, partnership_id desc limit $4) mine_a \
                union all \
                select * from (select partnership_id, user_a_id as partner_id, created_at from partnerships \
                               where user_b_id = $1 order by created_at desc, partnership_id desc limit $4) mine_b \
              ) both_sides order by created_at desc, partnership_id desc limit $2 offset $3) p \
             join users u on u.user_id = p.partner_id \
             order by p.created_at desc, p.partnership_id desc"
        }
    }
}

/// The total alone, kept by triggers in `user_counts`.
const PARTNERSHIPS_COUNT: &str = "select partnerships as total from user_counts where user_id = $1";
