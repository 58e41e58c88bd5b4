//! Partnerships: the list one member sees, and ending one.

use sqlx::Row;

use super::rows;
use super::{Store, StoreResult, UserEventKind};
use crate::domain::{Id, PageRequest, Paged, Partnership, PartnershipId, RuleError, Timestamp, UserId};

impl Store {
    /// The partnerships of `user`, newest first, each with the other member, and the total, in
    /// one statement (see [`PARTNERSHIPS_PAGE`]); a page past the end counts separately.
    pub async fn partnerships(&self, user: UserId, page: PageRequest) -> StoreResult<Paged<Partnership>> {
        let rows = sqlx::query(PARTNERSHIPS_PAGE)
            .bind(user.get())
            .bind(page.limit())
            .bind(page.offset())
            .bind(page.limit() + page.offset())
            .fetch_all(&self.reader)
            .await?;
        let total = match rows.first() {
            Some(row) => row.try_get::<i64, _>("total")?,
            None if page.offset() == 0 => 0,
            None => sqlx::query_scalar(PARTNERSHIPS_COUNT).bind(user.get()).fetch_one(&self.reader).await?,
        };
        let items = rows
            .iter()
            .map(|row| {
                Ok(Partnership {
                    id: Id::new(row.try_get("partnership_id")?),
                    partner: rows::user(row, "u_")?,
                    created_at: Timestamp::from_millis(row.try_get("p_created_at")?),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Paged { items, page, total })
    }

    /// Ends a partnership; either member may. Afterwards either may send a new request.
    pub async fn end_partnership(&self, actor: UserId, id: PartnershipId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query(
            "delete from partnerships where partnership_id = $1 and (user_a_id = $2 or user_b_id = $2) \
             returning user_a_id, user_b_id",
        )
        .bind(id.get())
        .bind(actor.get())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(deleted) = deleted else {
            let exists = sqlx::query("select 1 from partnerships where partnership_id = $1")
                .bind(id.get())
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            return Err(if exists { RuleError::Forbidden } else { RuleError::PartnershipNotFound }.into());
        };
        let (a, b): (i64, i64) = (deleted.try_get(0)?, deleted.try_get(1)?);
        let other = Id::new(if a == actor.get() { b } else { a });
        let ended = UserEventKind::PartnershipEnded { partnership_id: id, ended_by: actor };
        self.commit_announcing(tx, vec![(other, ended)]).await?;
        Ok(())
    }
}

/// The partnerships of `$1`, newest first, `$2` per page from offset `$3` (`$4` = `$2 + $3`).
/// A member is in `user_a_id` or `user_b_id`; an `or` of the two makes the planner merge both
/// index ranges and sort all of the user's partnerships. Instead each side is its own range scan
/// of `partnerships_by_user_a` / `_by_user_b`, already in the wanted order and cut at `$4` rows,
/// so at most `2 × $4` rows are sorted whatever the number of partnerships; the users are joined
/// to the page only. The total is two index-only counts.
const PARTNERSHIPS_PAGE: &str = "\
    select p.partnership_id, p.created_at as p_created_at, \
           u.user_id as u_user_id, u.email as u_email, u.name as u_name, u.created_at as u_created_at, \
           (select count(*) from partnerships where user_a_id = $1) \
             + (select count(*) from partnerships where user_b_id = $1) as total \
    from (select partnership_id, partner_id, created_at from ( \
            select * from (select partnership_id, user_b_id as partner_id, created_at from partnerships \
                           where user_a_id = $1 order by created_at desc, partnership_id desc limit $4) mine_a \
            union all \
            select * from (select partnership_id, user_a_id as partner_id, created_at from partnerships \
                           where user_b_id = $1 order by created_at desc, partnership_id desc limit $4) mine_b \
          ) both_sides order by created_at desc, partnership_id desc limit $2 offset $3) p \
    join users u on u.user_id = p.partner_id \
    order by p.created_at desc, p.partnership_id desc";

/// Two index range counts, one per column, rather than an `or` the planner may scan for.
const PARTNERSHIPS_COUNT: &str = "select (select count(*) from partnerships where user_a_id = $1) \
     + (select count(*) from partnerships where user_b_id = $1)";
