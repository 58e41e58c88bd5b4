//! Reads kept in memory, each with the numbers it was read at (versions the database keeps with
//! every change, such as `users_version`). An entry is used only while the database still holds
//! the same numbers, so it is right on every instance sharing the database. Bounded: when full,
//! it starts over.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Mutex;

/// Values of type `V` by key, each with the stamp `S` it was read at.
pub(super) struct StampedCache<K, S, V, H = RandomState> {
    kept: Mutex<HashMap<K, (S, V), H>>,
    capacity: usize,
}

impl<K: Eq + Hash, S: PartialEq, V: Clone, H: BuildHasher + Default> StampedCache<K, S, V, H> {
    /// At most `capacity` entries; 0 keeps none.
    pub(super) fn new(capacity: usize) -> Self {
        Self { kept: Mutex::new(HashMap::default()), capacity }
    }

    /// The value kept for `key`, if it was read at `stamp`.
    pub(super) fn get(&self, key: &K, stamp: &S) -> Option<V> {
        let kept = self.kept.lock().ok()?;
        kept.get(key).filter(|(seen, _)| seen == stamp).map(|(_, value)| value.clone())
    }

    pub(super) fn insert(&self, key: K, stamp: S, value: V) {
        if self.capacity == 0 {
            return;
        }
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= self.capacity && !kept.contains_key(&key) {
                kept.clear();
            }
            kept.insert(key, (stamp, value));
        }
    }
}
