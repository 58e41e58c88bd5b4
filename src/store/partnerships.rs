//! Partnerships: the list one member sees, and ending one.

use sqlx::Row;

use super::rows;
use super::{Store, StoreResult, UserEventKind};
use crate::domain::{Id, PageRequest, Paged, Partnership, PartnershipId, RuleError, Timestamp, UserId};

impl Store {
    /// The partnerships of `user`, newest first, each with the other member.
    pub async fn partnerships(&self, user: UserId, page: PageRequest) -> StoreResult<Paged<Partnership>> {
        let items = sqlx::query(
            "select p.partnership_id, p.created_at as p_created_at, \
                    u.user_id as u_user_id, u.email as u_email, u.name as u_name, u.created_at as u_created_at \
             from partnerships p join users u \
               on u.user_id = case when p.user_a_id = $1 then p.user_b_id else p.user_a_id end \
             where p.user_a_id = $1 or p.user_b_id = $1 \
             order by p.created_at desc, p.partnership_id desc limit $2 offset $3",
        )
        .bind(user.get())
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|row| {
            Ok(Partnership {
                id: Id::new(row.try_get("partnership_id")?),
                partner: rows::user(row, "u_")?,
                created_at: Timestamp::from_millis(row.try_get("p_created_at")?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        // Two index range counts, one per column, rather than an OR the planner may scan for.
        let total: i64 = sqlx::query_scalar(
            "select (select count(*) from partnerships where user_a_id = $1) \
                  + (select count(*) from partnerships where user_b_id = $1)",
        )
        .bind(user.get())
        .fetch_one(&self.reader)
        .await?;
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
