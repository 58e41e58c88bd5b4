//! Partnerships: the list one member sees, and ending one.

use super::dashboard::partnerships_of;
use super::events::UserEventKind;
use super::handle::Service;
use crate::domain::{CountedPage, PageRequest, Partnership, PartnershipId, RuleError, UserId, check_end};
use crate::store::{StoreResult, partnerships};

#[derive(Clone, Copy)]
pub struct Partnerships<'a>(pub(super) &'a Service);

impl Partnerships<'_> {
    /// The partnerships of `user`, newest first, each with the other member, and the total.
    pub async fn list(self, user: UserId, page: PageRequest) -> StoreResult<CountedPage<Partnership>> {
        let service = self.0.clone();
        self.0.0.db.read(async move |conn| partnerships_of(&service, conn, user, page).await).await
    }

    /// Ends a partnership; either member may. Afterwards either may send a new request. Returns
    /// the other member.
    pub async fn end(self, actor: UserId, id: PartnershipId) -> StoreResult<UserId> {
        self.0
            .write(async move |conn| {
                let members = partnerships::members(conn, id).await?;
                check_end(actor, members)?;
                if !partnerships::delete(conn, id).await? {
                    return Err(RuleError::PartnershipNotFound.into());
                }
                let other = members.map_or(actor, |(a, b)| if a == actor { b } else { a });
                let events = vec![(other, UserEventKind::PartnershipEnded { partnership_id: id, ended_by: actor })];
                Ok((other, events))
            })
            .await
    }
}
