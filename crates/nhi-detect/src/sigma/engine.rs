//! The compiled rule set and its stream evaluation. Rules are compiled once into a
//! [`SigmaEngine`]; per log source, detection rules are indexed by the exact values they require
//! of an indexed field, so an event is only checked against rules it could match. Correlations
//! run after the rules they consume (chains allowed, loops refused).

use super::compile::CompiledDetection;
use super::correlation::{
    CompiledCorrelation, CorrelationState, Evidence, Fired, InputRule, Signal, SignalSource,
};
use super::error::{LoadProblem, RuleLoadError};
use super::eval::leaf_texts;
use super::fieldmap::{index_fields, FieldPath};
use super::matches::{detector_id, EventRef, MatchKind, SigmaMatch};
use super::parse::parse_file;
use super::pattern::with_folded;
use super::rule::{CorrelationType, ParsedRule, RuleBody};
use crate::normalise::{LogSource, Record};
use nhi_model::{RuleKind, RuleMeta, Severity};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Collects rule files, then compiles them all into a [`SigmaEngine`].
#[derive(Debug, Default)]
pub struct SigmaEngineBuilder {
    placeholders: HashMap<String, Vec<String>>,
    rules: Vec<ParsedRule>,
    errors: Vec<RuleLoadError>,
}

impl SigmaEngineBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Values for the `%name%` placeholder of `expand` modifiers. Rules using a placeholder
    /// without values are reported as not loaded.
    pub fn placeholder(&mut self, name: &str, values: Vec<String>) -> &mut Self {
        self.placeholders
            .insert(name.trim_matches('%').to_string(), values);
        self
    }

    /// Reads one rule file (`origin` names it in errors): one or several YAML documents.
    pub fn add_yaml(&mut self, origin: &str, text: &str) -> &mut Self {
        parse_file(origin, text, &mut self.rules, &mut self.errors);
        self
    }

    /// Compiles every rule read. Rules that cannot be used are returned as errors, one each.
    pub fn build(self) -> (SigmaEngine, Vec<RuleLoadError>) {
        let mut errors = self.errors;
        let mut engine = SigmaEngine::default();
        let mut taken = HashSet::new();
        let mut correlations = Vec::new();
        for rule in self.rules {
            let key = rule.key();
            if !taken.insert(key.clone()) {
                errors.push(load_error(&rule, None, LoadProblem::DuplicateId(key)));
                continue;
            }
            match &rule.body {
                RuleBody::Correlation(_) => correlations.push(rule),
                RuleBody::Detection(detection) => {
                    match CompiledDetection::compile(&rule, detection, &self.placeholders) {
                        Ok(compiled) => engine.add(&rule, Logic::Detection(compiled)),
                        Err((line, problem)) => errors.push(load_error(&rule, line, problem)),
                    }
                }
            }
        }
        engine.add_correlations(correlations, &mut errors);
        engine.build_indexes();
        (engine, errors)
    }
}

fn load_error(rule: &ParsedRule, line: Option<usize>, problem: LoadProblem) -> RuleLoadError {
    RuleLoadError {
        origin: rule.origin.clone(),
        line: line.or(Some(rule.line)),
        rule: Some(rule.header.title.clone()),
        problem,
    }
}

/// Every loaded Sigma rule, compiled.
#[derive(Debug, Default)]
pub struct SigmaEngine {
    rules: Vec<EngineRule>,
    /// Rule slots by id and by name.
    slot_of: HashMap<String, usize>,
    /// Per [`LogSource::ALL`] position.
    indexes: Vec<SourceIndex>,
    /// Rule slot -> correlations that consume its matches.
    consumers: Vec<Vec<usize>>,
    /// Slots of the correlations, in dependency order.
    correlations: Vec<usize>,
}

#[derive(Debug)]
pub(crate) struct EngineRule {
    pub(crate) id: String,
    name: Option<String>,
    title: String,
    pub(crate) severity: Severity,
    tags: Vec<String>,
    description: Option<String>,
    falsepositives: Vec<String>,
    author: Option<String>,
    logic: Logic,
    /// False for rules that only feed correlations (`generate: false`).
    reported: bool,
}

#[derive(Debug)]
enum Logic {
    Detection(CompiledDetection),
    Correlation(CompiledCorrelation),
}

#[derive(Debug, Default)]
struct SourceIndex {
    fields: Vec<FieldPath>,
    /// Per indexed field: folded value -> slots of the rules that require it.
    by_value: Vec<foldhash::HashMap<String, Vec<usize>>>,
    /// Rules with no requirement on an indexed field: checked against every event.
    unindexed: Vec<usize>,
}

impl SigmaEngine {
    /// A builder to load rule files into.
    pub fn builder() -> SigmaEngineBuilder {
        SigmaEngineBuilder::new()
    }

    /// How many rules (detections and correlations) are loaded.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Metadata of every loaded rule, for `nhi rules`.
    pub fn rules(&self) -> Vec<RuleMeta> {
        self.rules
            .iter()
            .map(|rule| RuleMeta {
                id: Cow::Owned(detector_id(&rule.id)),
                kind: RuleKind::Detector,
                title: Cow::Owned(rule.title.clone()),
                severity: rule.severity,
                owasp: Cow::Owned(Vec::new()),
                description: Cow::Owned(described(rule)),
                remediation: Cow::Owned(match rule.falsepositives.as_slice() {
                    [] => "Investigate the matching events and the identity behind them.".to_string(),
                    known => format!(
                        "Investigate the matching events and the identity behind them. Known false positives: {}",
                        known.join("; ")
                    ),
                }),
            })
            .collect()
    }

    /// A stream that evaluates records pushed one by one, in time order.
    pub fn stream(&self) -> SigmaStream<'_> {
        SigmaStream {
            engine: self,
            states: self
                .rules
                .iter()
                .map(|_| CorrelationState::default())
                .collect(),
        }
    }

    /// Evaluates a whole batch: records are taken in time order (ties in input order), and
    /// match indices refer to `records`.
    pub fn scan(&self, records: &[Record]) -> Vec<SigmaMatch> {
        let mut order: Vec<usize> = (0..records.len()).collect();
        order.sort_by_key(|&index| (records[index].event.time, index));
        let mut stream = self.stream();
        let mut matches = Vec::new();
        for index in order {
            matches.extend(stream.push(index, &records[index]));
        }
        matches.extend(stream.finish());
        matches
    }

    fn add(&mut self, rule: &ParsedRule, logic: Logic) {
        let slot = self.rules.len();
        let key = rule.key();
        self.slot_of.insert(key.clone(), slot);
        if let Some(name) = &rule.header.name {
            self.slot_of.entry(name.clone()).or_insert(slot);
        }
        let severity = rule.header.level.unwrap_or_else(|| match &logic {
            Logic::Correlation(correlation) => correlation
                .inputs
                .iter()
                .map(|&input| self.rules[input].severity)
                .max()
                .unwrap_or(Severity::Medium),
            Logic::Detection(_) => Severity::Medium,
        });
        self.rules.push(EngineRule {
            id: key,
            name: rule.header.name.clone(),
            title: rule.header.title.clone(),
            severity,
            tags: rule.header.tags.clone(),
            description: rule.header.description.clone(),
            falsepositives: rule.header.falsepositives.clone(),
            author: rule.header.author.clone(),
            logic,
            reported: true,
        });
        self.consumers.push(Vec::new());
    }

    /// Adds correlations once the rules they refer to are loaded, so chains come out in
    /// dependency order; what is left refers to a missing rule or loops.
    fn add_correlations(&mut self, mut pending: Vec<ParsedRule>, errors: &mut Vec<RuleLoadError>) {
        loop {
            let waiting: HashSet<String> = pending
                .iter()
                .flat_map(|rule| std::iter::once(rule.key()).chain(rule.header.name.clone()))
                .collect();
            let before = pending.len();
            let mut still = Vec::new();
            for rule in pending {
                let RuleBody::Correlation(correlation) = &rule.body else {
                    continue;
                };
                if let Some(missing) = correlation.rules.iter().find(|reference| {
                    !self.slot_of.contains_key(*reference) && !waiting.contains(*reference)
                }) {
                    errors.push(load_error(
                        &rule,
                        correlation.line,
                        LoadProblem::UnknownRule(missing.clone()),
                    ));
                } else if correlation
                    .rules
                    .iter()
                    .all(|reference| self.slot_of.contains_key(reference))
                {
                    self.add_correlation(&rule, errors);
                } else {
                    still.push(rule);
                }
            }
            pending = still;
            if pending.len() == before || pending.is_empty() {
                break;
            }
        }
        for rule in pending {
            let RuleBody::Correlation(correlation) = &rule.body else {
                continue;
            };
            let looped = correlation
                .rules
                .iter()
                .find(|reference| !self.slot_of.contains_key(*reference));
            let problem = LoadProblem::Cycle(looped.cloned().unwrap_or_else(|| rule.key()));
            errors.push(load_error(&rule, correlation.line, problem));
        }
    }

    fn add_correlation(&mut self, rule: &ParsedRule, errors: &mut Vec<RuleLoadError>) {
        let RuleBody::Correlation(correlation) = &rule.body else {
            return;
        };
        let mut slots: Vec<usize> = correlation
            .rules
            .iter()
            .map(|reference| self.slot_of[reference])
            .collect();
        if correlation.kind != CorrelationType::TemporalOrdered {
            let mut seen = HashSet::new();
            slots.retain(|slot| seen.insert(*slot));
        }
        let inputs: Vec<InputRule> = slots
            .iter()
            .map(|&slot| InputRule {
                slot,
                name: self.rules[slot].name.as_deref(),
                source: match &self.rules[slot].logic {
                    Logic::Detection(detection) => Some(detection.source),
                    Logic::Correlation(_) => None,
                },
            })
            .collect();
        match CompiledCorrelation::compile(correlation, &inputs) {
            Ok(compiled) => {
                let slot = self.rules.len();
                self.add(rule, Logic::Correlation(compiled));
                self.correlations.push(slot);
                for &input in &slots {
                    if !self.consumers[input].contains(&slot) {
                        self.consumers[input].push(slot);
                    }
                    self.rules[input].reported &= correlation.generate;
                }
            }
            Err(reason) => {
                let problem = LoadProblem::Unsupported(reason);
                errors.push(load_error(rule, correlation.line, problem));
            }
        }
    }

    fn build_indexes(&mut self) {
        self.indexes = LogSource::ALL
            .iter()
            .map(|&source| {
                let fields: Vec<FieldPath> = index_fields(source)
                    .iter()
                    .map(|field| FieldPath::new(field))
                    .collect();
                SourceIndex {
                    by_value: vec![foldhash::HashMap::default(); fields.len()],
                    fields,
                    unindexed: Vec::new(),
                }
            })
            .collect();
        for (slot, rule) in self.rules.iter().enumerate() {
            let Logic::Detection(detection) = &rule.logic else {
                continue;
            };
            let index = &mut self.indexes[source_position(detection.source)];
            match detection.requirement() {
                Some((field, values)) => {
                    for value in values {
                        index.by_value[field].entry(value).or_default().push(slot);
                    }
                }
                None => index.unindexed.push(slot),
            }
        }
    }

    /// Evaluates the detection rules on one record. This is the stateless part of the
    /// evaluation, so it can run on any thread, in any order; the result then goes through a
    /// [`SigmaStream`] in time order with [`SigmaStream::push_screened`].
    pub fn screen(&self, record: Record) -> Screened {
        Screened {
            detections: self.detect(&record),
            record,
        }
    }

    /// Slots of the detection rules that match the record, in load order.
    fn detect(&self, record: &Record) -> Vec<usize> {
        let mut matching = self.candidates(record);
        let mut found = Vec::new();
        matching.retain(|&slot| match &self.rules[slot].logic {
            Logic::Detection(detection) => detection.matches(&record.raw, &mut found),
            Logic::Correlation(_) => false,
        });
        matching
    }

    /// The detection rules of the record's source that it could match: those it meets the
    /// indexed requirement of, and those without one.
    fn candidates(&self, record: &Record) -> Vec<usize> {
        let Some(index) = self.indexes.get(source_position(record.source)) else {
            return Vec::new();
        };
        let mut candidates = index.unindexed.clone();
        for (field, path) in index.fields.iter().enumerate() {
            path.resolve(&record.raw, &mut |value| {
                leaf_texts(value, &mut |text| {
                    with_folded(text, |folded| {
                        if let Some(slots) = index.by_value[field].get(folded) {
                            candidates.extend(slots);
                        }
                    })
                });
            });
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    fn correlation(&self, slot: usize) -> Option<&CompiledCorrelation> {
        match &self.rules[slot].logic {
            Logic::Correlation(correlation) => Some(correlation),
            Logic::Detection(_) => None,
        }
    }
}

fn source_position(source: LogSource) -> usize {
    LogSource::ALL
        .iter()
        .position(|&known| known == source)
        .unwrap_or_default()
}

/// A record with the detection rules it matched ([`SigmaEngine::screen`]).
#[derive(Debug, Clone)]
pub struct Screened {
    pub record: Record,
    /// Slots of the matching detection rules, in load order.
    detections: Vec<usize>,
}

/// Evaluation of one time-ordered stream of records, holding the state of every correlation.
/// Push records in time order; call [`SigmaStream::finish`] at the end of the input.
pub struct SigmaStream<'e> {
    engine: &'e SigmaEngine,
    states: Vec<CorrelationState>,
}

/// One hit of a reported rule as the stream finds it. A detection only names its rule and record
/// (a rule that matches most records would otherwise copy its title, tags and fields into a
/// [`SigmaMatch`] per record); [`StreamHit::into_match`] writes it out when it is wanted.
pub(crate) enum StreamHit<'e> {
    Detection { rule: &'e EngineRule, index: usize },
    Correlation(SigmaMatch),
}

impl StreamHit<'_> {
    /// The full match; `record` is the record pushed with the hit.
    pub(crate) fn into_match(self, record: &Record) -> SigmaMatch {
        match self {
            StreamHit::Detection { rule, index } => detection_match(rule, index, record),
            StreamHit::Correlation(hit) => hit,
        }
    }
}

impl<'e> SigmaStream<'e> {
    /// Evaluates one record; `index` is how matches refer to it.
    pub fn push(&mut self, index: usize, record: &Record) -> Vec<SigmaMatch> {
        let mut hits = Vec::new();
        self.push_hits(index, record, &mut hits);
        hits.into_iter().map(|hit| hit.into_match(record)).collect()
    }

    /// Evaluates one record, its hits going to `out`.
    pub(crate) fn push_hits(
        &mut self,
        index: usize,
        record: &Record,
        out: &mut Vec<StreamHit<'e>>,
    ) {
        let detections = self.engine.detect(record);
        self.push_detected(index, record, &detections, out);
    }

    /// Takes one record that the same engine screened: its detections are already known, what
    /// is left is the correlations' state and the hits to report, which go to `out`.
    pub(crate) fn push_screened(
        &mut self,
        index: usize,
        screened: &Screened,
        out: &mut Vec<StreamHit<'e>>,
    ) {
        self.push_detected(index, &screened.record, &screened.detections, out);
    }

    fn push_detected(
        &mut self,
        index: usize,
        record: &Record,
        detections: &[usize],
        out: &mut Vec<StreamHit<'e>>,
    ) {
        let engine = self.engine;
        for &slot in &engine.correlations {
            if let Some(correlation) = engine.correlation(slot) {
                let fired = correlation.sweep(&mut self.states[slot], record.event.time);
                self.emit(slot, fired, out);
            }
        }
        for &slot in detections {
            let rule = &engine.rules[slot];
            if rule.reported {
                out.push(StreamHit::Detection { rule, index });
            }
            if engine.consumers[slot].is_empty() {
                continue;
            }
            let signal = Signal {
                rule: slot,
                time: record.event.time,
                evidence: vec![Evidence::of(index, record)],
                source: SignalSource::Record(record),
            };
            self.propagate(&signal, out);
        }
    }

    /// Closes every open correlation window (the input ended).
    pub fn finish(mut self) -> Vec<SigmaMatch> {
        let engine = self.engine;
        let mut out = Vec::new();
        for &slot in &engine.correlations {
            if let Some(correlation) = engine.correlation(slot) {
                let fired = correlation.finish(&mut self.states[slot]);
                self.emit(slot, fired, &mut out);
            }
        }
        out.into_iter()
            .filter_map(|hit| match hit {
                StreamHit::Correlation(hit) => Some(hit),
                StreamHit::Detection { .. } => None,
            })
            .collect()
    }

    fn propagate(&mut self, signal: &Signal, out: &mut Vec<StreamHit<'e>>) {
        let engine = self.engine;
        for &consumer in &engine.consumers[signal.rule] {
            if let Some(correlation) = engine.correlation(consumer) {
                let fired = correlation.observe(&mut self.states[consumer], signal);
                self.emit(consumer, fired, out);
            }
        }
    }

    fn emit(&mut self, slot: usize, fired: Vec<Fired>, out: &mut Vec<StreamHit<'e>>) {
        let engine = self.engine;
        let rule = &engine.rules[slot];
        for hit in fired {
            let (Some(first), Some(last)) = (
                hit.evidence.first(),
                hit.evidence.iter().max_by_key(|e| e.time),
            ) else {
                continue;
            };
            if rule.reported {
                let kind = match engine.correlation(slot).map(|correlation| correlation.kind) {
                    Some(CorrelationType::EventCount) => MatchKind::EventCount,
                    Some(CorrelationType::ValueCount) => MatchKind::ValueCount,
                    Some(CorrelationType::Temporal) => MatchKind::Temporal,
                    Some(CorrelationType::TemporalOrdered) => MatchKind::TemporalOrdered,
                    None => MatchKind::Detection,
                };
                out.push(StreamHit::Correlation(SigmaMatch {
                    rule_id: rule.id.clone(),
                    title: rule.title.clone(),
                    author: rule.author.clone(),
                    severity: rule.severity,
                    tags: rule.tags.clone(),
                    kind,
                    principal: last.principal.clone(),
                    time: hit
                        .evidence
                        .iter()
                        .map(|e| e.time)
                        .min()
                        .unwrap_or(first.time),
                    events: hit
                        .evidence
                        .iter()
                        .map(|e| EventRef {
                            index: e.index,
                            id: e.id.clone(),
                        })
                        .collect(),
                    group: hit.group.clone(),
                    fields: Vec::new(),
                }));
            }
            let signal = Signal {
                rule: slot,
                time: last.time,
                evidence: hit.evidence.clone(),
                source: SignalSource::Group(&hit.group),
            };
            self.propagate(&signal, out);
        }
    }
}

/// A rule's description for `nhi rules`, with its author when the rule names one.
fn described(rule: &EngineRule) -> String {
    let text = rule
        .description
        .clone()
        .unwrap_or_else(|| rule.title.clone());
    match &rule.author {
        Some(author) => format!("{} (rule by {author})", text.trim_end()),
        None => text,
    }
}

fn detection_match(rule: &EngineRule, index: usize, record: &Record) -> SigmaMatch {
    let fields = match &rule.logic {
        Logic::Detection(detection) => detection.field_values(&record.raw),
        Logic::Correlation(_) => Vec::new(),
    };
    SigmaMatch {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        author: rule.author.clone(),
        severity: rule.severity,
        tags: rule.tags.clone(),
        kind: MatchKind::Detection,
        principal: record.event.principal.clone(),
        time: record.event.time,
        events: vec![EventRef {
            index,
            id: record.event.id.clone(),
        }],
        group: Vec::new(),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;

    #[test]
    fn an_event_is_only_checked_against_rules_it_could_match() {
        let mut builder = SigmaEngine::builder();
        for number in 0..500 {
            builder.add_yaml(
                &format!("r{number}.yml"),
                &format!(
                    "title: r{number}\nlogsource:\n    product: aws\ndetection:\n    sel:\n        \
                     eventSource: iam.amazonaws.com\n        eventName: Call{number}\n    condition: sel\n"
                ),
            );
        }
        builder.add_yaml(
            "agent.yml",
            "title: agent\nlogsource:\n    product: aws\ndetection:\n    sel:\n        userAgent|contains: x\n    condition: sel\n",
        );
        let (engine, errors) = builder.build();
        assert!(errors.is_empty());
        let line = r#"{"eventID":"e","eventTime":"2024-01-01T00:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CALL42","userIdentity":{"type":"IAMUser","arn":"a"}}"#;
        let record = &normalise("t", line.as_bytes(), None).records[0];
        assert_eq!(engine.candidates(record), vec![42, 500]);
        assert_eq!(engine.detect(record), vec![42]);
    }
}
