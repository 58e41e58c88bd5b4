//! The per-client rate limits counted in Redis (`DEALNEST_REDIS_URL`), so that every instance
//! spends from the same allowance: N instances allow what one does.
//!
//! Each check is one call of a script (GCRA, the generic cell rate algorithm): the client's key
//! holds the moment its allowance is next full ("theoretical arrival time"); a request moves it
//! one interval on, unless that would put it more than a whole period ahead of now, and then
//! the answer is how long to wait. The script reads the clock of Redis itself, so instances
//! whose clocks differ still agree, and the key expires when the allowance is full again: Redis
//! holds at most one small key per client active in the last minute.
//!
//! Redis is a help, not a dependency: a check that has no answer within [`ANSWER_WITHIN`] (Redis
//! down, unreachable or slow) is counted in this process instead, as without Redis, and Redis is
//! left alone for [`RETRY_AFTER`] before one request tries it again. That is logged once when
//! it starts and once when it ends, never per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::client::ClientKey;

/// How long a check waits for Redis before counting in this process instead.
const ANSWER_WITHIN: Duration = Duration::from_millis(100);
/// How long Redis is left alone after it failed to answer.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// GCRA in one round trip. KEYS[1]: the client's allowance; ARGV[1]: the interval between two
/// requests in milliseconds; ARGV[2]: the period a full allowance spans (interval × limit).
/// Returns 0 when the request is allowed, else the milliseconds to wait.
const GCRA: &str = r"
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - period - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], next_tat, 'PX', next_tat - now)
return 0
";

/// Rate limits held in Redis, shared by every instance that names the same server and prefix.
#[derive(Clone)]
pub struct SharedLimits(Arc<Inner>);

struct Inner {
    connection: ConnectionManager,
    script: redis::Script,
    prefix: String,
    started: Instant,
    /// Milliseconds since `started` before which Redis is not asked.
    resting_until: AtomicU64,
    /// Whether Redis is failing now: its start and end are logged once.
    failing: AtomicBool,
}

/// What Redis said of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the allowance; this many seconds until the next request is allowed.
    Wait(u64),
    /// Redis did not answer: count it in this process.
    Unknown,
}

impl SharedLimits {
    /// Limits in the Redis at `url` (`redis://`, `rediss://`, with a password and a database
    /// number if need be), under keys that start with `prefix`. Connects on first use.
    pub fn new(url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("not a Redis URL ({e})"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(1)))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| format!("cannot use that Redis ({e})"))?;
        Ok(Self(Arc::new(Inner {
            connection,
            script: redis::Script::new(GCRA),
            prefix: prefix.to_owned(),
            started: Instant::now(),
            resting_until: AtomicU64::new(0),
            failing: AtomicBool::new(false),
        })))
    }

    /// Spends one request of `key`'s allowance of `per_minute` in `budget`.
    pub async fn check(&self, budget: &str, key: &ClientKey, per_minute: u32) -> Verdict {
        let inner = &*self.0;
        let now = inner.started.elapsed().as_millis() as u64;
        if now < inner.resting_until.load(Ordering::Relaxed) {
            return Verdict::Unknown;
        }
        let interval = 60_000u64.div_ceil(u64::from(per_minute.max(1)));
        let period = interval * u64::from(per_minute);
        let mut connection = inner.connection.clone();
        let mut call = inner.script.key(redis_key(&inner.prefix, budget, key));
        call.arg(interval).arg(period);
        let answer = tokio::time::timeout(ANSWER_WITHIN, call.invoke_async::<u64>(&mut connection)).await;
        match answer {
            Ok(Ok(wait_ms)) => {
                if inner.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis answers again: rate limits are shared by every instance again");
                }
                match wait_ms {
                    0 => Verdict::Allowed,
                    ms => Verdict::Wait(ms.div_ceil(1000)),
                }
            }
            failed => {
                let error = match failed {
                    Ok(Err(error)) => error.to_string(),
                    _ => format!("no answer within {ANSWER_WITHIN:?}"),
                };
                let rest = inner.started.elapsed() + RETRY_AFTER;
                inner.resting_until.store(rest.as_millis() as u64, Ordering::Relaxed);
                if !inner.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        %error,
                        "Redis does not answer: rate limits are counted in each instance alone until it does"
                    );
                }
                metrics::counter!("dealnest_rate_limit_fallbacks_total").increment(1);
                Verdict::Unknown
            }
        }
    }
}

/// `<prefix>:rl:<budget>:<client>`.
fn redis_key(prefix: &str, budget: &str, key: &ClientKey) -> String {
    match key {
        ClientKey::User(id) => format!("{prefix}:rl:{budget}:u{id}"),
        ClientKey::Net(ip) => format!("{prefix}:rl:{budget}:a{ip}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_budget_and_the_client() {
        assert_eq!(redis_key("dn", "writes", &ClientKey::User(7)), "dn:rl:writes:u7");
        let net = ClientKey::address("2001:db8:1:2::9".parse().unwrap());
        assert_eq!(redis_key("dn", "reads", &net), "dn:rl:reads:a2001:db8:1:2::");
    }

    #[tokio::test]
    async fn an_unreachable_redis_leaves_the_count_to_the_process_at_once() {
        // Nothing listens on port 1.
        let limits = SharedLimits::new("redis://127.0.0.1:1", "dn-test").unwrap();
        let started = Instant::now();
        assert_eq!(limits.check("writes", &ClientKey::User(1), 10).await, Verdict::Unknown);
        assert!(started.elapsed() <= ANSWER_WITHIN + Duration::from_millis(200), "{:?}", started.elapsed());
        // Resting: not asked again for a while.
        let started = Instant::now();
        for _ in 0..100 {
            assert_eq!(limits.check("writes", &ClientKey::User(1), 10).await, Verdict::Unknown);
        }
        assert!(started.elapsed() < Duration::from_millis(50), "{:?}", started.elapsed());
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(SharedLimits::new("http://localhost", "dn").is_err());
        assert!(SharedLimits::new("not a url", "dn").is_err());
    }
}
