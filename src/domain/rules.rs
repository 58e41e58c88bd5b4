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

/// How many partner requests one user may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendQuotas {
    /// Per 24 hours; 0 is no limit.
    pub daily: u32,
    /// Per 24 hours while the account is younger than a day; 0 is no separate limit.
    pub new_account: u32,
}

impl Default for SendQuotas {
    fn default() -> Self {
        Self { daily: 50, new_account: 5 }
    }
}

/// How long an account counts as new.
pub const NEW_ACCOUNT_AGE_MS: i64 = 24 * 60 * 60 * 1000;

/// Whether a sender who sent `sent_last_day` requests in the last 24 hours, with an account
/// `account_age_ms` old, may send one more.
pub fn check_quota(quotas: SendQuotas, sent_last_day: i64, account_age_ms: i64) -> Result<(), RuleError> {
    let new_account = account_age_ms < NEW_ACCOUNT_AGE_MS && quotas.new_account > 0;
    if new_account && (quotas.daily == 0 || quotas.new_account < quotas.daily) {
        if sent_last_day >= i64::from(quotas.new_account) {
            return Err(RuleError::NewAccountQuotaExceeded(quotas.new_account));
        }
        return Ok(());
    }
    if quotas.daily > 0 && sent_last_day >= i64::from(quotas.daily) {
        return Err(RuleError::QuotaExceeded(quotas.daily));
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
    fn a_new_account_has_its_own_smaller_quota_for_its_first_day() {
        const DAY: i64 = NEW_ACCOUNT_AGE_MS;
        let quotas = SendQuotas { daily: 50, new_account: 5 };
        assert_eq!(check_quota(quotas, 4, DAY - 1), Ok(()));
        assert_eq!(check_quota(quotas, 5, DAY - 1), Err(RuleError::NewAccountQuotaExceeded(5)));
        assert_eq!(check_quota(quotas, 5, DAY), Ok(()), "a day old: the daily quota applies");
        assert_eq!(check_quota(quotas, 50, DAY), Err(RuleError::QuotaExceeded(50)));
        let separate_off = SendQuotas { daily: 50, new_account: 0 };
        assert_eq!(check_quota(separate_off, 49, 0), Ok(()));
        assert_eq!(check_quota(separate_off, 50, 0), Err(RuleError::QuotaExceeded(50)));
        let daily_off = SendQuotas { daily: 0, new_account: 5 };
        assert_eq!(check_quota(daily_off, 1_000, DAY), Ok(()));
        assert_eq!(check_quota(daily_off, 5, 0), Err(RuleError::NewAccountQuotaExceeded(5)));
        // A new-account quota above the daily one never loosens the daily one.
        assert_eq!(check_quota(SendQuotas { daily: 3, new_account: 5 }, 3, 0), Err(RuleError::QuotaExceeded(3)));
    }

    #[test]
    fn pairs_are_ordered_low_first() {
        assert_eq!(ordered_pair(user(5), user(2)), (user(2), user(5)));
        assert_eq!(ordered_pair(user(2), user(5)), (user(2), user(5)));
    }
}
