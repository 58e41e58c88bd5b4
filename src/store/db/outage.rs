//! Whether the database serves, as the store's calls find it. An outage starts with the first
//! call that finds the database unavailable and ends with a call that succeeds a second or more
//! after the last failure (so calls that still get through during an overload do not end it at
//! every turn); a storage-full or read-only outage ends only with a write that succeeds, since
//! reads go on meanwhile. Each start and each end is logged once, the end with how long it lasted
//! and how many requests were refused: never a line per request.
//!
//! While the database is out of reach (no connection can be made at all), calls fail at once
//! instead of each waiting out the acquire timeout for the same answer: the store refuses them
//! (`DatabaseError::OutOfReach`, a 503 `database_unavailable`) and a single probe tries the
//! database every [`PROBE_EVERY`] (see `Database::watch`); the first probe that gets an answer ends the
//! outage, and calls go through again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::error::Unavailable;

/// How long calls must have gone without a failure before a success ends an outage.
const QUIET: Duration = Duration::from_secs(1);

/// How often the probe tries a database that is out of reach.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);

#[derive(Default)]
pub struct Outages {
    /// Whether an outage is under way: the one thing a successful call looks at.
    active: AtomicBool,
    /// Whether the database is out of reach: calls are refused without being tried.
    out_of_reach: AtomicBool,
    /// Whether a probe is watching for the database's return.
    probing: AtomicBool,
    current: Mutex<Option<Outage>>,
}

#[derive(Debug, Clone, Copy)]
struct Outage {
    cause: Unavailable,
    since: Instant,
    last_failure: Instant,
    refused: u64,
}

impl Outages {
    /// A call found the database unavailable.
    pub fn failed(&self, cause: Unavailable) {
        let now = Instant::now();
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        match current.as_mut() {
            Some(outage) => outage.last_failure = now,
            None => {
                tracing::warn!(
                    cause = cause.code(),
                    "the database is unavailable ({}): requests that need it are answered 503 until it serves again",
                    cause.code()
                );
                *current = Some(Outage { cause, since: now, last_failure: now, refused: 0 });
                self.active.store(true, Ordering::Release);
            }
        }
    }

    /// A call could not reach the database at all. Returns true when no probe watches for its
    /// return yet: the caller is to start one.
    pub fn out_of_reach(&self) -> bool {
        self.failed(Unavailable::Down);
        if let Some(outage) = self.current.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            outage.cause = Unavailable::Down;
        }
        self.out_of_reach.store(true, Ordering::Release);
        self.claim_probe()
    }

    /// True when no probe was watching: the caller's is now the one.
    pub fn claim_probe(&self) -> bool {
        !self.probing.swap(true, Ordering::AcqRel)
    }

    /// Whether calls are refused without being tried.
    pub fn is_out_of_reach(&self) -> bool {
        self.out_of_reach.load(Ordering::Acquire)
    }

    /// The probe got an answer: the outage is over.
    pub fn reached(&self) {
        self.out_of_reach.store(false, Ordering::Release);
        self.end(|_| true);
    }

    /// The probe stopped (the database answered, or the store closed).
    pub fn probe_ended(&self) {
        self.probing.store(false, Ordering::Release);
    }

    /// A call succeeded (a write, when `wrote`).
    pub fn succeeded(&self, wrote: bool) {
        if !self.active.load(Ordering::Acquire) {
            return;
        }
        self.end(|outage| {
            let needs_a_write = matches!(outage.cause, Unavailable::StorageFull | Unavailable::ReadOnly);
            outage.last_failure.elapsed() >= QUIET && (wrote || !needs_a_write)
        });
    }

    /// Ends the outage under way, if `ends` says this is its end.
    fn end(&self, ends: impl FnOnce(&Outage) -> bool) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(outage) = *current else { return };
        if !ends(&outage) {
            return;
        }
        *current = None;
        self.active.store(false, Ordering::Release);
        self.out_of_reach.store(false, Ordering::Release);
        tracing::warn!(
            cause = outage.cause.code(),
            lasted_ms = outage.since.elapsed().as_millis() as u64,
            refused = outage.refused,
            "the database serves again after {:.1} s ({}); {} request(s) were refused meanwhile",
            outage.since.elapsed().as_secs_f64(),
            outage.cause.code(),
            outage.refused
        );
    }

    /// A request was answered 503 for `cause`.
    pub fn refused(&self, cause: Unavailable) {
        metrics::counter!("dealnest_requests_refused_total", "cause" => cause.code()).increment(1);
        if let Some(outage) = self.current.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            outage.refused += 1;
        }
    }

    /// The outage under way, if any.
    pub fn current(&self) -> Option<Unavailable> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        self.current.lock().unwrap_or_else(PoisonError::into_inner).map(|outage| outage.cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_ends_with_a_success_after_a_quiet_second_and_counts_its_refusals() {
        let outages = Outages::default();
        outages.failed(Unavailable::Down);
        outages.refused(Unavailable::Down);
        outages.refused(Unavailable::Down);
        outages.succeeded(true);
        assert_eq!(outages.current(), Some(Unavailable::Down), "too soon after the failure");
        outages.current.lock().unwrap().as_mut().unwrap().last_failure -= QUIET;
        assert_eq!(outages.current.lock().unwrap().unwrap().refused, 2);
        outages.succeeded(false);
        assert_eq!(outages.current(), None);
    }

    #[test]
    fn out_of_reach_is_refused_until_the_probe_reaches_it_and_one_probe_watches() {
        let outages = Outages::default();
        assert!(outages.out_of_reach(), "the first finder starts the probe");
        assert!(!outages.out_of_reach(), "one probe at a time");
        assert!(outages.is_out_of_reach());
        assert_eq!(outages.current(), Some(Unavailable::Down));
        outages.reached();
        assert!(!outages.is_out_of_reach());
        assert_eq!(outages.current(), None, "the probe's answer ends it at once");
        outages.probe_ended();
        assert!(outages.out_of_reach(), "a later outage gets a probe of its own");
    }

    #[test]
    fn a_full_disk_ends_only_with_a_write() {
        let outages = Outages::default();
        outages.failed(Unavailable::StorageFull);
        outages.current.lock().unwrap().as_mut().unwrap().last_failure -= QUIET;
        outages.succeeded(false);
        assert_eq!(outages.current(), Some(Unavailable::StorageFull), "reads go on during a full disk");
        outages.succeeded(true);
        assert_eq!(outages.current(), None);
    }
}
