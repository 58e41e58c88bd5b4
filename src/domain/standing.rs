//! Where another user stands with the viewer, as the pages show it: one state, the one that
//! decides what the viewer can do next.

use super::{PartnershipId, RequestId, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Nothing between the two: the viewer may send a request.
    None,
    /// The viewer asked them; the request is pending.
    RequestSent(RequestId),
    /// They asked the viewer; the request is pending.
    AskedYou(RequestId),
    Partner(PartnershipId),
    /// The viewer blocked them (whatever else holds: the block decides what can happen next).
    BlockedByYou,
    /// They blocked the viewer.
    BlockedYou,
}

/// The facts a store read gathers about one pair, seen from the viewer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairFacts {
    pub partnership: Option<PartnershipId>,
    /// The pending request between the two, and whether the viewer sent it.
    pub pending: Option<(RequestId, bool)>,
    pub blocked_by_viewer: bool,
    pub blocked_viewer: bool,
}

impl Standing {
    /// Blocks come first because they decide what either side may do; a pending request and a
    /// partnership never hold together, since sending checks for the partnership.
    pub fn from_facts(facts: PairFacts) -> Self {
        if facts.blocked_by_viewer {
            return Self::BlockedByYou;
        }
        if facts.blocked_viewer {
            return Self::BlockedYou;
        }
        if let Some(id) = facts.partnership {
            return Self::Partner(id);
        }
        match facts.pending {
            Some((id, true)) => Self::RequestSent(id),
            Some((id, false)) => Self::AskedYou(id),
            None => Self::None,
        }
    }

    /// A short label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "Not connected",
            Self::RequestSent(_) => "Request sent",
            Self::AskedYou(_) => "Asked you",
            Self::Partner(_) => "Partner",
            Self::BlockedByYou => "Blocked by you",
            Self::BlockedYou => "Blocked",
        }
    }

    /// A stable token for styling and tests.
    pub fn key(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::RequestSent(_) => "request-sent",
            Self::AskedYou(_) => "asked-you",
            Self::Partner(_) => "partner",
            Self::BlockedByYou | Self::BlockedYou => "blocked",
        }
    }
}

/// A user found by a search, with where they stand with the viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user: User,
    pub standing: Standing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_decide_before_anything_else() {
        let partnership = Some(PartnershipId::parse(1).unwrap());
        let facts = PairFacts { partnership, blocked_by_viewer: true, blocked_viewer: true, ..Default::default() };
        assert_eq!(Standing::from_facts(facts), Standing::BlockedByYou);
        let facts = PairFacts { partnership, blocked_viewer: true, ..Default::default() };
        assert_eq!(Standing::from_facts(facts), Standing::BlockedYou);
        assert_eq!(
            Standing::from_facts(PairFacts { partnership, ..Default::default() }),
            Standing::Partner(PartnershipId::parse(1).unwrap())
        );
    }

    #[test]
    fn a_pending_request_shows_its_direction() {
        let id = RequestId::parse(7).unwrap();
        assert_eq!(
            Standing::from_facts(PairFacts { pending: Some((id, true)), ..Default::default() }).key(),
            "request-sent"
        );
        assert_eq!(
            Standing::from_facts(PairFacts { pending: Some((id, false)), ..Default::default() }).key(),
            "asked-you"
        );
        assert_eq!(Standing::from_facts(PairFacts::default()), Standing::None);
    }
}
