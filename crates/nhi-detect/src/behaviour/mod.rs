//! Behavioural detectors: baselines per identity and per credential (networks, tools, actions,
//! secrets read), short windows (bursts, sequences) and single-record patterns, over normalised
//! records pushed in time order. One module per detector family; each registers in [`FAMILIES`].
//!
//! Invariants: pure (no I/O); state is bounded by the number of identities and credentials, never
//! by the number of events; an identity is judged against its baseline only once `learn` of log
//! time has passed since it was first seen ("mature"), patterns judge every record.

mod aws;
mod bedrock;
mod defence_evasion;
mod dormancy;
mod enumeration;
mod exposure;
mod human_tooling;
mod instance_credentials;
mod inventory;
mod k8s;
mod k8s_access;
mod k8s_activity;
mod k8s_rbac;
mod k8s_tokens;
mod k8s_workloads;
mod key_travel;
mod net;
mod network_novelty;
mod patterns;
mod persistence;
mod privilege;
mod ransomware;
mod remote_access;
mod secret_retrieval;
mod state;

#[cfg(test)]
mod examples;
#[cfg(test)]
mod testlog;

pub use inventory::InventorySnapshot;

use crate::normalise::Record;
use crate::sigma::EventRef;
use chrono::TimeDelta;
use foldhash::{HashMap, HashMapExt};
use nhi_model::{OwaspNhi, RuleKind, RuleMeta, Severity, Timestamp};
use patterns::{Pattern, PatternDetector};
use state::IdentityId;
use std::borrow::Cow;

/// How the behavioural detectors judge a log.
#[derive(Debug, Clone)]
pub struct BehaviourConfig {
    /// Log time an identity must have been seen for before its baseline is trusted.
    pub learn: TimeDelta,
    /// A long-lived credential unused for this long and then used again is reported.
    pub dormant_after: TimeDelta,
    /// What the last scan recorded: known identities, credentials retired or rotated.
    pub inventory: Option<InventorySnapshot>,
}

impl Default for BehaviourConfig {
    fn default() -> Self {
        BehaviourConfig {
            learn: TimeDelta::hours(24),
            dormant_after: TimeDelta::days(30),
            inventory: None,
        }
    }
}

/// One record as a detector sees it.
pub(crate) struct Seen<'a> {
    /// How the caller refers to the record.
    pub index: usize,
    pub record: &'a Record,
    /// The network of the record's source address, parsed once for every detector.
    pub network: Option<net::Network>,
    /// The acting identity's number in this stream (for [`state::IdMap`]).
    pub identity: IdentityId,
    /// Whether the acting identity has been seen for at least the learning window.
    pub mature: bool,
    /// Whether the log itself has run for at least the learning window (baselines shared by
    /// several identities, such as a cluster's networks, are trusted from then on).
    pub warmed_up: bool,
    pub config: &'a BehaviourConfig,
}

impl Seen<'_> {
    /// The reference alerts keep to this record.
    pub(crate) fn event_ref(&self) -> EventRef {
        EventRef {
            index: self.index,
            id: self.record.event.id.clone(),
        }
    }

    pub(crate) fn time(&self) -> Timestamp {
        self.record.event.time
    }

    pub(crate) fn principal(&self) -> &str {
        &self.record.event.principal
    }
}

/// One firing of one rule: the identity, the records behind it and what was seen.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub rule: &'static RuleMeta,
    pub principal: String,
    pub time: Timestamp,
    pub events: Vec<EventRef>,
    /// What happened, in one clause (no secret value, ever).
    pub detail: String,
}

impl Hit {
    /// A hit on the record being seen, by its own principal.
    pub(crate) fn on(rule: &'static RuleMeta, seen: &Seen<'_>, detail: String) -> Hit {
        Hit {
            rule,
            principal: seen.principal().to_string(),
            time: seen.time(),
            events: vec![seen.event_ref()],
            detail,
        }
    }
}

/// A detector with state: it sees every record, in time order.
pub(crate) trait Detector {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>);
}

/// A detector family: its single-record patterns and, when it keeps state, its detector and the
/// rules that detector reports under.
pub(crate) struct Family {
    pub patterns: &'static [Pattern],
    pub rules: &'static [&'static RuleMeta],
    pub build: Option<fn() -> Box<dyn Detector>>,
}

/// Every family, in the order `nhi rules` lists them.
const FAMILIES: &[&Family] = &[
    &network_novelty::FAMILY,
    &key_travel::FAMILY,
    &instance_credentials::FAMILY,
    &human_tooling::FAMILY,
    &dormancy::FAMILY,
    &enumeration::FAMILY,
    &privilege::FAMILY,
    &secret_retrieval::FAMILY,
    &defence_evasion::FAMILY,
    &exposure::FAMILY,
    &remote_access::FAMILY,
    &persistence::FAMILY,
    &ransomware::FAMILY,
    &bedrock::FAMILY,
    &k8s_tokens::FAMILY,
    &k8s_access::FAMILY,
    &k8s_rbac::FAMILY,
    &k8s_workloads::FAMILY,
    &k8s_activity::FAMILY,
];

/// Metadata of every behavioural detector rule, for `nhi rules`.
pub fn detector_rules() -> Vec<RuleMeta> {
    all_rules().cloned().collect()
}

fn all_rules() -> impl Iterator<Item = &'static RuleMeta> {
    FAMILIES.iter().flat_map(|family| {
        family
            .patterns
            .iter()
            .map(|pattern| &pattern.rule)
            .chain(family.rules.iter().copied())
    })
}

/// A `const` rule of kind detector.
pub(crate) const fn rule(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    owasp: &'static [OwaspNhi],
    description: &'static str,
    remediation: &'static str,
) -> RuleMeta {
    RuleMeta {
        id: Cow::Borrowed(id),
        kind: RuleKind::Detector,
        title: Cow::Borrowed(title),
        severity,
        owasp: Cow::Borrowed(owasp),
        description: Cow::Borrowed(description),
        remediation: Cow::Borrowed(remediation),
    }
}

/// Runs every behavioural detector over records pushed in time order.
pub(crate) struct BehaviourStream {
    config: BehaviourConfig,
    detectors: Vec<Box<dyn Detector>>,
    /// Each identity's number and when it was first seen (which decides whether its baseline
    /// is mature).
    identities: HashMap<String, (IdentityId, Timestamp)>,
    /// Time of the first record.
    started: Option<Timestamp>,
}

impl BehaviourStream {
    pub(crate) fn new(config: BehaviourConfig) -> Self {
        let patterns = FAMILIES.iter().flat_map(|family| family.patterns.iter());
        let mut detectors: Vec<Box<dyn Detector>> = vec![Box::new(PatternDetector::new(patterns))];
        detectors.extend(
            FAMILIES
                .iter()
                .filter_map(|family| family.build.map(|build| build())),
        );
        BehaviourStream {
            config,
            detectors,
            identities: HashMap::new(),
            started: None,
        }
    }

    /// Judges one record; `index` is how hits refer to it.
    pub(crate) fn push(&mut self, index: usize, record: &Record, hits: &mut Vec<Hit>) {
        let time = record.event.time;
        let (identity, first) = match self.identities.get(&record.event.principal) {
            Some(known) => *known,
            None => {
                let id = IdentityId(u32::try_from(self.identities.len()).unwrap_or(u32::MAX));
                self.identities
                    .insert(record.event.principal.clone(), (id, time));
                (id, time)
            }
        };
        let started = *self.started.get_or_insert(time);
        let seen = Seen {
            index,
            record,
            network: record.event.source_ip.as_deref().map(net::Network::of),
            identity,
            mature: time >= first + self.config.learn,
            warmed_up: time >= started + self.config.learn,
            config: &self.config,
        };
        for detector in &mut self.detectors {
            detector.observe(&seen, hits);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_ids_are_unique_readable_and_described() {
        let mut ids = HashSet::new();
        for rule in all_rules() {
            assert!(ids.insert(rule.id.as_ref()), "duplicate id {}", rule.id);
            assert!(
                rule.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                rule.id
            );
            assert_eq!(rule.kind, RuleKind::Detector);
            assert!(!rule.title.is_empty() && !rule.description.is_empty());
            assert!(rule.remediation.len() > 20, "{}", rule.id);
        }
    }
}
