//! Values kept in memory between requests: every cache of the process is one of these, named
//! for what it keeps, bounded by an approximate count of the bytes it holds (not by entries,
//! whose size varies), and shown in `/metrics` (`dealnest_cache_bytes`, `dealnest_cache_entries`).
//! Eviction is quick_cache's (recently used entries stay). A budget of 0 keeps nothing.

use std::hash::Hash;
use std::sync::Arc;

/// The memory a key or a value keeps alive, roughly, counted against its cache's budget.
pub trait Weigh {
    fn bytes(&self) -> usize;
}

/// Weighs each entry by its key and value.
#[derive(Clone)]
struct ByBytes;

impl<K: Weigh, V: Weigh> quick_cache::Weighter<K, V> for ByBytes {
    fn weight(&self, key: &K, value: &V) -> u64 {
        // Zero-weight entries are never evicted; every entry costs something.
        (key.bytes() + value.bytes()).max(1) as u64
    }
}

/// One named cache.
pub struct Cache<K, V> {
    name: &'static str,
    kept: Option<quick_cache::sync::Cache<K, V, ByBytes>>,
}

/// What a cache holds now, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub name: &'static str,
    pub bytes: u64,
    pub entries: u64,
}

impl<K: Eq + Hash + Weigh, V: Clone + Weigh> Cache<K, V> {
    /// A cache of at most `budget` bytes, whose entries are about `typical` bytes each.
    pub fn new(name: &'static str, budget: u64, typical: u64) -> Self {
        let kept = (budget > 0).then(|| {
            let estimated_entries = (budget / typical.max(1)).max(1) as usize;
            quick_cache::sync::Cache::with_weighter(estimated_entries, budget, ByBytes)
        });
        Self { name, kept }
    }

    /// The value kept for `key` (or for what stands for it: a `&str` for a `Box<str>`).
    pub fn get<Q: Hash + quick_cache::Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        self.kept.as_ref()?.get(key)
    }

    pub fn insert(&self, key: K, value: V) {
        if let Some(kept) = &self.kept {
            kept.insert(key, value);
        }
    }

    pub fn contains(&self, key: &K) -> bool {
        self.kept.as_ref().is_some_and(|kept| kept.contains_key(key))
    }

    pub fn usage(&self) -> Usage {
        let (bytes, entries) = self.kept.as_ref().map_or((0, 0), |kept| (kept.weight(), kept.len() as u64));
        Usage { name: self.name, bytes, entries }
    }
}

/// A value read at a stamp: the numbers the database keeps with every change it depends on
/// (such as `users_version`). It is right while the database still holds the same numbers, on
/// this instance or any other sharing the database, so it is used only at an equal stamp.
#[derive(Debug, Clone)]
pub struct Stamped<S, V> {
    pub stamp: S,
    pub value: V,
}

impl<S, V: Weigh> Weigh for Stamped<S, V> {
    fn bytes(&self) -> usize {
        size_of::<S>() + self.value.bytes()
    }
}

impl<K: Eq + Hash + Weigh, S: PartialEq, V: Clone + Weigh> Cache<K, Stamped<S, V>>
where
    Stamped<S, V>: Clone,
{
    /// The value kept for `key`, if it was read at `stamp`.
    pub fn get_at(&self, key: &K, stamp: &S) -> Option<V> {
        self.get(key).filter(|kept| kept.stamp == *stamp).map(|kept| kept.value)
    }
}

impl Weigh for i64 {
    fn bytes(&self) -> usize {
        size_of::<Self>()
    }
}

impl Weigh for String {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.len()
    }
}

impl Weigh for Box<str> {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.len()
    }
}

impl<A: Weigh, B: Weigh, C: Weigh> Weigh for (A, B, C) {
    fn bytes(&self) -> usize {
        self.0.bytes() + self.1.bytes() + self.2.bytes()
    }
}

impl<T: Weigh> Weigh for Arc<T> {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.as_ref().bytes()
    }
}

impl<T: Weigh> Weigh for Vec<T> {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.iter().map(Weigh::bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct Blob(usize);

    impl Weigh for Blob {
        fn bytes(&self) -> usize {
            self.0
        }
    }

    #[test]
    fn a_cache_holds_no_more_bytes_than_its_budget() {
        let cache: Cache<i64, Blob> = Cache::new("test", 100_000, 1_000);
        for key in 0..1_000 {
            cache.insert(key, Blob(1_000));
        }
        let usage = cache.usage();
        assert!(usage.bytes <= 100_000, "{usage:?}");
        assert!(usage.entries > 10 && usage.entries < 100, "{usage:?}");
        // A large value takes the room of many small ones.
        let large: Cache<i64, Blob> = Cache::new("large", 100_000, 1_000);
        large.insert(1, Blob(60_000));
        large.insert(2, Blob(60_000));
        assert!(large.usage().bytes <= 100_000);
    }

    #[test]
    fn a_stamped_value_is_used_only_at_its_stamp() {
        let cache: Cache<i64, Stamped<i64, Blob>> = Cache::new("stamped", 10_000, 100);
        cache.insert(1, Stamped { stamp: 7, value: Blob(10) });
        assert!(cache.get_at(&1, &7).is_some());
        assert!(cache.get_at(&1, &8).is_none());
    }

    #[test]
    fn a_budget_of_zero_keeps_nothing() {
        let cache: Cache<i64, Blob> = Cache::new("off", 0, 100);
        cache.insert(1, Blob(10));
        assert!(cache.get(&1).is_none());
        assert_eq!(cache.usage().entries, 0);
    }
}
