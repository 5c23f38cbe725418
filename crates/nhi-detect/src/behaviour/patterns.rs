//! Single-record rules: an action (or several) and a test over the record that says what was
//! done when it matches. Indexed by action, so a record is only tested against the rules of its
//! own action. Invariant: no state; a pattern fires on every record it matches.

use super::{aws, Detector, Hit, Seen};
use crate::normalise::{LogSource, Record};
use foldhash::{HashMap, HashMapExt};
use nhi_model::{Outcome, RuleMeta};

/// A rule over one record.
pub(crate) struct Pattern {
    pub rule: RuleMeta,
    pub source: LogSource,
    /// The actions it looks at: `service:EventName` for CloudTrail (without version suffix),
    /// `verb resource[/subresource]` for Kubernetes; `*` for every action of the source.
    pub actions: &'static [&'static str],
    /// Whether denied or failed attempts count too (the intent alone is worth an alert).
    pub attempts: bool,
    /// What the record shows when it matches, in one clause.
    pub test: fn(&Record) -> Option<String>,
}

/// Every pattern, indexed by source and action.
pub(crate) struct PatternDetector {
    by_action: HashMap<(LogSource, &'static str), Vec<&'static Pattern>>,
    any_action: Vec<&'static Pattern>,
}

impl PatternDetector {
    pub(crate) fn new(patterns: impl Iterator<Item = &'static Pattern>) -> Self {
        let mut by_action: HashMap<_, Vec<_>> = HashMap::new();
        let mut any_action = Vec::new();
        for pattern in patterns {
            for action in pattern.actions {
                if *action == "*" {
                    any_action.push(pattern);
                } else {
                    by_action
                        .entry((pattern.source, *action))
                        .or_default()
                        .push(pattern);
                }
            }
        }
        PatternDetector {
            by_action,
            any_action,
        }
    }
}

impl Detector for PatternDetector {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        let action = match record.source {
            LogSource::CloudTrail => aws::api(&record.event.action),
            _ => record.event.action.as_str(),
        };
        let indexed = self
            .by_action
            .get(&(record.source, action))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let every = self
            .any_action
            .iter()
            .filter(|pattern| pattern.source == record.source);
        for pattern in indexed.iter().chain(every) {
            let outcome = record.event.outcome;
            if outcome != Outcome::Success && !pattern.attempts {
                continue;
            }
            if let Some(mut detail) = (pattern.test)(record) {
                if matches!(outcome, Outcome::Denied | Outcome::Error) {
                    detail.push_str(&format!(" (attempt: {outcome:?})").to_lowercase());
                }
                hits.push(Hit::on(&pattern.rule, seen, detail));
            }
        }
    }
}
