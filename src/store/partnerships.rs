//! Partnerships: the list one member sees, and ending one.

use super::db::{Conn, params};
use super::rows;
use super::{Backend, Store, StoreResult, UserEventKind};
use crate::domain::{
    Id, PageRequest, Paged, Partnership, PartnershipId, RuleError, Timestamp, User, UserId, check_end,
};

impl Store {
    /// The partnerships of `user`, newest first, each with the other member, and the total.
    pub async fn partnerships(&self, user: UserId, page: PageRequest) -> StoreResult<Paged<Partnership>> {
        let store = self.clone();
        self.db.read(async move |conn| store.partnerships_in(conn, user, page).await).await
    }

    /// The other member of partnership `id`, when `member` is one of its two members.
    pub async fn partner_in(&self, member: UserId, id: PartnershipId) -> StoreResult<Option<User>> {
        self.db
            .read(async move |conn| {
                let sql = "select u.user_id, u.email, u.name, u.created_at from partnerships p join users u \
                       on u.user_id = case when p.user_a_id = $2 then p.user_b_id else p.user_a_id end \
                     where p.partnership_id = $1 and (p.user_a_id = $2 or p.user_b_id = $2)";
                Ok(conn.fetch_optional(sql, params![id.get(), member.get()], &rows::user).await?)
            })
            .await
    }

    /// Ends a partnership; either member may. Afterwards either may send a new request.
    pub async fn end_partnership(&self, actor: UserId, id: PartnershipId) -> StoreResult<()> {
        let events = self
            .db
            .write(async move |conn| {
                let members = conn
                    .fetch_optional(
                        "select user_a_id, user_b_id from partnerships where partnership_id = $1",
                        params![id.get()],
                        &|row| Ok((Id::new(row.int("user_a_id")?), Id::new(row.int("user_b_id")?))),
                    )
                    .await?;
                check_end(actor, members)?;
                let ended =
                    conn.execute("delete from partnerships where partnership_id = $1", params![id.get()]).await?;
                if ended == 0 {
                    return Err(RuleError::PartnershipNotFound.into());
                }
                let other = members.map_or(actor, |(a, b)| if a == actor { b } else { a });
                let events = vec![(other, UserEventKind::PartnershipEnded { partnership_id: id, ended_by: actor })];
                super::event_relay::announce(conn, &events).await?;
                Ok(events)
            })
            .await?;
        self.committed(events);
        Ok(())
    }

    /// One statement (see [`partnerships_page`]), the partners then from the user cache; a page
    /// past the end counts separately.
    pub(super) async fn partnerships_in(
        &self,
        conn: &mut Conn<'_>,
        user: UserId,
        page: PageRequest,
    ) -> StoreResult<Paged<Partnership>> {
        let params = params![user.get(), page.limit(), page.offset(), page.limit() + page.offset()];
        let rows = conn
            .fetch_all(partnerships_page(self.backend()), params, &|row| {
                let id: PartnershipId = Id::new(row.int("partnership_id")?);
                let partner: UserId = Id::new(row.int("partner_id")?);
                Ok(((id, partner, Timestamp::from_millis(row.int("created_at")?)), row.int("total")?))
            })
            .await?;
        let total = match rows::total_of(&rows, page) {
            Some(total) => total,
            None => conn.fetch_one(PARTNERSHIPS_COUNT, params![user.get()], &|row| row.int("total")).await?,
        };
        let join = |(id, _, created_at), partner| Partnership { id, partner, created_at };
        self.users.attach(conn, rows::paged(rows, page, total), |&(_, partner, _)| partner, join).await
    }
}

/// The partnerships of `$1`, newest first, `$2` per page from offset `$3` (`$4` = `$2 + $3`),
/// each with the other member's id and the total (from `user_counts`, kept by triggers). A member is
/// in `user_a_id` or `user_b_id`; an `or` of the two would make the planner merge both index
/// ranges and sort all of the user's partnerships. Instead each side is its own range scan of
/// `partnerships_by_user_a` / `_by_user_b`, already in the wanted order; how the two ordered
/// sides are combined is where the planners differ (see the two texts).
pub(super) fn partnerships_page(backend: Backend) -> &'static str {
    match backend {
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
