//! Bulk loading of a synthetic data set for benchmarks (`dealnest seed`): many users, pending
//! requests and partnerships, written with multi-row inserts (`store/seeding.rs`) in a few large
//! transactions instead of one HTTP call (and one transaction) per row. Not a use case of the
//! product: it writes the rows directly, past the rules, keeping the invariants by construction.
//!
//! The rows keep every invariant the schema holds: each request and partnership is between two
//! distinct users, pairs are stored in canonical order, no pair has two pending requests, and no
//! pair with a pending request is already partners. Pairs are laid out arithmetically: user `i`
//! is paired with user `(i + d) mod n` for a small distance `d`; distances below `n / 2` never
//! name the same unordered pair twice, and requests and partnerships use disjoint distances.
//! Seeding writes no notifications: they would only be delivery work the benchmark does not
//! measure.
//!
//! A skewed graph (`hubs`) adds a few best-connected users, the first `hubs` users, each a
//! partner of the same `hub_partners` users (at distances past every distance the layout uses,
//! so no pair repeats): the worst case of partners in common (two hubs share every partner) and
//! of suggestions (a user whose partners are hubs).

use crate::domain::Timestamp;
use crate::service::Service;
use crate::store::{DatabaseError, StoreError, seeding, users};
/// Rows per transaction: large enough to amortise the commit, small enough to keep the
/// write-ahead log (SQLite) or the transaction (PostgreSQL) of modest size.
const ROWS_PER_COMMIT: usize = 50_000;

const FIRST_NAMES: &[&str] = &[
    "Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Karl", "Laura", "Mallory",
    "Nadia", "Oscar", "Peggy", "Quentin", "Rupert", "Sybil", "Trent", "Ursula", "Victor", "Wendy", "Xavier", "Yasmin",
    "Zoe",
];
const LAST_NAMES: &[&str] = &[
    "Martin", "Okafor", "Nguyen", "Fischer", "Walsh", "Moreau", "Kim", "Larsen", "Silva", "Novak", "Rossi", "Tanaka",
    "Haddad", "Kowalski", "Dubois", "Jensen", "Ibrahim", "Costa", "Murphy", "Schmidt",
];

/// How much to load.
#[derive(Debug, Clone, Copy)]
pub struct SeedPlan {
    pub users: usize,
    pub requests: usize,
    pub partnerships: usize,
    /// Best-connected users (the first ones), each with `hub_partners` more partners.
    pub hubs: usize,
    pub hub_partners: usize,
}

/// Why a seed did not run.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the database already has users; seed an empty one")]
    NotEmpty,
    #[error("too many requests and partnerships for that many users (each needs its own pair)")]
    TooManyPairs,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DatabaseError> for SeedError {
    fn from(error: DatabaseError) -> Self {
        Self::Store(error.into())
    }
}

type SeedResult<T> = Result<T, SeedError>;

/// What was loaded: the id range of the users, in creation order.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub first_user: i64,
    pub last_user: i64,
}

impl SeedPlan {
    /// The distances used for requests, then for partnerships; `None` when the pairs do not fit
    /// below `users / 2` (the plan asks for more pairs than the layout can give without repeats).
    fn distances(&self) -> Option<(usize, usize)> {
        let n = self.users;
        if n < 2 {
            return (self.requests == 0 && self.partnerships == 0).then_some((0, 0));
        }
        let request_rounds = self.requests.div_ceil(n);
        let partnership_rounds = self.partnerships.div_ceil(n);
        // Distance d and n - d name the same pairs, so only d < n/2 (or exactly n/2 once) is safe.
        let fits = request_rounds + partnership_rounds < n.div_ceil(2);
        // Hub partners sit at indexes past every distance used, and short of wrapping around to it.
        let used = request_rounds + partnership_rounds;
        let hubs_fit = self.hubs == 0 || self.hubs + 2 * used + 1 + self.hub_partners < n;
        (fits && hubs_fit).then_some((request_rounds, partnership_rounds))
    }
}

/// Loads `plan` into an empty database. Refuses a database that already has users, so the
/// synthetic rows never mix with real ones.
pub async fn load(service: &Service, plan: SeedPlan) -> SeedResult<Seeded> {
    if plan.distances().is_none() {
        return Err(SeedError::TooManyPairs);
    }
    let db = service.database();
    if db.read(async |conn| Ok(users::any(conn).await?)).await? {
        return Err(SeedError::NotEmpty);
    }
    let now = service.now().millis();
    let mut ids = seed_users(service, plan.users, now).await?;
    ids.sort_unstable();
    let n = ids.len();
    let request_rounds = plan.requests.div_ceil(n.max(1));

    // Request k: recipient k mod n, sender at distance 1 + k / n; one millisecond apart,
    // newest last, so "newest first" has a clear order.
    let requests = (0..plan.requests).map(|k| {
        let recipient = ids[k % n];
        let sender = ids[(k % n + 1 + k / n) % n];
        let created = now - (plan.requests - k) as i64;
        (sender, recipient, created)
    });
    // Each expires as the service's lifetime says (never when it is 0).
    let lifetime = service.request_lifecycle().expires_at(Timestamp::from_millis(0)).map(Timestamp::millis);
    insert_batches(
        service,
        "insert into partner_requests \
           (sender_id, recipient_id, user_low, user_high, created_at, expires_at, status) values ",
        "'pending'",
        requests
            .map(|(s, r, at)| [Some(s), Some(r), Some(s.min(r)), Some(s.max(r)), Some(at), lifetime.map(|l| at + l)]),
    )
    .await?;

    let partnerships = (0..plan.partnerships).map(|k| {
        let a = ids[k % n];
        let b = ids[(k % n + 1 + request_rounds + k / n) % n];
        let created = now - (plan.partnerships - k) as i64;
        [Some(a.min(b)), Some(a.max(b)), Some(created)]
    });
    insert_batches(service, "insert into partnerships (user_a_id, user_b_id, created_at) values ", "", partnerships)
        .await?;
    // Hub h (index h) and partner index j: j - h exceeds every distance used, and stays
    // below n minus it, so neither way round is the pair one the layout made.
    let first_partner = plan.hubs + request_rounds + plan.partnerships.div_ceil(n.max(1)) + 1;
    let hub_pairs = (0..plan.hubs).flat_map(|h| (0..plan.hub_partners).map(move |k| (h, first_partner + k)));
    let hub_partnerships = hub_pairs.map(|(h, j)| [Some(ids[h]), Some(ids[j]), Some(now - 1)]);
    insert_batches(
        service,
        "insert into partnerships (user_a_id, user_b_id, created_at) values ",
        "",
        hub_partnerships,
    )
    .await?;
    db.write(async |conn| Ok(seeding::analyze(conn).await?)).await?;
    Ok(Seeded { first_user: ids.first().copied().unwrap_or(0), last_user: ids.last().copied().unwrap_or(0) })
}

/// Inserts `count` users named from a few first and last names (so searches find some, not
/// all), with unique e-mails; returns their ids.
async fn seed_users(service: &Service, count: usize, now: i64) -> SeedResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(count);
    for start in (0..count).step_by(ROWS_PER_COMMIT) {
        let end = (start + ROWS_PER_COMMIT).min(count);
        let users: Vec<(String, String, String, i64)> = (start..end)
            .map(|i| {
                let [email, name, key] = seeded_user(i);
                (email, name, key, now - (count - i) as i64)
            })
            .collect();
        ids.extend(service.database().write(async move |conn| Ok(seeding::insert_users(conn, &users).await?)).await?);
    }
    Ok(ids)
}

/// Inserts rows of `W` integers, committing every `ROWS_PER_COMMIT` rows. `constant`, when not
/// empty, is one more literal column after them.
async fn insert_batches<const W: usize>(
    service: &Service,
    head: &'static str,
    constant: &'static str,
    rows: impl Iterator<Item = [Option<i64>; W]>,
) -> SeedResult<()> {
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let chunk: Vec<[Option<i64>; W]> = rows.by_ref().take(ROWS_PER_COMMIT).collect();
        service
            .database()
            .write(async move |conn| Ok(seeding::insert_rows(conn, head, constant, &chunk).await?))
            .await?;
    }
    Ok(())
}

/// The `i`th seeded user's e-mail, name and search key.
fn seeded_user(i: usize) -> [String; 3] {
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
    let name = format!("{first} {last} {i}");
    let email = format!("{}.{}{i}@example.com", first.to_lowercase(), last.to_lowercase());
    let key = name.to_lowercase();
    [email, name, key]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_that_would_repeat_a_pair_are_refused() {
        let plan = |users, requests, partnerships| SeedPlan { users, requests, partnerships, hubs: 0, hub_partners: 0 };
        assert!(plan(2_000, 20_000, 6_000).distances().is_some());
        assert!(plan(2_000, 1_000_000, 6_000).distances().is_some());
        assert!(plan(10, 40, 10).distances().is_none());
        assert!(plan(1, 1, 0).distances().is_none());
        let skewed = SeedPlan { hubs: 5, hub_partners: 6_000, ..plan(1_000_000, 0, 3_000_000) };
        assert!(skewed.distances().is_some());
        assert!(SeedPlan { hub_partners: 2_000, ..skewed }.distances().is_some());
        assert!(SeedPlan { users: 6_000, ..skewed }.distances().is_none(), "hub partners past the last user");
    }
}
