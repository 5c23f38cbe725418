//! State shared by the detectors: a time window that counts distinct keys, a map that forgets
//! what has been idle too long, a capped set for baselines, and per-identity slots. Invariant:
//! each bounded structure holds at most its cap of entries, however many records pass through
//! it; per-identity state grows with the identities, never with the records.

use crate::sigma::EventRef;
use chrono::TimeDelta;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use nhi_model::Timestamp;
use std::borrow::Borrow;
use std::collections::VecDeque;
use std::hash::Hash;

/// Keys seen in the last `span` of log time (at most `cap` entries), with the records behind them.
#[derive(Debug)]
pub(crate) struct DistinctWindow<K> {
    span: TimeDelta,
    cap: usize,
    entries: VecDeque<(Timestamp, K, EventRef)>,
    counts: HashMap<K, usize>,
}

impl<K: Hash + Eq + Clone> DistinctWindow<K> {
    pub(crate) fn new(span: TimeDelta, cap: usize) -> Self {
        DistinctWindow {
            span,
            cap,
            entries: VecDeque::new(),
            counts: HashMap::new(),
        }
    }

    /// Adds one sighting and forgets what fell out of the window.
    pub(crate) fn push(&mut self, time: Timestamp, key: K, event: EventRef) {
        while let Some((oldest, _, _)) = self.entries.front() {
            if *oldest + self.span >= time && self.entries.len() < self.cap {
                break;
            }
            self.pop_front();
        }
        *self.counts.entry(key.clone()).or_default() += 1;
        self.entries.push_back((time, key, event));
    }

    fn pop_front(&mut self) {
        if let Some((_, key, _)) = self.entries.pop_front() {
            if let Some(count) = self.counts.get_mut(&key) {
                *count -= 1;
                if *count == 0 {
                    self.counts.remove(&key);
                }
            }
        }
    }

    /// How many distinct keys the window holds.
    pub(crate) fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// The records behind the window, oldest first.
    pub(crate) fn events(&self) -> Vec<EventRef> {
        self.entries
            .iter()
            .map(|(_, _, event)| event.clone())
            .collect()
    }

    /// The distinct keys, in order of first sighting within the window.
    pub(crate) fn keys(&self) -> Vec<&K> {
        let mut seen = HashSet::new();
        self.entries
            .iter()
            .map(|(_, key, _)| key)
            .filter(|key| seen.insert(*key))
            .collect()
    }

    /// Forgets everything (after a burst was reported, so that the next one starts afresh).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.counts.clear();
    }
}

/// A map whose entries are forgotten once idle for `idle` of log time; when it grows past `cap`
/// the idle ones go first, then the least recently used half.
#[derive(Debug)]
pub(crate) struct IdleMap<K, V> {
    idle: TimeDelta,
    cap: usize,
    entries: HashMap<K, (Timestamp, V)>,
}

impl<K: Hash + Eq + Clone, V> IdleMap<K, V> {
    pub(crate) fn new(idle: TimeDelta, cap: usize) -> Self {
        IdleMap {
            idle,
            cap,
            entries: HashMap::new(),
        }
    }

    /// The entry for `key` (created with `make` when absent or expired), marked as used at `now`.
    /// A key already held is found by reference, without building an owned copy.
    pub(crate) fn touch<Q>(&mut self, key: &Q, now: Timestamp, make: impl FnOnce() -> V) -> &mut V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let idle = self.idle;
        let live = self
            .entries
            .get(key)
            .is_some_and(|(last, _)| *last + idle >= now);
        if !live {
            self.entries.remove(key);
            if self.entries.len() >= self.cap {
                self.shrink(now);
            }
            self.entries.insert(key.to_owned(), (now, make()));
        }
        let entry = self
            .entries
            .get_mut(key)
            .expect("the entry was live or has just been inserted");
        entry.0 = entry.0.max(now);
        &mut entry.1
    }

    fn shrink(&mut self, now: Timestamp) {
        let idle = self.idle;
        self.entries.retain(|_, (last, _)| *last + idle >= now);
        if self.entries.len() >= self.cap {
            let mut times: Vec<Timestamp> = self.entries.values().map(|(last, _)| *last).collect();
            times.sort_unstable();
            let cutoff = times[times.len() / 2];
            self.entries.retain(|_, (last, _)| *last > cutoff);
        }
    }
}

/// A baseline set that stops growing at `cap`; past it, the set is "saturated" and detectors
/// stop judging novelty against it (an identity that roams over many networks has no usual one).
#[derive(Debug, Clone)]
pub(crate) struct Baseline<K> {
    items: HashSet<K>,
    cap: usize,
    saturated: bool,
}

impl<K: Hash + Eq> Baseline<K> {
    pub(crate) fn new(cap: usize) -> Self {
        Baseline {
            items: HashSet::new(),
            cap,
            saturated: false,
        }
    }

    pub(crate) fn contains(&self, item: &K) -> bool {
        self.items.contains(item)
    }

    /// Learns `item`; true when it was not known before.
    pub(crate) fn learn(&mut self, item: K) -> bool {
        if self.items.contains(&item) {
            return false;
        }
        if self.items.len() >= self.cap {
            self.saturated = true;
            return true;
        }
        self.items.insert(item)
    }

    /// Whether the baseline overflowed its cap (novelty means nothing any more).
    pub(crate) fn saturated(&self) -> bool {
        self.saturated
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &K> {
        self.items.iter()
    }
}

/// A number for each identity the stream has seen, in order of first sighting: detectors keep
/// per-identity state in an [`IdMap`] under it instead of hashing the principal's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct IdentityId(pub(crate) u32);

/// Per-identity state, indexed by [`IdentityId`].
#[derive(Debug)]
pub(crate) struct IdMap<V> {
    slots: Vec<Option<V>>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap { slots: Vec::new() }
    }
}

impl<V> IdMap<V> {
    /// The identity's state, created with `make` on first use.
    pub(crate) fn entry(&mut self, id: IdentityId, make: impl FnOnce() -> V) -> &mut V {
        let index = id.0 as usize;
        if index >= self.slots.len() {
            self.slots.resize_with(index + 1, || None);
        }
        self.slots[index].get_or_insert_with(make)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(second: i64) -> Timestamp {
        Utc.timestamp_opt(1_700_000_000 + second, 0).unwrap()
    }

    fn event(id: &str) -> EventRef {
        EventRef {
            index: 0,
            id: id.into(),
        }
    }

    #[test]
    fn window_forgets_old_sightings_and_counts_distinct_keys() {
        let mut window = DistinctWindow::new(TimeDelta::seconds(10), 100);
        window.push(at(0), "a", event("1"));
        window.push(at(5), "b", event("2"));
        window.push(at(6), "a", event("3"));
        assert_eq!((window.distinct(), window.entries.len()), (2, 3));
        window.push(at(14), "c", event("4"));
        assert_eq!(window.keys(), vec![&"b", &"a", &"c"]);
        assert_eq!(window.events().len(), 3);
        window.clear();
        assert_eq!(window.distinct(), 0);
    }

    #[test]
    fn window_never_holds_more_than_its_cap() {
        let mut window = DistinctWindow::new(TimeDelta::days(1), 3);
        for second in 0..10 {
            window.push(at(second), second, event("x"));
        }
        assert_eq!(window.entries.len(), 3);
        assert_eq!(window.keys(), vec![&7, &8, &9]);
    }

    #[test]
    fn idle_entries_are_forgotten_and_the_map_stays_under_its_cap() {
        let mut map: IdleMap<String, i32> = IdleMap::new(TimeDelta::seconds(10), 4);
        let key = "k".to_string();
        *map.touch(&key, at(0), || 0) += 1;
        *map.touch(&key, at(5), || 0) += 1;
        assert_eq!(*map.touch(&key, at(6), || 0), 2);
        assert_eq!(*map.touch(&key, at(30), || 0), 0);
        for second in 0..20 {
            map.touch(&second.to_string(), at(31 + second), || 0);
        }
        assert!(map.entries.len() <= 4);
        assert!(map.entries.contains_key("19"));
    }

    #[test]
    fn id_map_keeps_one_slot_per_identity() {
        let mut map: IdMap<u32> = IdMap::default();
        *map.entry(IdentityId(3), || 0) += 1;
        *map.entry(IdentityId(3), || 0) += 1;
        *map.entry(IdentityId(0), || 10) += 1;
        assert_eq!(*map.entry(IdentityId(3), || 0), 2);
        assert_eq!(*map.entry(IdentityId(0), || 0), 11);
        assert_eq!(*map.entry(IdentityId(1), || 7), 7);
    }

    #[test]
    fn baseline_saturates_at_its_cap() {
        let mut baseline = Baseline::new(2);
        assert!(baseline.learn(1));
        assert!(!baseline.learn(1));
        assert!(baseline.learn(2));
        assert!(!baseline.saturated());
        assert!(baseline.learn(3));
        assert!(baseline.saturated() && !baseline.contains(&3));
    }
}
