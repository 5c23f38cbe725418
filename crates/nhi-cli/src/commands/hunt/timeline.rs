//! Many log files replayed as one stream in time order, whatever order the files come in,
//! without holding every file in memory: a first pass notes when each file starts (or that it
//! cannot tell); the replay then opens a file only once the stream reaches its first record.
//! Invariant: every record is yielded once, and no record is yielded before a record of an
//! earlier time, provided no file holds a record earlier than its noted start.

use nhi_model::Timestamp;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;

/// One input after the first pass.
pub struct Scanned {
    pub path: PathBuf,
    /// No record of the input is earlier than this; `None` when the first pass could not tell,
    /// so the input is opened before any other.
    pub first: Option<Timestamp>,
}

/// What the replay orders: anything with a time.
pub trait Timed {
    fn time(&self) -> Timestamp;
}

/// The replay. Waiting items stay in place in `slots`; the heap orders only their times,
/// arrival numbers and slots, so keeping order moves a few words per item, not the items.
pub struct Timeline<T> {
    inputs: Vec<Scanned>,
    next_input: usize,
    /// (time, arrival, slot) of every waiting item; arrival numbers are unique, so slots are
    /// never compared.
    pending: BinaryHeap<Reverse<(Timestamp, usize, usize)>>,
    slots: Vec<Option<T>>,
    /// Slots whose item has been yielded, for reuse.
    free: Vec<usize>,
    seq: usize,
}

impl<T: Timed> Timeline<T> {
    /// The inputs in the order they will be opened: by start, those of unknown start first.
    pub fn new(mut inputs: Vec<Scanned>) -> Self {
        inputs.sort_by_key(|input| input.first);
        Timeline {
            inputs,
            next_input: 0,
            pending: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
        }
    }

    /// The inputs, in the order `next` opens them.
    pub fn inputs(&self) -> &[Scanned] {
        &self.inputs
    }

    /// The next item in time order and its sequence number; `open` reads the items of the
    /// input at the given position of [`Timeline::inputs`], called once per input, in order.
    pub fn next(&mut self, open: &mut dyn FnMut(usize, &Scanned) -> Vec<T>) -> Option<(usize, T)> {
        while let Some(input) = self.inputs.get(self.next_input) {
            let due = match (input.first, self.pending.peek()) {
                (_, None) | (None, _) => true,
                (Some(first), Some(Reverse((earliest, _, _)))) => first <= *earliest,
            };
            if !due {
                break;
            }
            for item in open(self.next_input, input) {
                self.seq += 1;
                let time = item.time();
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.slots[slot] = Some(item);
                        slot
                    }
                    None => {
                        self.slots.push(Some(item));
                        self.slots.len() - 1
                    }
                };
                self.pending.push(Reverse((time, self.seq, slot)));
            }
            self.next_input += 1;
        }
        while let Some(Reverse((_, seq, slot))) = self.pending.pop() {
            self.free.push(slot);
            if let Some(item) = self.slots.get_mut(slot).and_then(Option::take) {
                return Some((seq, item));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A record of the test: its second of 2024-01-01.
    struct Item(u32);

    impl Timed for Item {
        fn time(&self) -> Timestamp {
            chrono::Utc
                .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                .unwrap()
                .checked_add_signed(chrono::TimeDelta::seconds(self.0.into()))
                .unwrap()
        }
    }

    fn scanned(name: &str, first: Option<u32>) -> Scanned {
        Scanned {
            path: name.into(),
            first: first.map(|second| Item(second).time()),
        }
    }

    fn items(name: &str) -> Vec<Item> {
        match name {
            "late" => vec![Item(30), Item(40)],
            "early" => vec![Item(10), Item(35), Item(20)],
            "middle" => vec![Item(25)],
            "unknown" => vec![Item(50), Item(5)],
            _ => Vec::new(),
        }
    }

    #[test]
    fn files_in_any_order_replay_in_time_order() {
        let mut timeline = Timeline::new(vec![
            scanned("late", Some(30)),
            scanned("early", Some(10)),
            scanned("middle", Some(25)),
            scanned("unknown", None),
        ]);
        let mut opened = Vec::new();
        let mut open = |position: usize, input: &Scanned| {
            opened.push((position, input.path.display().to_string()));
            items(&input.path.display().to_string())
        };
        let mut seconds = Vec::new();
        while let Some((_, item)) = timeline.next(&mut open) {
            seconds.push(item.0);
        }
        assert_eq!(seconds, vec![5, 10, 20, 25, 30, 35, 40, 50]);
        let names: Vec<&str> = opened.iter().map(|(_, name)| name.as_str()).collect();
        assert_eq!(names, vec!["unknown", "early", "middle", "late"]);
        assert!(opened
            .iter()
            .enumerate()
            .all(|(n, (position, _))| n == *position));
    }

    #[test]
    fn a_file_is_opened_only_when_the_stream_reaches_it() {
        let mut timeline: Timeline<Item> =
            Timeline::new(vec![scanned("early", Some(10)), scanned("b", Some(50))]);
        let mut open = |_: usize, input: &Scanned| items(&input.path.display().to_string());
        timeline.next(&mut open);
        assert_eq!(timeline.next_input, 1);
    }
}
