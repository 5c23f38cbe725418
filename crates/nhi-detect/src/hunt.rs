//! A hunt: Sigma rules and behavioural detectors over one time-ordered stream of records, their
//! hits grouped as they come into one [`Alert`] per detector and identity. Invariant: memory grows
//! with the number of alerts (each listing at most [`MAX_LISTED_EVENTS`] events), not of records.

use crate::behaviour::{BehaviourConfig, BehaviourStream, Hit};
use crate::normalise::Record;
use crate::sigma::{sigma_summary, Screened, SigmaEngine, SigmaMatch, SigmaStream, StreamHit};
use foldhash::{HashMap, HashSet, HashSetExt};
use nhi_model::{Alert, RuleMeta, Timestamp};
use std::hash::BuildHasher;

/// Events an alert lists; past it, further events are counted in its summary only.
pub const MAX_LISTED_EVENTS: usize = 1000;

/// Details (distinct clauses of what was seen) a behavioural alert's summary quotes.
const QUOTED_DETAILS: usize = 3;

/// A hunt in progress. Push records in time order, then [`Hunt::finish`].
pub struct Hunt<'e> {
    sigma: Option<SigmaStream<'e>>,
    behaviour: BehaviourStream,
    report_from: Option<Timestamp>,
    book: AlertBook,
    scratch: Vec<Hit>,
    sigma_scratch: Vec<StreamHit<'e>>,
}

impl<'e> Hunt<'e> {
    /// A hunt with the given Sigma rules (if any) and every behavioural detector.
    pub fn new(sigma: Option<&'e SigmaEngine>, config: BehaviourConfig) -> Self {
        Hunt {
            sigma: sigma.map(SigmaEngine::stream),
            behaviour: BehaviourStream::new(config),
            report_from: None,
            book: AlertBook::default(),
            scratch: Vec::new(),
            sigma_scratch: Vec::new(),
        }
    }

    /// Records before `time` still teach the baselines, but nothing is reported about them.
    pub fn report_from(mut self, time: Timestamp) -> Self {
        self.report_from = Some(time);
        self
    }

    /// Judges one record; `index` is how the caller refers to it.
    pub fn push(&mut self, index: usize, record: &Record) {
        if let Some(sigma) = &mut self.sigma {
            sigma.push_hits(index, record, &mut self.sigma_scratch);
            self.book_sigma(record);
        }
        self.push_behaviour(index, record);
    }

    /// Judges one record that the hunt's Sigma engine already screened (on any thread): only
    /// the time-ordered part of the work is left.
    pub fn push_screened(&mut self, index: usize, screened: &Screened) {
        if let Some(sigma) = &mut self.sigma {
            sigma.push_screened(index, screened, &mut self.sigma_scratch);
            self.book_sigma(&screened.record);
        }
        self.push_behaviour(index, &screened.record);
    }

    fn book_sigma(&mut self, record: &Record) {
        for hit in self.sigma_scratch.drain(..) {
            self.book.add_sigma(hit, record, self.report_from);
        }
    }

    fn push_behaviour(&mut self, index: usize, record: &Record) {
        self.behaviour.push(index, record, &mut self.scratch);
        for hit in self.scratch.drain(..) {
            self.book.add_hit(hit, self.report_from);
        }
    }

    /// Closes open correlation windows and returns the alerts, oldest first.
    pub fn finish(mut self) -> Vec<Alert> {
        if let Some(sigma) = self.sigma.take() {
            for hit in sigma.finish() {
                self.book.add_sigma_match(hit, self.report_from);
            }
        }
        self.book.alerts()
    }
}

/// What one alert is about, for writing its summary at the end.
enum Origin {
    Behaviour {
        rule: &'static RuleMeta,
        details: Vec<String>,
        more_details: usize,
    },
    /// The first match of the rule for this principal, its events moved into the alert.
    Sigma(Box<SigmaMatch>),
}

struct Entry {
    alert: Alert,
    /// Hashes of the ids in `alert.events`, to list each event once without a second copy of
    /// every id (a collision, at odds of about 1 in 10^13 per alert, would leave one event unlisted).
    listed: HashSet<u64>,
    unlisted: usize,
    origin: Origin,
}

impl Entry {
    fn new(alert: Alert, origin: Origin) -> Self {
        Entry {
            alert,
            listed: HashSet::new(),
            unlisted: 0,
            origin,
        }
    }

    fn add_events<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        for id in ids {
            let hash = id_hash(id);
            if self.listed.contains(&hash) {
                continue;
            }
            if self.listed.len() >= MAX_LISTED_EVENTS {
                self.unlisted += 1;
            } else {
                self.listed.insert(hash);
                self.alert.events.push(id.to_string());
            }
        }
    }
}

fn id_hash(id: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0).hash_one(id)
}

/// Alert slots of one detector, by principal.
type Slots = HashMap<String, usize>;

/// Alerts being built, one per (detector, principal). Slots are found by borrowed names, so a
/// hit on an alert that exists allocates nothing.
#[derive(Default)]
struct AlertBook {
    entries: Vec<Entry>,
    /// By behavioural rule id.
    behaviour: HashMap<&'static str, Slots>,
    /// By Sigma rule id.
    sigma: HashMap<String, Slots>,
}

impl AlertBook {
    fn add_hit(&mut self, hit: Hit, report_from: Option<Timestamp>) {
        if report_from.is_some_and(|from| hit.time < from) {
            return;
        }
        let rule = hit.rule;
        let id: &'static str = rule.id.as_ref();
        let slots = self.behaviour.entry(id).or_default();
        let entry = match slots.get(&hit.principal) {
            Some(&slot) => &mut self.entries[slot],
            None => {
                slots.insert(hit.principal.clone(), self.entries.len());
                let alert = new_alert(id.to_string(), rule, &hit.principal, hit.time);
                let origin = Origin::Behaviour {
                    rule,
                    details: Vec::new(),
                    more_details: 0,
                };
                self.entries.push(Entry::new(alert, origin));
                self.entries.last_mut().expect("just pushed")
            }
        };
        entry.alert.time = entry.alert.time.min(hit.time);
        entry.add_events(hit.events.iter().map(|event| event.id.as_str()));
        if let Origin::Behaviour {
            details,
            more_details,
            ..
        } = &mut entry.origin
        {
            if !details.contains(&hit.detail) {
                if details.len() < QUOTED_DETAILS {
                    details.push(hit.detail);
                } else {
                    *more_details += 1;
                }
            }
        }
    }

    /// A hit from the Sigma stream on `record`, the record it was pushed with.
    fn add_sigma(&mut self, hit: StreamHit<'_>, record: &Record, report_from: Option<Timestamp>) {
        let StreamHit::Detection { rule, .. } = &hit else {
            return self.add_sigma_match(hit.into_match(record), report_from);
        };
        let time = record.event.time;
        if report_from.is_some_and(|from| time < from) {
            return;
        }
        let known = self
            .sigma
            .get(&rule.id)
            .and_then(|slots| slots.get(&record.event.principal));
        match known {
            Some(&slot) => {
                let entry = &mut self.entries[slot];
                entry.alert.time = entry.alert.time.min(time);
                entry.alert.severity = entry.alert.severity.max(rule.severity);
                entry.add_events([record.event.id.as_str()]);
            }
            None => self.add_sigma_match(hit.into_match(record), report_from),
        }
    }

    fn add_sigma_match(&mut self, hit: SigmaMatch, report_from: Option<Timestamp>) {
        if report_from.is_some_and(|from| hit.time < from) {
            return;
        }
        let slots = self.sigma.entry(hit.rule_id.clone()).or_default();
        let entry = match slots.get(&hit.principal) {
            Some(&slot) => &mut self.entries[slot],
            None => {
                slots.insert(hit.principal.clone(), self.entries.len());
                let alert = hit.empty_alert();
                let first = SigmaMatch {
                    events: Vec::new(),
                    ..hit.clone()
                };
                self.entries
                    .push(Entry::new(alert, Origin::Sigma(Box::new(first))));
                self.entries.last_mut().expect("just pushed")
            }
        };
        entry.alert.time = entry.alert.time.min(hit.time);
        entry.alert.severity = entry.alert.severity.max(hit.severity);
        entry.add_events(hit.events.iter().map(|event| event.id.as_str()));
    }

    fn alerts(self) -> Vec<Alert> {
        let mut alerts: Vec<Alert> = self.entries.into_iter().map(finish_entry).collect();
        alerts.sort_by(|a, b| {
            (a.time, &a.detector, &a.principal).cmp(&(b.time, &b.detector, &b.principal))
        });
        alerts
    }
}

fn new_alert(detector: String, rule: &RuleMeta, principal: &str, time: Timestamp) -> Alert {
    Alert {
        detector,
        severity: rule.severity,
        owasp: rule.owasp.to_vec(),
        principal: principal.to_string(),
        time,
        events: Vec::new(),
        summary: String::new(),
    }
}

fn finish_entry(entry: Entry) -> Alert {
    let Entry {
        mut alert,
        unlisted,
        origin,
        ..
    } = entry;
    let mut summary = match origin {
        Origin::Behaviour {
            rule,
            details,
            more_details,
        } => {
            let mut text = format!("{}: {}", rule.title, details.join("; "));
            if more_details > 0 {
                text.push_str(&format!("; and {more_details} more"));
            }
            format!("{text}. {}", rule.remediation)
        }
        Origin::Sigma(first) => sigma_summary(&first, alert.events.len()),
    };
    if unlisted > 0 {
        summary.push_str(&format!(" ({unlisted} more events are not listed.)"));
    }
    alert.summary = summary;
    alert
}
