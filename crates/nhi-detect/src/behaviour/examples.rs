//! Every behavioural rule states a generated log that must make it fire and one that must not;
//! this test walks every rule, so a rule without examples cannot be added.

use super::{all_rules, BehaviourConfig, InventorySnapshot};
use crate::hunt::Hunt;
use crate::normalise::normalise;
use chrono::TimeDelta;
use nhi_model::Alert;
use serde_json::Value;

/// One rule's examples.
pub(crate) struct Example {
    pub rule: String,
    /// Records (in any order) on which the rule must raise an alert.
    pub fires: Vec<Value>,
    /// Records on which it must stay quiet.
    pub quiet: Vec<Value>,
    pub config: BehaviourConfig,
}

impl Example {
    /// Examples judged with a one-hour learning window and no inventory.
    pub(crate) fn new(rule: &str, fires: Vec<Value>, quiet: Vec<Value>) -> Self {
        Example {
            rule: rule.to_string(),
            fires,
            quiet,
            config: BehaviourConfig {
                learn: TimeDelta::hours(1),
                ..BehaviourConfig::default()
            },
        }
    }

    pub(crate) fn with_inventory(mut self, inventory: InventorySnapshot) -> Self {
        self.config.inventory = Some(inventory);
        self
    }
}

/// Every family's examples.
const FAMILIES: &[fn() -> Vec<Example>] = &[
    super::network_novelty::examples,
    super::key_travel::examples,
    super::instance_credentials::examples,
    super::human_tooling::examples,
    super::dormancy::examples,
    super::enumeration::examples,
    super::privilege::examples,
    super::secret_retrieval::examples,
    super::defence_evasion::examples,
    super::exposure::examples,
    super::remote_access::examples,
    super::persistence::examples,
    super::ransomware::examples,
    super::bedrock::examples,
    super::k8s_tokens::examples,
    super::k8s_access::examples,
    super::k8s_rbac::examples,
    super::k8s_workloads::examples,
    super::k8s_activity::examples,
];

/// The alerts a hunt raises over `records`, taken in time order.
pub(crate) fn alerts(records: &[Value], config: &BehaviourConfig) -> Vec<Alert> {
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    let normalised = normalise("example.jsonl", lines.join("\n").as_bytes(), None);
    assert!(normalised.errors.is_empty(), "{:?}", normalised.errors);
    let mut records = normalised.records;
    records.sort_by_key(|record| record.event.time);
    let mut hunt = Hunt::new(None, config.clone());
    for (index, record) in records.iter().enumerate() {
        hunt.push(index, record);
    }
    hunt.finish()
}

#[test]
fn every_rule_has_examples_that_fire_and_stay_quiet() {
    let examples: Vec<Example> = FAMILIES.iter().flat_map(|family| family()).collect();
    for rule in all_rules() {
        assert!(
            examples.iter().any(|example| example.rule == rule.id),
            "rule {} has no example",
            rule.id
        );
    }
    for example in &examples {
        assert!(
            all_rules().any(|rule| rule.id == example.rule),
            "example for unknown rule {}",
            example.rule
        );
        let fired = alerts(&example.fires, &example.config);
        let alert = fired.iter().find(|alert| alert.detector == example.rule);
        let Some(alert) = alert else {
            panic!("{} did not fire; alerts: {fired:#?}", example.rule);
        };
        assert!(!alert.events.is_empty() && !alert.summary.is_empty());
        let quiet = alerts(&example.quiet, &example.config);
        assert!(
            quiet.iter().all(|alert| alert.detector != example.rule),
            "{} fired on its quiet example: {quiet:#?}",
            example.rule
        );
    }
}
