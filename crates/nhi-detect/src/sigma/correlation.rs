//! Sigma v2 correlation rules over the time-ordered stream of rule matches ("signals"):
//! `event_count`, `value_count`, `temporal` and `temporal_ordered`, per `group-by` group.
//! State is bounded: windows slide by `timespan` and expired ones are evicted; a count that can
//! only fire "at least N" keeps at most N entries, one with an upper bound stops at it.

use super::eval::field_text;
use super::fieldmap::{field_paths, FieldPath};
use super::rule::{Correlation, CorrelationType, CountCondition};
use crate::normalise::{LogSource, Record};
use chrono::TimeDelta;
use foldhash::HashMap;
use nhi_model::Timestamp;
use std::collections::VecDeque;

/// A record behind a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Evidence {
    pub index: usize,
    pub id: String,
    pub time: Timestamp,
    pub principal: String,
}

impl Evidence {
    pub(crate) fn of(index: usize, record: &Record) -> Self {
        Evidence {
            index,
            id: record.event.id.clone(),
            time: record.event.time,
            principal: record.event.principal.clone(),
        }
    }
}

/// Where a signal's fields are read: the record a detection matched, or the group values of
/// a correlation that fired.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SignalSource<'a> {
    Record(&'a Record),
    Group(&'a [(String, String)]),
}

/// One match of a rule that correlations consume.
#[derive(Debug, Clone)]
pub(crate) struct Signal<'a> {
    pub rule: usize,
    pub time: Timestamp,
    pub evidence: Vec<Evidence>,
    pub source: SignalSource<'a>,
}

/// A correlation that fired: its group and the records behind it, in index order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fired {
    pub group: Vec<(String, String)>,
    pub evidence: Vec<Evidence>,
}

/// How to read a field of a signal from one input rule.
#[derive(Debug, Clone)]
enum FieldReader {
    Record(Vec<FieldPath>),
    Group(String),
}

impl FieldReader {
    fn read(&self, source: SignalSource) -> Option<String> {
        match (self, source) {
            (FieldReader::Record(paths), SignalSource::Record(record)) => {
                field_text(paths, &record.raw)
            }
            (FieldReader::Group(name), SignalSource::Group(group)) => group
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, value)| value.clone()),
            _ => None,
        }
    }
}

/// What the correlation needs to know about one referenced rule.
pub(crate) struct InputRule<'a> {
    pub slot: usize,
    pub name: Option<&'a str>,
    /// The log source of a detection rule; `None` for a correlation.
    pub source: Option<LogSource>,
}

/// A correlation rule ready to run.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCorrelation {
    pub kind: CorrelationType,
    /// Slots of the referenced rules, in the order written.
    pub inputs: Vec<usize>,
    timespan: TimeDelta,
    condition: CountCondition,
    group_by: Vec<String>,
    /// `[input][group-by field]`.
    group_readers: Vec<Vec<FieldReader>>,
    /// `value_count`: the counted field, per input.
    value_readers: Vec<Option<FieldReader>>,
}

impl CompiledCorrelation {
    pub(crate) fn compile(correlation: &Correlation, inputs: &[InputRule]) -> Result<Self, String> {
        let all_inputs = CountCondition {
            gte: Some(inputs.len() as u64),
            ..Default::default()
        };
        let condition = match (correlation.kind, &correlation.condition) {
            (CorrelationType::Temporal | CorrelationType::TemporalOrdered, None) => all_inputs,
            (CorrelationType::TemporalOrdered, Some(condition))
                if !condition.holds(inputs.len() as u64) =>
            {
                return Err("a temporal_ordered condition must allow all referenced rules".into())
            }
            (CorrelationType::TemporalOrdered, Some(_)) => all_inputs,
            (CorrelationType::Temporal, Some(condition)) if !condition.is_lower_bound() => {
                return Err("a temporal condition may only set a lower bound (gt, gte)".into())
            }
            (_, Some(condition)) => condition.clone(),
            (_, None) => return Err("the condition is missing".into()),
        };
        let reader = |input: &InputRule, field: &str| {
            let field = input
                .name
                .and_then(|name| correlation.aliases.get(field)?.get(name))
                .map_or(field, String::as_str);
            match input.source {
                Some(source) => FieldReader::Record(field_paths(source, field)),
                None => FieldReader::Group(field.to_string()),
            }
        };
        Ok(CompiledCorrelation {
            kind: correlation.kind,
            inputs: inputs.iter().map(|input| input.slot).collect(),
            timespan: correlation.timespan,
            condition,
            group_by: correlation.group_by.clone(),
            group_readers: inputs
                .iter()
                .map(|input| {
                    correlation
                        .group_by
                        .iter()
                        .map(|field| reader(input, field))
                        .collect()
                })
                .collect(),
            value_readers: inputs
                .iter()
                .map(|input| {
                    correlation
                        .value_field
                        .as_deref()
                        .map(|field| reader(input, field))
                })
                .collect(),
        })
    }

    /// Feeds one signal; returns the matches it completes.
    pub(crate) fn observe(&self, state: &mut CorrelationState, signal: &Signal) -> Vec<Fired> {
        let mut fired = Vec::new();
        // A rule may stand at several places of an ordered chain: latest place first, so that one
        // record never completes two steps.
        for position in (0..self.inputs.len())
            .rev()
            .filter(|&p| self.inputs[p] == signal.rule)
        {
            let Some(key) = self.group_readers[position]
                .iter()
                .map(|reader| reader.read(signal.source))
                .collect::<Option<Vec<String>>>()
            else {
                continue;
            };
            let value = match &self.value_readers[position] {
                Some(reader) => match reader.read(signal.source) {
                    Some(value) => Some(value),
                    None => continue,
                },
                None => None,
            };
            let group = state
                .groups
                .entry(key.clone())
                .or_insert_with(|| Group::new(self.kind, self.inputs.len()));
            if let Some(evidence) = self.feed(group, position, signal, value) {
                fired.push(self.fire(&key, evidence));
            }
        }
        fired
    }

    /// Evicts what has left the window before `now`, closing windows that can no longer grow.
    pub(crate) fn sweep(&self, state: &mut CorrelationState, now: Timestamp) -> Vec<Fired> {
        if state
            .last_sweep
            .is_some_and(|last| now - last < self.timespan)
        {
            return Vec::new();
        }
        state.last_sweep = Some(now);
        let cutoff = now - self.timespan;
        let mut fired = Vec::new();
        state.groups.retain(|key, group| match group {
            Group::Count(tally) if self.condition.is_lower_bound() => {
                tally.entries.retain(|entry| entry.time >= cutoff);
                !tally.entries.is_empty()
            }
            Group::Count(tally) => {
                if tally.anchor.is_some_and(|anchor| anchor < cutoff) {
                    fired.extend(self.close(tally).map(|evidence| self.fire(key, evidence)));
                }
                tally.anchor.is_some()
            }
            Group::Steps(steps) => {
                steps.iter_mut().for_each(|step| expire(step, cutoff));
                steps.iter().any(Option::is_some)
            }
        });
        fired
    }

    /// The end of the input closes every open window.
    pub(crate) fn finish(&self, state: &mut CorrelationState) -> Vec<Fired> {
        let mut fired = Vec::new();
        for (key, group) in state.groups.iter_mut() {
            if let Group::Count(tally) = group {
                if !self.condition.is_lower_bound() {
                    fired.extend(self.close(tally).map(|evidence| self.fire(key, evidence)));
                }
            }
        }
        state.groups.clear();
        fired.sort_by_key(|fired| fired.evidence.first().map(|evidence| evidence.index));
        fired
    }

    /// Adds a signal to its group; returns the evidence when that completes a match. A group
    /// that fired is left empty (not removed): a closing window may already hold the next one.
    fn feed(
        &self,
        group: &mut Group,
        position: usize,
        signal: &Signal,
        value: Option<String>,
    ) -> Option<Vec<Evidence>> {
        let cutoff = signal.time - self.timespan;
        match group {
            Group::Count(tally) if self.condition.is_lower_bound() => {
                tally.entries.retain(|entry| entry.time >= cutoff);
                tally.push(signal, value, None);
                self.condition.holds(tally.entries.len() as u64).then(|| {
                    tally
                        .entries
                        .drain(..)
                        .flat_map(|entry| entry.evidence)
                        .collect()
                })
            }
            Group::Count(tally) => {
                let mut closed = None;
                if tally.anchor.is_some_and(|anchor| anchor < cutoff) {
                    closed = self.close(tally);
                }
                tally.anchor.get_or_insert(signal.time);
                tally.push(signal, value, self.condition.upper_bound());
                closed
            }
            Group::Steps(steps) if self.kind == CorrelationType::Temporal => {
                steps.iter_mut().for_each(|step| expire(step, cutoff));
                steps[position] = Some(Step {
                    start: signal.time,
                    evidence: signal.evidence.clone(),
                });
                let present = steps.iter().filter(|step| step.is_some()).count() as u64;
                self.condition.holds(present).then(|| {
                    steps
                        .iter_mut()
                        .filter_map(Option::take)
                        .flat_map(|step| step.evidence)
                        .collect()
                })
            }
            Group::Steps(steps) => {
                steps.iter_mut().for_each(|step| expire(step, cutoff));
                let reached = match position {
                    0 => Some(Step {
                        start: signal.time,
                        evidence: signal.evidence.clone(),
                    }),
                    _ => steps[position - 1].clone().map(|mut step| {
                        step.evidence.extend(signal.evidence.iter().cloned());
                        step
                    }),
                }?;
                if position + 1 == steps.len() {
                    steps.iter_mut().for_each(|step| *step = None);
                    return Some(reached.evidence);
                }
                // Keep the latest start: it leaves the most time for the steps still to come.
                if steps[position]
                    .as_ref()
                    .is_none_or(|current| current.start <= reached.start)
                {
                    steps[position] = Some(reached);
                }
                None
            }
        }
    }

    /// Ends a window anchored at its first signal; returns its evidence if the count holds.
    fn close(&self, tally: &mut Tally) -> Option<Vec<Evidence>> {
        let holds = !tally.overflow && self.condition.holds(tally.entries.len() as u64);
        let evidence = tally
            .entries
            .drain(..)
            .flat_map(|entry| entry.evidence)
            .collect();
        tally.anchor = None;
        tally.overflow = false;
        holds.then_some(evidence)
    }

    fn fire(&self, key: &[String], mut evidence: Vec<Evidence>) -> Fired {
        evidence.sort_by_key(|evidence| evidence.index);
        evidence.dedup_by_key(|evidence| evidence.index);
        Fired {
            group: self
                .group_by
                .iter()
                .cloned()
                .zip(key.iter().cloned())
                .collect(),
            evidence,
        }
    }
}

/// Per-correlation state of a stream.
#[derive(Debug, Default)]
pub(crate) struct CorrelationState {
    groups: HashMap<Vec<String>, Group>,
    last_sweep: Option<Timestamp>,
}

impl CorrelationState {
    /// How many groups are being tracked.
    #[cfg(test)]
    pub(crate) fn group_count(&self) -> usize {
        self.groups.len()
    }
}

#[derive(Debug)]
enum Group {
    Count(Tally),
    /// `temporal`: the latest occurrence of each input; `temporal_ordered`: the latest completion
    /// of each prefix of the chain.
    Steps(Vec<Option<Step>>),
}

impl Group {
    fn new(kind: CorrelationType, inputs: usize) -> Self {
        match kind {
            CorrelationType::EventCount | CorrelationType::ValueCount => {
                Group::Count(Tally::default())
            }
            CorrelationType::Temporal | CorrelationType::TemporalOrdered => {
                Group::Steps(vec![None; inputs])
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Step {
    start: Timestamp,
    evidence: Vec<Evidence>,
}

fn expire(step: &mut Option<Step>, cutoff: Timestamp) {
    if step.as_ref().is_some_and(|step| step.start < cutoff) {
        *step = None;
    }
}

/// The signals of one counting window; for `value_count`, one entry per distinct value.
#[derive(Debug, Default)]
struct Tally {
    entries: VecDeque<Entry>,
    /// Start of a window that closes after `timespan` (conditions with an upper bound).
    anchor: Option<Timestamp>,
    /// The count passed the condition's upper bound: this window cannot match any more.
    overflow: bool,
}

#[derive(Debug)]
struct Entry {
    time: Timestamp,
    value: Option<String>,
    evidence: Vec<Evidence>,
}

impl Tally {
    fn push(&mut self, signal: &Signal, value: Option<String>, upper_bound: Option<u64>) {
        if self.overflow {
            return;
        }
        if value.is_some() {
            self.entries.retain(|entry| entry.value != value);
        }
        self.entries.push_back(Entry {
            time: signal.time,
            value,
            evidence: signal.evidence.clone(),
        });
        if upper_bound.is_some_and(|bound| self.entries.len() as u64 > bound) {
            self.overflow = true;
            self.entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use std::collections::BTreeMap;

    fn at(minute: i64) -> Timestamp {
        Utc.timestamp_opt(1_700_000_000, 0).unwrap() + TimeDelta::minutes(minute)
    }

    fn correlation(
        kind: CorrelationType,
        condition: Option<CountCondition>,
        inputs: usize,
    ) -> CompiledCorrelation {
        let spec = Correlation {
            kind,
            rules: Vec::new(),
            group_by: vec!["user".into()],
            timespan: TimeDelta::minutes(10),
            condition,
            value_field: (kind == CorrelationType::ValueCount).then(|| "target".into()),
            aliases: BTreeMap::new(),
            generate: false,
            line: None,
        };
        let inputs: Vec<InputRule> = (0..inputs)
            .map(|slot| InputRule {
                slot,
                name: None,
                source: None,
            })
            .collect();
        CompiledCorrelation::compile(&spec, &inputs).unwrap()
    }

    /// Feeds `(rule, minute, user, target)` signals; returns the evidence indices of each match.
    fn run(
        correlation: &CompiledCorrelation,
        signals: &[(usize, i64, &str, &str)],
    ) -> Vec<Vec<usize>> {
        let mut state = CorrelationState::default();
        let mut matches = Vec::new();
        for (index, (rule, minute, user, target)) in signals.iter().enumerate() {
            let group = vec![
                ("user".to_string(), user.to_string()),
                ("target".to_string(), target.to_string()),
            ];
            let evidence = Evidence {
                index,
                id: format!("e{index}"),
                time: at(*minute),
                principal: user.to_string(),
            };
            let signal = Signal {
                rule: *rule,
                time: at(*minute),
                evidence: vec![evidence],
                source: SignalSource::Group(&group),
            };
            let swept = correlation.sweep(&mut state, at(*minute));
            let observed = correlation.observe(&mut state, &signal);
            matches.extend(
                swept
                    .into_iter()
                    .chain(observed)
                    .map(|fired| fired.evidence.iter().map(|e| e.index).collect()),
            );
        }
        matches.extend(
            correlation
                .finish(&mut state)
                .into_iter()
                .map(|fired| fired.evidence.iter().map(|e| e.index).collect()),
        );
        matches
    }

    fn at_least(count: u64) -> Option<CountCondition> {
        Some(CountCondition {
            gte: Some(count),
            ..Default::default()
        })
    }

    #[test]
    fn event_count_fires_per_group_within_the_timespan() {
        let rule = correlation(CorrelationType::EventCount, at_least(3), 1);
        let signals = [
            (0, 0, "a", ""),
            (0, 1, "b", ""),
            (0, 2, "a", ""),
            (0, 20, "a", ""),
            (0, 21, "a", ""),
            (0, 22, "a", ""),
        ];
        assert_eq!(
            run(&rule, &signals),
            vec![vec![3, 4, 5]],
            "the first two of `a` expired"
        );
        let slow = [(0, 0, "a", ""), (0, 8, "a", ""), (0, 16, "a", "")];
        assert!(run(&rule, &slow).is_empty());
    }

    #[test]
    fn event_count_with_an_upper_bound_waits_for_the_window_to_close() {
        let exactly_two = Some(CountCondition {
            eq: Some(2),
            ..Default::default()
        });
        let rule = correlation(CorrelationType::EventCount, exactly_two, 1);
        let signals = [
            (0, 0, "a", ""),
            (0, 1, "a", ""),
            (0, 0, "b", ""),
            (0, 1, "b", ""),
            (0, 2, "b", ""),
            (0, 30, "c", ""),
        ];
        assert_eq!(
            run(&rule, &signals),
            vec![vec![0, 1]],
            "`b` had three, `c` one"
        );
    }

    #[test]
    fn closing_a_window_keeps_the_signal_that_opens_the_next() {
        let exactly_one = Some(CountCondition {
            eq: Some(1),
            ..Default::default()
        });
        let rule = correlation(CorrelationType::EventCount, exactly_one, 1);
        let mut state = CorrelationState::default();
        let group = vec![("user".to_string(), "a".to_string())];
        let mut fired = Vec::new();
        for (index, minute) in [0, 20].into_iter().enumerate() {
            let evidence = Evidence {
                index,
                id: String::new(),
                time: at(minute),
                principal: String::new(),
            };
            let signal = Signal {
                rule: 0,
                time: at(minute),
                evidence: vec![evidence],
                source: SignalSource::Group(&group),
            };
            fired.extend(rule.observe(&mut state, &signal));
        }
        fired.extend(rule.finish(&mut state));
        let windows: Vec<Vec<usize>> = fired
            .iter()
            .map(|hit| hit.evidence.iter().map(|e| e.index).collect())
            .collect();
        assert_eq!(windows, vec![vec![0], vec![1]]);
    }

    #[test]
    fn value_count_counts_distinct_values() {
        let rule = correlation(CorrelationType::ValueCount, at_least(3), 1);
        let repeated = [
            (0, 0, "a", "x"),
            (0, 1, "a", "x"),
            (0, 2, "a", "y"),
            (0, 3, "a", "y"),
        ];
        assert!(run(&rule, &repeated).is_empty());
        let spread = [
            (0, 0, "a", "x"),
            (0, 1, "a", "x"),
            (0, 2, "a", "y"),
            (0, 3, "a", "z"),
        ];
        assert_eq!(run(&rule, &spread), vec![vec![1, 2, 3]]);
    }

    #[test]
    fn temporal_needs_every_rule_in_any_order() {
        let rule = correlation(CorrelationType::Temporal, None, 2);
        assert_eq!(
            run(&rule, &[(1, 0, "a", ""), (0, 5, "a", "")]),
            vec![vec![0, 1]]
        );
        assert!(
            run(&rule, &[(1, 0, "a", ""), (0, 5, "b", "")]).is_empty(),
            "different groups"
        );
        assert!(
            run(&rule, &[(1, 0, "a", ""), (0, 15, "a", "")]).is_empty(),
            "too far apart"
        );
    }

    #[test]
    fn temporal_ordered_needs_the_order() {
        let rule = correlation(CorrelationType::TemporalOrdered, None, 2);
        assert!(run(&rule, &[(1, 0, "a", ""), (0, 1, "a", "")]).is_empty());
        assert_eq!(
            run(&rule, &[(0, 0, "a", ""), (1, 1, "a", "")]),
            vec![vec![0, 1]]
        );
        assert_eq!(
            run(&rule, &[(0, 0, "a", ""), (0, 8, "a", ""), (1, 15, "a", "")]),
            vec![vec![1, 2]],
            "the later start still fits"
        );
    }

    #[test]
    fn expired_groups_are_evicted() {
        let rule = correlation(CorrelationType::EventCount, at_least(5), 1);
        let mut state = CorrelationState::default();
        for minute in 0..100 {
            let group = vec![("user".to_string(), format!("u{minute}"))];
            let evidence = Evidence {
                index: minute as usize,
                id: String::new(),
                time: at(minute),
                principal: String::new(),
            };
            let signal = Signal {
                rule: 0,
                time: at(minute),
                evidence: vec![evidence],
                source: SignalSource::Group(&group),
            };
            rule.sweep(&mut state, at(minute));
            rule.observe(&mut state, &signal);
        }
        assert!(
            state.group_count() <= 21,
            "{} groups kept",
            state.group_count()
        );
    }
}
