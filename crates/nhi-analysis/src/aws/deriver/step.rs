//! One derived edge as data: kind, method, technique, conditions and scope, added in one call.

use super::super::index::TrustLink;
use crate::graph::{edge, IdentityGraph};
use nhi_model::EdgeKind;
use serde_json::{json, Value};

/// What a derived edge says: its kind, the method (actions) that takes the step, the technique
/// id, the conditions it depends on and, for permission grants, whom the grant is on.
pub(super) struct Step {
    kind: EdgeKind,
    method: String,
    technique: &'static str,
    conditions: Vec<Value>,
    scope: Option<&'static str>,
}

impl Step {
    pub(super) fn new(kind: EdgeKind, method: impl Into<String>, technique: &'static str) -> Step {
        Step {
            kind,
            method: method.into(),
            technique,
            conditions: Vec::new(),
            scope: None,
        }
    }

    pub(super) fn conditions(mut self, conditions: &[Value]) -> Step {
        self.conditions.extend(conditions.iter().cloned());
        self
    }

    /// The step rests on a trust statement: its conditions join the evidence.
    pub(super) fn trust(mut self, link: &TrustLink) -> Step {
        if let Some(condition) = &link.conditions {
            self.conditions.push(json!({"effect": "Allow", "relation": "if", "policy": "trust policy", "condition": condition}));
        }
        self
    }

    pub(super) fn scope(mut self, scope: &'static str) -> Step {
        self.scope = Some(scope);
        self
    }

    pub(super) fn add(self, graph: &mut IdentityGraph, from: &str, to: &str) {
        let mut e = edge(from, to, self.kind, &self.method);
        e.attributes
            .insert("technique".into(), self.technique.into());
        if !self.conditions.is_empty() {
            e.attributes
                .insert("conditions".into(), Value::Array(self.conditions));
        }
        if let Some(scope) = self.scope {
            e.attributes.insert("scope".into(), scope.into());
        }
        graph.add_edge(e);
    }
}
