//! What stands between a viewer and another user: the facts of their pair, as one query of the
//! store reads them, and the one state they come to, which decides what the viewer may do next.
//! Sending a request asks it ([`Standing::check_send`]), and so do the pages, for which actions
//! to offer.

use super::{
    AcceptsFrom, InCommon, Lifecycle, PartnershipId, RequestId, RequestStatus, RuleError, Timestamp, User,
    check_accepts, check_cooldown,
};

/// The facts of one pair, seen from the viewer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairFacts {
    pub partnership: Option<PartnershipId>,
    /// The pending request between the two, and whether the viewer sent it.
    pub pending: Option<(RequestId, bool)>,
    pub blocked_by_viewer: bool,
    pub blocked_viewer: bool,
    /// The viewer's last request to them that started a cooldown: how it ended, and when.
    pub last_cooldown: Option<(RequestStatus, Timestamp)>,
    /// Whom they take requests from.
    pub accepts: AcceptsFrom,
    /// Whether the two share at least one partner.
    pub shares_partner: bool,
}

impl PairFacts {
    /// Whether where the two stand depends on a partner they share: the other takes requests
    /// only from partners of partners, and nothing else decides first. Only then is it looked for.
    pub fn needs_shared_partner(&self) -> bool {
        self.accepts == AcceptsFrom::PartnersOfPartners && self.partnership.is_none() && self.pending.is_none()
    }
}

/// How far a standing looks for a partner shared with someone who takes requests only from
/// partners of partners (through the partners of whichever of the two has fewer), and what it
/// assumes when that side has more and none of those looked at was shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerScan {
    pub looked_at: i64,
    pub unknown_shares: bool,
}

impl PartnerScan {
    /// "Find partners" offers the send when unsure; the send decides.
    pub const FOR_PAGES: Self = Self { looked_at: 1_000, unknown_shares: true };
    /// The send looks further and, still unsure, keeps to the recipient's choice and refuses.
    pub const FOR_SEND: Self = Self { looked_at: 10_000, unknown_shares: false };

    /// Whether the two share a partner, given what the scan found (`None`: it stopped at its
    /// bound without finding one).
    pub fn shares(self, found: Option<bool>) -> bool {
        found.unwrap_or(self.unknown_shares)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Nothing between the two: the viewer may send a request.
    Unrelated,
    /// The viewer asked them; the request is pending.
    RequestSent(RequestId),
    /// They asked the viewer; the request is pending.
    AskedYou(RequestId),
    Partner(PartnershipId),
    /// The viewer blocked them (whatever else holds: the block decides what can happen next).
    BlockedByYou,
    /// They blocked the viewer.
    BlockedYou,
    /// Their setting refuses the viewer's requests.
    NotTaking,
    /// The viewer may ask again from this instant (after a rejection or a withdrawal).
    Cooldown(Timestamp),
}

impl Standing {
    /// Blocks come first because they decide what either side may do; a pending request and a
    /// partnership never hold together, since sending checks for the partnership. Their setting
    /// comes before a cooldown, which would end while the setting would still refuse.
    pub fn from_facts(facts: PairFacts, lifecycle: Lifecycle, now: Timestamp) -> Self {
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
            Some((id, true)) => return Self::RequestSent(id),
            Some((id, false)) => return Self::AskedYou(id),
            None => {}
        }
        if check_accepts(facts.accepts, facts.shares_partner).is_err() {
            return Self::NotTaking;
        }
        match check_cooldown(lifecycle, facts.last_cooldown, now) {
            Err(RuleError::Cooldown(until)) => Self::Cooldown(until),
            _ => Self::Unrelated,
        }
    }

    /// Whether the viewer may send them a partner request, and if not, why.
    pub fn check_send(self) -> Result<(), RuleError> {
        match self {
            Self::Unrelated => Ok(()),
            Self::BlockedByYou | Self::BlockedYou => Err(RuleError::Blocked),
            Self::Partner(_) => Err(RuleError::AlreadyPartners),
            Self::RequestSent(_) => Err(RuleError::DuplicateRequest),
            Self::AskedYou(id) => Err(RuleError::ReverseRequestPending(id)),
            Self::NotTaking => Err(RuleError::NotAcceptingRequests),
            Self::Cooldown(until) => Err(RuleError::Cooldown(until)),
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

    /// They refuse the viewer's requests (they blocked the viewer, or their setting does).
    pub fn refuses_you(self) -> bool {
        matches!(self, Self::BlockedYou | Self::NotTaking)
    }

    /// When the viewer may ask them again, if they must wait.
    pub fn retry_at(self) -> Option<Timestamp> {
        if let Self::Cooldown(until) = self { Some(until) } else { None }
    }

    /// Whether they may be suggested to the viewer ("People you may know"): only when nothing
    /// stands between them: not partners, no pending request either way, no block either way, no
    /// setting of theirs refusing the viewer, no cooldown.
    pub fn may_suggest(self) -> bool {
        self == Self::Unrelated
    }

    /// A short label for people (why no request can be sent is said where the button would be).
    pub fn label(self) -> &'static str {
        match self {
            Self::Unrelated | Self::Cooldown(_) => "Not connected",
            Self::RequestSent(_) => "Request sent",
            Self::AskedYou(_) => "Asked you",
            Self::Partner(_) => "Partner",
            Self::BlockedByYou => "Blocked by you",
            Self::BlockedYou => "Blocked",
            Self::NotTaking => "Not taking requests",
        }
    }

    /// A stable token for styling and tests.
    pub fn key(self) -> &'static str {
        match self {
            Self::Unrelated => "none",
            Self::RequestSent(_) => "request-sent",
            Self::AskedYou(_) => "asked-you",
            Self::Partner(_) => "partner",
            Self::BlockedByYou | Self::BlockedYou => "blocked",
            Self::NotTaking => "not-taking",
            Self::Cooldown(_) => "cooldown",
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

    fn standing(facts: PairFacts) -> Standing {
        Standing::from_facts(facts, Lifecycle::default(), Timestamp::from_millis(0))
    }

    #[test]
    fn blocks_decide_before_anything_else() {
        let partnership = Some(PartnershipId::parse(1).unwrap());
        let facts = PairFacts { partnership, blocked_by_viewer: true, blocked_viewer: true, ..Default::default() };
        assert_eq!(standing(facts), Standing::BlockedByYou);
        let facts = PairFacts { partnership, blocked_viewer: true, ..Default::default() };
        assert_eq!(standing(facts), Standing::BlockedYou);
        assert_eq!(
            standing(PairFacts { partnership, ..Default::default() }),
            Standing::Partner(PartnershipId::parse(1).unwrap())
        );
    }

    #[test]
    fn a_pending_request_shows_its_direction() {
        let sent = standing(PairFacts { pending: Some((request(7), true)), ..Default::default() });
        assert_eq!((sent.key(), sent.cancellable(), sent.answerable()), ("request-sent", Some(request(7)), None));
        let asked = standing(PairFacts { pending: Some((request(7), false)), ..Default::default() });
        assert_eq!((asked.key(), asked.cancellable(), asked.answerable()), ("asked-you", None, Some(request(7))));
        assert_eq!(standing(PairFacts::default()), Standing::Unrelated);
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
        assert_eq!(Standing::Unrelated.check_send(), Ok(()));
        let until = Timestamp::from_millis(5);
        assert_eq!(Standing::Cooldown(until).check_send(), Err(RuleError::Cooldown(until)));
        assert_eq!(Standing::NotTaking.check_send(), Err(RuleError::NotAcceptingRequests));
    }

    #[test]
    fn their_setting_comes_before_a_cooldown_and_a_pending_request_before_both() {
        let rejected = Some((RequestStatus::Rejected, Timestamp::from_millis(0)));
        let nobody = PairFacts { accepts: AcceptsFrom::Nobody, last_cooldown: rejected, ..Default::default() };
        assert_eq!(standing(nobody), Standing::NotTaking);
        let cooling = PairFacts { last_cooldown: rejected, ..Default::default() };
        assert_eq!(standing(cooling).key(), "cooldown");
        let shared = PairFacts { accepts: AcceptsFrom::PartnersOfPartners, shares_partner: true, ..Default::default() };
        assert_eq!(standing(shared), Standing::Unrelated);
        let asked = PairFacts { pending: Some((request(2), false)), ..nobody };
        assert_eq!(standing(asked), Standing::AskedYou(request(2)));
    }

    #[test]
    fn the_actions_offered_follow_the_standing() {
        assert!(Standing::Unrelated.can_block() && !Standing::Unrelated.can_unblock());
        assert!(!Standing::BlockedByYou.can_block() && Standing::BlockedByYou.can_unblock());
        assert!(Standing::BlockedYou.refuses_you() && Standing::BlockedYou.can_block());
        assert_eq!(Standing::Partner(PartnershipId::parse(3).unwrap()).partnership().map(|p| p.get()), Some(3));
    }
}
