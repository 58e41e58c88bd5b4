//! The rules of sending a partner request, as pure functions over facts the store gathered.

use super::{RequestId, RuleError, UserId};

/// What stands between two users, seen from the first of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Relation {
    pub partners: bool,
    /// Either of the two blocked the other.
    pub blocked: bool,
    /// The pending request from the first user to the second, if any.
    pub pending_sent: Option<RequestId>,
    /// The pending request from the second user to the first, if any.
    pub pending_received: Option<RequestId>,
}

/// Whether `sender` may ask `recipient` to become partners, given what stands between them.
pub fn check_can_send(sender: UserId, recipient: UserId, relation: &Relation) -> Result<(), RuleError> {
    if sender == recipient {
        return Err(RuleError::SelfRequest);
    }
    if relation.blocked {
        return Err(RuleError::Blocked);
    }
    if relation.partners {
        return Err(RuleError::AlreadyPartners);
    }
    if relation.pending_sent.is_some() {
        return Err(RuleError::DuplicateRequest);
    }
    if let Some(id) = relation.pending_received {
        return Err(RuleError::ReverseRequestPending(id));
    }
    Ok(())
}

/// The pair in canonical order (lower id first), as the unique indexes store it.
pub fn ordered_pair(a: UserId, b: UserId) -> (UserId, UserId) {
    if a <= b { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64) -> UserId {
        UserId::parse(id).unwrap()
    }

    #[test]
    fn a_clear_relation_allows_sending() {
        assert_eq!(check_can_send(user(1), user(2), &Relation::default()), Ok(()));
    }

    #[test]
    fn each_obstacle_has_its_own_error() {
        let id = RequestId::parse(9).unwrap();
        let cases = [
            (Relation { blocked: true, ..Default::default() }, RuleError::Blocked),
            (Relation { partners: true, ..Default::default() }, RuleError::AlreadyPartners),
            (Relation { pending_sent: Some(id), ..Default::default() }, RuleError::DuplicateRequest),
            (Relation { pending_received: Some(id), ..Default::default() }, RuleError::ReverseRequestPending(id)),
        ];
        for (relation, expected) in cases {
            assert_eq!(check_can_send(user(1), user(2), &relation), Err(expected));
        }
        assert_eq!(check_can_send(user(3), user(3), &Relation::default()), Err(RuleError::SelfRequest));
    }

    #[test]
    fn pairs_are_ordered_low_first() {
        assert_eq!(ordered_pair(user(5), user(2)), (user(2), user(5)));
        assert_eq!(ordered_pair(user(2), user(5)), (user(2), user(5)));
    }
}
