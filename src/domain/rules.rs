//! The rules of the product, as pure functions over facts the store read: whether a user may
//! send, answer, withdraw, end or block, and within which quotas. The store reads the facts,
//! asks here, and writes; the database's constraints stay the last judge under concurrency.

use super::{AcceptsFrom, DAY_MS, PartnerRequest, RequestStatus, RuleError, Timestamp, UserId};

/// Whether `sender` may ask `recipient` at all (what stands between them is
/// [`Standing::check_send`](super::Standing::check_send)'s to say).
pub fn check_send_to(sender: UserId, recipient: UserId, recipient_exists: bool) -> Result<(), RuleError> {
    if sender == recipient {
        return Err(RuleError::SelfRequest);
    }
    if !recipient_exists {
        return Err(RuleError::UserNotFound);
    }
    Ok(())
}

/// Whether `actor` may accept or reject `request` (`None`: there is no such request): only its
/// recipient, only while it is pending.
pub fn check_answer(actor: UserId, request: Option<&PartnerRequest>) -> Result<(), RuleError> {
    check_close(actor, request, |request| request.recipient_id)
}

/// Whether `actor` may withdraw `request`: only its sender, only while it is pending.
pub fn check_cancel(actor: UserId, request: Option<&PartnerRequest>) -> Result<(), RuleError> {
    check_close(actor, request, |request| request.sender_id)
}

/// Whether `actor` may see `request`: only its sender and its recipient may; to anyone else it is
/// `Forbidden`.
pub fn check_party(actor: UserId, request: &PartnerRequest) -> Result<(), RuleError> {
    if actor != request.sender_id && actor != request.recipient_id {
        return Err(RuleError::Forbidden);
    }
    Ok(())
}

fn check_close(
    actor: UserId,
    request: Option<&PartnerRequest>,
    party: impl Fn(&PartnerRequest) -> UserId,
) -> Result<(), RuleError> {
    let request = request.ok_or(RuleError::RequestNotFound)?;
    if party(request) != actor {
        return Err(RuleError::Forbidden);
    }
    if request.status != RequestStatus::Pending {
        return Err(RuleError::NotPending);
    }
    Ok(())
}

/// Whether `actor` may end the partnership of `members` (`None`: there is no such partnership):
/// either member may.
pub fn check_end(actor: UserId, members: Option<(UserId, UserId)>) -> Result<(), RuleError> {
    let (a, b) = members.ok_or(RuleError::PartnershipNotFound)?;
    if actor != a && actor != b {
        return Err(RuleError::Forbidden);
    }
    Ok(())
}

/// Whether `blocker` may block `blocked`.
pub fn check_block(blocker: UserId, blocked: UserId, blocked_exists: bool) -> Result<(), RuleError> {
    if blocker == blocked {
        return Err(RuleError::SelfBlock);
    }
    if !blocked_exists {
        return Err(RuleError::UserNotFound);
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

impl SendQuotas {
    /// Whether any quota holds, so that a send must count the sender's recent requests.
    pub fn apply(self) -> bool {
        self.daily > 0 || self.new_account > 0
    }

    /// The first instant of the window the quotas count sends in, at `now`.
    pub fn window_start(now: Timestamp) -> Timestamp {
        now.minus_millis(QUOTA_WINDOW_MS)
    }
}

/// The window both send quotas count in: the last 24 hours.
pub const QUOTA_WINDOW_MS: i64 = DAY_MS;

/// How long an account counts as new.
pub const NEW_ACCOUNT_AGE_MS: i64 = DAY_MS;

/// Whether a sender who sent `sent_last_day` requests in the quota window (see
/// [`SendQuotas::window_start`]), with an account `account_age_ms` old, may send one more.
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

/// How long a request lives and what its ending starts, in days; 0 switches each off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// A pending request expires this long after it was sent.
    pub ttl_days: u32,
    /// Its recipient is reminded once when this much of its life remains.
    pub reminder_days: u32,
    /// After a rejection the sender waits this long before asking the same person again (after
    /// a withdrawal, one day); 0 turns both off.
    pub cooldown_days: u32,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self { ttl_days: 30, reminder_days: 3, cooldown_days: 30 }
    }
}

impl Lifecycle {
    /// When a request sent at `sent` expires; `None`: never.
    pub fn expires_at(self, sent: Timestamp) -> Option<Timestamp> {
        (self.ttl_days > 0).then(|| sent.plus_millis(i64::from(self.ttl_days) * DAY_MS))
    }

    /// How long before its expiry a request's recipient is reminded; `None`: no reminders (also
    /// when the lead is the whole lifetime or more, which would remind at the moment of sending).
    pub fn reminder_lead_ms(self) -> Option<i64> {
        (self.reminder_days > 0 && self.reminder_days < self.ttl_days).then(|| i64::from(self.reminder_days) * DAY_MS)
    }

    /// Until when a sender must wait after their last request to the same recipient ended as
    /// `status` at `closed_at`; `None` when they need not wait at all.
    pub fn cooldown_until(self, status: RequestStatus, closed_at: Timestamp) -> Option<Timestamp> {
        let days = match status {
            _ if self.cooldown_days == 0 || !status.starts_cooldown() => return None,
            RequestStatus::Rejected => i64::from(self.cooldown_days),
            _ => 1,
        };
        Some(closed_at.plus_millis(days * DAY_MS))
    }
}

/// Whether a request that expires at `expires_at` (`None`: never) has expired at `now`: from the
/// instant of its expiry on. The store's SQL says the same in `store/expiry.rs`.
pub fn has_expired(expires_at: Option<Timestamp>, now: Timestamp) -> bool {
    expires_at.is_some_and(|at| at <= now)
}

/// Whether a sender may ask again, given the last of their requests to the same recipient that
/// started a cooldown (its status and when it closed).
pub fn check_cooldown(
    lifecycle: Lifecycle,
    last: Option<(RequestStatus, Timestamp)>,
    now: Timestamp,
) -> Result<(), RuleError> {
    match last.and_then(|(status, closed_at)| lifecycle.cooldown_until(status, closed_at)) {
        Some(until) if until > now => Err(RuleError::Cooldown(until)),
        _ => Ok(()),
    }
}

/// Whether a recipient whose setting is `accepts` takes a request from a sender with whom they
/// share a partner (`shares_partner`) or not.
pub fn check_accepts(accepts: AcceptsFrom, shares_partner: bool) -> Result<(), RuleError> {
    match accepts {
        AcceptsFrom::Everyone => Ok(()),
        AcceptsFrom::PartnersOfPartners if shares_partner => Ok(()),
        AcceptsFrom::PartnersOfPartners | AcceptsFrom::Nobody => Err(RuleError::NotAcceptingRequests),
    }
}

/// The pair in canonical order (lower id first), as the unique indexes store it.
pub fn ordered_pair(a: UserId, b: UserId) -> (UserId, UserId) {
    if a <= b { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RequestId, Timestamp};

    fn user(id: i64) -> UserId {
        UserId::parse(id).unwrap()
    }

    fn request(sender: i64, recipient: i64, status: RequestStatus) -> PartnerRequest {
        PartnerRequest {
            id: RequestId::parse(1).unwrap(),
            sender_id: user(sender),
            recipient_id: user(recipient),
            status,
            message: None,
            created_at: Timestamp::from_millis(0),
            responded_at: None,
            expires_at: None,
        }
    }

    #[test]
    fn nobody_asks_themselves_or_no_one() {
        assert_eq!(check_send_to(user(1), user(2), true), Ok(()));
        assert_eq!(check_send_to(user(3), user(3), true), Err(RuleError::SelfRequest));
        assert_eq!(check_send_to(user(1), user(2), false), Err(RuleError::UserNotFound));
    }

    #[test]
    fn only_the_recipient_answers_and_only_a_pending_request() {
        let pending = request(1, 2, RequestStatus::Pending);
        assert_eq!(check_answer(user(2), Some(&pending)), Ok(()));
        assert_eq!(check_answer(user(1), Some(&pending)), Err(RuleError::Forbidden));
        assert_eq!(check_answer(user(3), Some(&pending)), Err(RuleError::Forbidden));
        assert_eq!(check_answer(user(2), Some(&request(1, 2, RequestStatus::Rejected))), Err(RuleError::NotPending));
        assert_eq!(check_answer(user(2), None), Err(RuleError::RequestNotFound));
    }

    #[test]
    fn only_the_sender_withdraws_and_only_a_pending_request() {
        let pending = request(1, 2, RequestStatus::Pending);
        assert_eq!(check_cancel(user(1), Some(&pending)), Ok(()));
        assert_eq!(check_cancel(user(2), Some(&pending)), Err(RuleError::Forbidden));
        assert_eq!(check_cancel(user(1), Some(&request(1, 2, RequestStatus::Accepted))), Err(RuleError::NotPending));
        assert_eq!(check_cancel(user(1), None), Err(RuleError::RequestNotFound));
    }

    #[test]
    fn a_request_past_its_time_is_no_longer_pending() {
        let at = Timestamp::from_millis(10);
        let pending = PartnerRequest { expires_at: Some(at), ..request(1, 2, RequestStatus::Pending) };
        assert_eq!(check_answer(user(2), Some(&pending.clone().as_of(at.minus_millis(1)))), Ok(()));
        let expired = pending.as_of(at);
        assert_eq!((expired.status, expired.responded_at), (RequestStatus::Expired, Some(at)));
        assert_eq!(check_answer(user(2), Some(&expired)), Err(RuleError::NotPending));
        assert_eq!(check_cancel(user(1), Some(&expired)), Err(RuleError::NotPending));
    }

    #[test]
    fn either_member_ends_a_partnership_and_no_one_else() {
        assert_eq!(check_end(user(1), Some((user(1), user(2)))), Ok(()));
        assert_eq!(check_end(user(2), Some((user(1), user(2)))), Ok(()));
        assert_eq!(check_end(user(3), Some((user(1), user(2)))), Err(RuleError::Forbidden));
        assert_eq!(check_end(user(1), None), Err(RuleError::PartnershipNotFound));
    }

    #[test]
    fn nobody_blocks_themselves_or_no_one() {
        assert_eq!(check_block(user(1), user(2), true), Ok(()));
        assert_eq!(check_block(user(1), user(1), true), Err(RuleError::SelfBlock));
        assert_eq!(check_block(user(1), user(2), false), Err(RuleError::UserNotFound));
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
    fn a_rejection_waits_the_cooldown_a_withdrawal_one_day_and_zero_turns_both_off() {
        let lifecycle = Lifecycle::default();
        let closed = Timestamp::from_millis(1_000);
        let day_later = closed.plus_millis(DAY_MS);
        let rejected = Some((RequestStatus::Rejected, closed));
        assert_eq!(
            check_cooldown(lifecycle, rejected, day_later),
            Err(RuleError::Cooldown(closed.plus_millis(30 * DAY_MS)))
        );
        assert_eq!(check_cooldown(lifecycle, rejected, closed.plus_millis(30 * DAY_MS)), Ok(()));
        let cancelled = Some((RequestStatus::Cancelled, closed));
        assert_eq!(
            check_cooldown(lifecycle, cancelled, day_later.minus_millis(1)),
            Err(RuleError::Cooldown(day_later))
        );
        assert_eq!(check_cooldown(lifecycle, cancelled, day_later), Ok(()));
        let off = Lifecycle { cooldown_days: 0, ..lifecycle };
        assert_eq!(check_cooldown(off, rejected, closed), Ok(()));
        assert_eq!(check_cooldown(off, cancelled, closed), Ok(()));
        assert_eq!(check_cooldown(lifecycle, Some((RequestStatus::Expired, closed)), closed), Ok(()));
        assert_eq!(check_cooldown(lifecycle, None, closed), Ok(()));
    }

    #[test]
    fn a_lifetime_of_zero_never_expires_and_never_reminds() {
        let sent = Timestamp::from_millis(0);
        assert_eq!(Lifecycle::default().expires_at(sent), Some(sent.plus_millis(30 * DAY_MS)));
        assert_eq!(Lifecycle::default().reminder_lead_ms(), Some(3 * DAY_MS));
        let never = Lifecycle { ttl_days: 0, ..Lifecycle::default() };
        assert_eq!((never.expires_at(sent), never.reminder_lead_ms()), (None, None));
        assert_eq!(Lifecycle { reminder_days: 0, ..Lifecycle::default() }.reminder_lead_ms(), None);
    }

    #[test]
    fn who_may_ask_follows_the_recipients_setting() {
        assert_eq!(check_accepts(AcceptsFrom::Everyone, false), Ok(()));
        assert_eq!(check_accepts(AcceptsFrom::PartnersOfPartners, true), Ok(()));
        assert_eq!(check_accepts(AcceptsFrom::PartnersOfPartners, false), Err(RuleError::NotAcceptingRequests));
        assert_eq!(check_accepts(AcceptsFrom::Nobody, true), Err(RuleError::NotAcceptingRequests));
    }

    #[test]
    fn pairs_are_ordered_low_first() {
        assert_eq!(ordered_pair(user(5), user(2)), (user(2), user(5)));
        assert_eq!(ordered_pair(user(2), user(5)), (user(2), user(5)));
    }
}
