//! An ordered parallel map with bounded lookahead: worker threads compute `work(0..count)` at
//! most `ahead` items in front of the consumer, which takes the results strictly in order.
//! Memory holds at most `ahead + threads` results; a worker that panics yields `None` for its
//! item instead of hanging the consumer.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard};

/// The consumer's side: results in order.
pub struct Ordered<'s, T> {
    shared: &'s Shared<T>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Signalled when the result the consumer waits for is done.
    ready: Condvar,
    /// Signalled when the consumer takes a result (one more item may be claimed) or stops.
    room: Condvar,
}

struct State<T> {
    /// Next item a worker claims.
    claimed: usize,
    /// Next item the consumer takes.
    taken: usize,
    done: HashMap<usize, Option<T>>,
    /// The consumer stopped taking: workers finish.
    closed: bool,
    /// Whether the consumer waits for item `taken`, and how many workers wait for room: a
    /// condition variable is signalled only when someone waits on it.
    consumer_waiting: bool,
    workers_waiting: usize,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn wait<'g, T>(on: &Condvar, guard: MutexGuard<'g, State<T>>) -> MutexGuard<'g, State<T>> {
    on.wait(guard)
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T> Ordered<'_, T> {
    /// The result of the next item, waiting for it; `None` when its worker panicked.
    pub fn take(&mut self) -> Option<T> {
        let mut state = self.shared.lock();
        loop {
            let next = state.taken;
            if let Some(result) = state.done.remove(&next) {
                state.taken += 1;
                if state.workers_waiting > 0 {
                    self.shared.room.notify_one();
                }
                return result;
            }
            state.consumer_waiting = true;
            state = wait(&self.shared.ready, state);
            state.consumer_waiting = false;
        }
    }
}

/// Runs `consume` while `threads` workers compute `work(i)` for every `i < count` in order of
/// `i`, none more than `ahead` items in front of what `consume` took. `consume` must take no
/// more than `count` results.
pub fn ordered<T: Send, R>(
    count: usize,
    ahead: usize,
    threads: usize,
    work: impl Fn(usize) -> T + Sync,
    consume: impl FnOnce(&mut Ordered<'_, T>) -> R,
) -> R {
    let shared = Shared {
        state: Mutex::new(State {
            claimed: 0,
            taken: 0,
            done: HashMap::new(),
            closed: false,
            consumer_waiting: false,
            workers_waiting: 0,
        }),
        ready: Condvar::new(),
        room: Condvar::new(),
    };
    let ahead = ahead.max(1);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, count.max(1)) {
            scope.spawn(|| loop {
                let index = {
                    let mut state = shared.lock();
                    while !state.closed
                        && state.claimed < count
                        && state.claimed >= state.taken + ahead
                    {
                        state.workers_waiting += 1;
                        state = wait(&shared.room, state);
                        state.workers_waiting -= 1;
                    }
                    if state.closed || state.claimed >= count {
                        break;
                    }
                    state.claimed += 1;
                    state.claimed - 1
                };
                let result = catch_unwind(AssertUnwindSafe(|| work(index))).ok();
                let mut state = shared.lock();
                state.done.insert(index, result);
                if state.consumer_waiting && index == state.taken {
                    shared.ready.notify_one();
                }
            });
        }
        let result = consume(&mut Ordered { shared: &shared });
        shared.lock().closed = true;
        shared.room.notify_all();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_come_in_order_and_workers_stay_within_the_lookahead() {
        let taken = AtomicUsize::new(0);
        let furthest = AtomicUsize::new(0);
        let results = ordered(
            200,
            4,
            3,
            |index| {
                let ahead = index.saturating_sub(taken.load(Ordering::SeqCst));
                furthest.fetch_max(ahead, Ordering::SeqCst);
                index * 2
            },
            |ordered| {
                (0..200)
                    .map(|_| {
                        let value = ordered.take();
                        taken.fetch_add(1, Ordering::SeqCst);
                        value
                    })
                    .collect::<Vec<_>>()
            },
        );
        assert_eq!(results, (0..200).map(|i| Some(i * 2)).collect::<Vec<_>>());
        // A worker claims item i only while i < taken + 4 (the consumer's count may lag by one).
        assert!(furthest.load(Ordering::SeqCst) <= 4, "{furthest:?}");
    }

    #[test]
    fn a_panicking_item_is_none_and_the_rest_goes_on() {
        let results = ordered(
            5,
            2,
            2,
            |index| {
                assert_ne!(index, 2, "planted panic");
                index
            },
            |ordered| (0..5).map(|_| ordered.take()).collect::<Vec<_>>(),
        );
        assert_eq!(results, vec![Some(0), Some(1), None, Some(3), Some(4)]);
    }

    #[test]
    fn a_consumer_that_stops_early_does_not_hang_the_workers() {
        let first = ordered(1000, 8, 2, |index| index, |ordered| ordered.take());
        assert_eq!(first, Some(0));
    }
}
