//! Risk analysis: every rule is a pure function from an [`Inventory`] to findings.
//!
//! Invariant: no I/O. Each rule carries its [`RuleMeta`] (id, severity, OWASP mapping, remediation)
//! and examples that must and must not make it fire; `tests::every_rule_honours_its_examples` walks
//! them all, so a rule without examples cannot be added. Adding a rule means writing one type that
//! implements [`RiskRule`] and listing it in [`rules`].

mod aws;
mod azure;
mod cicd;
mod example;
mod gcp;
mod graph;
mod held_roles;
mod host;
pub mod k8s;
mod mcp;
mod postgres;
mod rules;
mod secrets;

use nhi_model::{Finding, Inventory, RuleMeta, Timestamp};
use std::sync::OnceLock;

pub use graph::{
    describe_step, edge, edge_derivers, EdgeDeriver, IdentityGraph, PathStep, PathTarget,
};
pub use rules::rules;

/// What analysis needs besides the inventory.
#[derive(Debug)]
pub struct AnalysisContext {
    /// The time against which ages and expiries are judged (normally now; a report's own
    /// generation time when re-analysing an old export).
    pub now: Timestamp,
    graph: OnceLock<IdentityGraph>,
}

impl AnalysisContext {
    /// A context that judges time at `now`.
    pub fn new(now: Timestamp) -> Self {
        AnalysisContext {
            now,
            graph: OnceLock::new(),
        }
    }

    /// The identity graph of `inventory`, built on first use and shared by every rule of this
    /// analysis (so pass the same inventory each time).
    pub fn graph(&self, inventory: &Inventory) -> &IdentityGraph {
        self.graph.get_or_init(|| IdentityGraph::build(inventory))
    }
}

/// An inventory that must (or must not) make a rule fire.
pub struct RuleExample {
    /// What the example shows, e.g. `"certificate that expired yesterday"`.
    pub name: &'static str,
    pub inventory: Inventory,
    /// Whether the rule must report at least one finding on it.
    pub fires: bool,
}

/// One risk rule.
pub trait RiskRule: Sync {
    /// The rule's metadata, shown by `nhi rules` and copied into its findings.
    fn meta(&self) -> &RuleMeta;
    /// Every finding the rule makes on `inventory`.
    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding>;
    /// Positive and negative examples, judged at [`examples_now`].
    fn examples(&self) -> Vec<RuleExample>;
}

/// The fixed "now" that rule examples are judged at, so examples never rot: 2026-01-01T00:00:00Z.
pub fn examples_now() -> Timestamp {
    chrono::DateTime::from_timestamp(1_767_225_600, 0).expect("valid constant timestamp")
}

/// Run every rule over the inventory. Findings come back sorted by severity (highest first),
/// then rule id, then finding id, so output is deterministic.
pub fn analyse(inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
    let mut findings: Vec<Finding> = rules()
        .iter()
        .flat_map(|rule| rule.evaluate(inventory, ctx))
        .chain(secrets::secret_findings(inventory))
        .collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.id.cmp(&b.id))
    });
    findings.dedup_by(|a, b| a.id == b.id);
    findings
}

/// Metadata of every risk rule, for `nhi rules`, and of the info rule that reports the account
/// and host lines next to a leaked secret (`secret-context`).
pub fn catalog() -> Vec<RuleMeta> {
    rules()
        .iter()
        .map(|rule| rule.meta().clone())
        .chain([secrets::CONTEXT.clone()])
        .collect()
}

/// Whether a finding is the context of a secret (`secret-context`) rather than a risk itself.
pub fn is_secret_context(finding: &Finding) -> bool {
    finding.rule == secrets::CONTEXT_RULE
}

/// The ids of the secret findings a `secret-context` finding explains (empty for other findings).
pub fn context_links(finding: &Finding) -> Vec<&str> {
    finding.evidence["secrets"]
        .as_array()
        .map(|secrets| {
            secrets
                .iter()
                .filter_map(|s| s["finding"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_rule_honours_its_examples() {
        for rule in rules() {
            let meta = rule.meta();
            let examples = rule.examples();
            assert!(
                examples.iter().any(|e| e.fires),
                "{}: no positive example",
                meta.id
            );
            assert!(
                examples.iter().any(|e| !e.fires),
                "{}: no negative example",
                meta.id
            );
            for example in examples {
                let ctx = AnalysisContext::new(examples_now());
                let findings = rule.evaluate(&example.inventory, &ctx);
                assert_eq!(
                    !findings.is_empty(),
                    example.fires,
                    "{}: example '{}' expected fires={} but got {:?}",
                    meta.id,
                    example.name,
                    example.fires,
                    findings
                );
                for finding in &findings {
                    assert_eq!(finding.rule, meta.id, "finding carries its rule id");
                    assert!(
                        !finding.subjects.is_empty(),
                        "{}: finding without subject",
                        meta.id
                    );
                }
            }
        }
    }

    #[test]
    fn rule_metadata_is_complete_and_ids_are_unique() {
        let mut seen = HashSet::new();
        for meta in catalog() {
            assert!(
                seen.insert(meta.id.clone()),
                "duplicate rule id {}",
                meta.id
            );
            assert!(
                meta.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "rule id {} is not kebab-case",
                meta.id
            );
            assert!(!meta.owasp.is_empty(), "{}: no OWASP mapping", meta.id);
            assert!(
                !meta.title.is_empty() && !meta.description.is_empty(),
                "{}",
                meta.id
            );
            assert!(
                meta.remediation.len() > 20,
                "{}: remediation too thin",
                meta.id
            );
        }
    }
}
