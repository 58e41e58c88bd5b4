//! Where users stand with a viewer, as facts of each pair (see `domain::Standing`): read by one
//! query for a page of users rather than one per row. Sending a request reads the same facts,
//! in its transaction.

use super::db::{Columns, Conn, DbResult, Value};
use super::expiry::pending_at;
use super::settings::accepts;
use crate::domain::{Id, PairFacts, RequestStatus, Timestamp, UserId};

/// Users whose pair facts one statement reads: a page of "Find partners" and the row that tells
/// whether another follows.
const STANDING_SLOTS: usize = 21;

/// The facts of each of `others`' pair with `viewer` at `now` (see [`candidate_select`]): one
/// statement per [`STANDING_SLOTS`] users, each fact found by one index lookup per user. A user
/// who does not exist is left out; whether two share a partner is not read here
/// (`network::shares_partner`, asked only when it decides).
pub(crate) async fn pair_facts(
    conn: &mut Conn<'_>,
    viewer: UserId,
    others: &[UserId],
    now: Timestamp,
) -> DbResult<Vec<(UserId, PairFacts)>> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let slots: Vec<String> = (3..STANDING_SLOTS + 3).map(|n| format!("${n}")).collect();
        candidate_select("users u", &format!("u.user_id in ({})", slots.join(", ")))
    });
    let mut found = Vec::with_capacity(others.len());
    for chunk in others.chunks(STANDING_SLOTS) {
        // Unused slots repeat an id, so one statement text serves every chunk.
        let mut params = vec![Value::from(viewer.get()), Value::from(now.millis())];
        params.extend((0..STANDING_SLOTS).map(|i| Value::from(chunk[i.min(chunk.len() - 1)].get())));
        found.extend(conn.fetch_all(sql, &params, &|row| pair_facts_row(row, viewer)).await?);
    }
    Ok(found)
}

/// Users `u` (read from `from`) with the facts of each one's pair with the viewer (`$1`) at `$2`,
/// filtered by `rest`. Each fact is at most one row (the partnership and the pending request by
/// unique indexes, each block by the primary key, the settings by theirs, the viewer's last
/// request to them that started a cooldown by `partner_requests_cooldowns`), so left joins find
/// each with one index lookup per user. A pending request past its time is no longer pending.
fn candidate_select(from: &str, rest: &str) -> String {
    const LOW: &str = "case when u.user_id < $1 then u.user_id else $1 end";
    const HIGH: &str = "case when u.user_id < $1 then $1 else u.user_id end";
    const PENDING: &str = pending_at!("r.", "$2");
    format!(
        "select u.user_id, p.partnership_id, \
           r.request_id as pending_id, r.sender_id as pending_sender, \
           mine.blocker_id as blocked_by_me, theirs.blocker_id as blocked_me, \
           s.accepts_requests_from as accepts, c.status as cooldown_status, c.responded_at as cooldown_from \
         from {from} \
         left join partnerships p on p.user_a_id = {LOW} and p.user_b_id = {HIGH} \
         left join partner_requests r on r.user_low = {LOW} and r.user_high = {HIGH} and {PENDING} \
         left join blocks mine on mine.blocker_id = $1 and mine.blocked_id = u.user_id \
         left join blocks theirs on theirs.blocker_id = u.user_id and theirs.blocked_id = $1 \
         left join user_settings s on s.user_id = u.user_id \
         left join partner_requests c on c.request_id = (select l.request_id from partner_requests l \
           where l.sender_id = $1 and l.recipient_id = u.user_id and l.starts_cooldown = 1 \
           order by l.responded_at desc limit 1) \
         where {rest}"
    )
}

fn pair_facts_row(row: &dyn Columns, viewer: UserId) -> DbResult<(UserId, PairFacts)> {
    let user = Id::new(row.int("user_id")?);
    let partnership = row.opt_int("partnership_id")?.map(Id::new);
    let pending = match (row.opt_int("pending_id")?, row.opt_int("pending_sender")?) {
        (Some(id), Some(sender)) => Some((Id::new(id), sender == viewer.get())),
        _ => None,
    };
    let last_cooldown = match (row.opt_text("cooldown_status")?, row.opt_int("cooldown_from")?) {
        (Some(status), Some(at)) => RequestStatus::parse(&status).map(|status| (status, Timestamp::from_millis(at))),
        _ => None,
    };
    let facts = PairFacts {
        partnership,
        pending,
        blocked_by_viewer: row.opt_int("blocked_by_me")?.is_some(),
        blocked_viewer: row.opt_int("blocked_me")?.is_some(),
        last_cooldown,
        accepts: accepts(row.opt_text("accepts")?),
        shares_partner: false,
    };
    Ok((user, facts))
}
