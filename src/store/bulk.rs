//! Answering or withdrawing many requests in one call. Each id is handled by the very store call
//! the single endpoint uses (the same checks, errors, transaction and notification), one after
//! the other, so one failing id neither stops nor undoes the others.

use super::{Store, StoreError};
use crate::domain::{Answer, BulkAction, BulkIds, PartnerRequest, UserId};

/// What happened to one id of a bulk call, in the order given.
#[derive(Debug)]
pub struct BulkOutcome {
    pub raw_id: i64,
    pub result: Result<PartnerRequest, StoreError>,
}

impl Store {
    /// Does `action` to each of `ids` as `actor`; never fails as a whole.
    pub async fn bulk(&self, actor: UserId, action: BulkAction, ids: &BulkIds) -> Vec<BulkOutcome> {
        let mut outcomes = Vec::with_capacity(ids.iter().count());
        for (raw_id, parsed) in ids.parsed() {
            let result = match parsed {
                Err(rule) => Err(rule.into()),
                Ok(id) => match action {
                    BulkAction::Accept => self.respond(actor, id, Answer::Accept).await,
                    BulkAction::Reject => self.respond(actor, id, Answer::Reject).await,
                    BulkAction::Cancel => self.cancel_request(actor, id).await,
                },
            };
            outcomes.push(BulkOutcome { raw_id, result });
        }
        outcomes
    }
}
