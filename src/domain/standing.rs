//! What stands between a viewer and another user: the facts of their pair, as one query of the
//! store reads them, and the one state they come to, which decides what the viewer may do next.
//! Sending a request asks it ([`Standing::check_send`]), and so do the pages, for which actions
//! to offer.

use super::{InCommon, PartnershipId, RequestId, RuleError, User};

/// The facts of one pair, seen from the viewer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairFacts {
    pub partnership: Option<PartnershipId>,
    /// The pending request between the two, and whether the viewer sent it.
    pub pending: Option<(RequestId, bool)>,
    pub blocked_by_viewer: bool,
    pub blocked_viewer: bool,
}

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

    /// Whether the viewer may send them a partner request, and if not, why.
    pub fn check_send(self) -> Result<(), RuleError> {
        match self {
            Self::None => Ok(()),
            Self::BlockedByYou | Self::BlockedYou => Err(RuleError::Blocked),
            Self::Partner(_) => Err(RuleError::AlreadyPartners),
            Self::RequestSent(_) => Err(RuleError::DuplicateRequest),
            Self::AskedYou(id) => Err(RuleError::ReverseRequestPending(id)),
        }
    }

    pub fn can_send(self) -> bool {
        self.check_send().is_ok()
    }

    /// Their pending request to the viewer, which the viewer may accept or reject.
    pub fn answerable(self) -> Option<RequestId> {
        if let Self::AskedYou(id) = self { Some(id) } else { None }
    }

    /// The viewer's pending request to them, which the viewer may withdraw.
    pub fn cancellable(self) -> Option<RequestId> {
        if let Self::RequestSent(id) = self { Some(id) } else { None }
    }

    /// Their partnership, which the viewer may end.
    pub fn partnership(self) -> Option<PartnershipId> {
        if let Self::Partner(id) = self { Some(id) } else { None }
    }

    /// Blocking is open to the viewer unless they already did.
    pub fn can_block(self) -> bool {
        self != Self::BlockedByYou
    }

    pub fn can_unblock(self) -> bool {
        self == Self::BlockedByYou
    }

    /// They refuse the viewer's requests (they blocked the viewer).
    pub fn refuses_you(self) -> bool {
        self == Self::BlockedYou
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
    /// Partners the viewer and `user` share.
    pub in_common: InCommon,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: i64) -> RequestId {
        RequestId::parse(id).unwrap()
    }

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
        let sent = Standing::from_facts(PairFacts { pending: Some((request(7), true)), ..Default::default() });
        assert_eq!((sent.key(), sent.cancellable(), sent.answerable()), ("request-sent", Some(request(7)), None));
        let asked = Standing::from_facts(PairFacts { pending: Some((request(7), false)), ..Default::default() });
        assert_eq!((asked.key(), asked.cancellable(), asked.answerable()), ("asked-you", None, Some(request(7))));
        assert_eq!(Standing::from_facts(PairFacts::default()), Standing::None);
    }

    #[test]
    fn each_obstacle_to_sending_has_its_own_error() {
        let partnership = PartnershipId::parse(3).unwrap();
        let cases = [
            (Standing::BlockedByYou, RuleError::Blocked),
            (Standing::BlockedYou, RuleError::Blocked),
            (Standing::Partner(partnership), RuleError::AlreadyPartners),
            (Standing::RequestSent(request(9)), RuleError::DuplicateRequest),
            (Standing::AskedYou(request(9)), RuleError::ReverseRequestPending(request(9))),
        ];
        for (standing, expected) in cases {
            assert_eq!(standing.check_send(), Err(expected), "{standing:?}");
            assert!(!standing.can_send());
        }
        assert_eq!(Standing::None.check_send(), Ok(()));
    }

    #[test]
    fn the_actions_offered_follow_the_standing() {
        assert!(Standing::None.can_block() && !Standing::None.can_unblock());
        assert!(!Standing::BlockedByYou.can_block() && Standing::BlockedByYou.can_unblock());
        assert!(Standing::BlockedYou.refuses_you() && Standing::BlockedYou.can_block());
        assert_eq!(Standing::Partner(PartnershipId::parse(3).unwrap()).partnership().map(|p| p.get()), Some(3));
    }
}
