//! Many log files replayed as one stream in time order, whatever order the files come in,
//! without holding every file in memory: a first pass notes when each file starts; the replay
//! then opens a file only once the stream reaches its first record. Invariant: every record is
//! yielded once, and no record is yielded before a record of an earlier time.

use nhi_detect::Record;
use nhi_model::Timestamp;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::path::PathBuf;

/// One input after the first pass: when it starts and, if they were kept, its records.
pub struct Scanned {
    pub path: PathBuf,
    pub first: Timestamp,
    /// `None` when the records were dropped to save memory (they are read again when needed).
    pub records: Option<Vec<Record>>,
}

/// A record waiting in the replay, ordered by time then arrival.
struct Pending {
    time: Timestamp,
    seq: usize,
    record: Record,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// The replay.
pub struct Timeline {
    inputs: Vec<Scanned>,
    next_input: usize,
    pending: BinaryHeap<Reverse<Pending>>,
    seq: usize,
}

impl Timeline {
    pub fn new(mut inputs: Vec<Scanned>) -> Self {
        inputs.sort_by_key(|input| input.first);
        Timeline {
            inputs,
            next_input: 0,
            pending: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// The next record in time order and its sequence number; `reload` reads again the records
    /// of an input the first pass did not keep.
    pub fn next(
        &mut self,
        reload: &mut dyn FnMut(&Scanned) -> Vec<Record>,
    ) -> Option<(usize, Record)> {
        while let Some(input) = self.inputs.get_mut(self.next_input) {
            let due = self
                .pending
                .peek()
                .is_none_or(|Reverse(earliest)| input.first <= earliest.time);
            if !due {
                break;
            }
            let records = match input.records.take() {
                Some(records) => records,
                None => reload(input),
            };
            for record in records {
                self.seq += 1;
                self.pending.push(Reverse(Pending {
                    time: record.event.time,
                    seq: self.seq,
                    record,
                }));
            }
            self.next_input += 1;
        }
        self.pending
            .pop()
            .map(|Reverse(pending)| (pending.seq, pending.record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_detect::normalise;

    fn records(times: &[u32]) -> Vec<Record> {
        let lines: Vec<String> = times
            .iter()
            .map(|second| {
                format!(
                    r#"{{"eventID":"e{second}","eventTime":"2024-01-01T00:00:{second:02}Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{{"type":"IAMUser","arn":"a"}}}}"#
                )
            })
            .collect();
        normalise("t", lines.join("\n").as_bytes(), None).records
    }

    fn scanned(name: &str, times: &[u32], keep: bool) -> Scanned {
        let records = records(times);
        Scanned {
            path: name.into(),
            first: records.iter().map(|r| r.event.time).min().unwrap(),
            records: keep.then_some(records),
        }
    }

    #[test]
    fn files_in_any_order_replay_in_time_order_and_dropped_files_are_reloaded() {
        let mut timeline = Timeline::new(vec![
            scanned("late", &[30, 40], true),
            scanned("early", &[10, 35, 20], false),
            scanned("middle", &[25], true),
        ]);
        assert_eq!(timeline.next_input, 0);
        let mut reloaded = Vec::new();
        let mut reload = |input: &Scanned| {
            reloaded.push(input.path.display().to_string());
            records(&[10, 35, 20])
        };
        let mut ids = Vec::new();
        while let Some((_, record)) = timeline.next(&mut reload) {
            ids.push(record.event.id);
        }
        assert_eq!(ids, vec!["e10", "e20", "e25", "e30", "e35", "e40"]);
        assert_eq!(reloaded, vec!["early"]);
    }

    #[test]
    fn a_file_is_opened_only_when_the_stream_reaches_it() {
        let mut timeline =
            Timeline::new(vec![scanned("a", &[1, 2], true), scanned("b", &[50], true)]);
        let mut reload = |_: &Scanned| Vec::new();
        timeline.next(&mut reload);
        assert_eq!(timeline.next_input, 1);
    }
}
