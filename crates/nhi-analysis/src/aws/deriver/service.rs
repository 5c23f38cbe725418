//! Edges from service techniques: passing a role to a new resource of a service, or changing an
//! existing resource that already runs as a role.

use super::super::condition::RequestFacts;
use super::super::eval::Request;
use super::super::techniques::{display_action, IamTarget, Reach, ServiceTechnique};
use super::{Derivation, Hub, Step};
use crate::graph::IdentityGraph;
use nhi_model::EdgeKind;
use serde_json::Value;

impl Derivation<'_, '_> {
    /// Run code as a role through a service.
    pub(super) fn service_edges(
        &mut self,
        caller: usize,
        t: &ServiceTechnique,
        graph: &mut IdentityGraph,
    ) {
        let p = &self.model.principals[caller];
        let key = (p.account.clone(), t.service.to_string());
        if !self.trusts.service.contains_key(&key) {
            return;
        }
        let pass = self.actions.view(&p.permissions, "iam:passrole");
        if t.reach == Reach::PassRole && pass.is_empty() {
            return;
        }
        let request = self.request(p);
        let mut conditions = Vec::new();
        let mut used = Vec::new();
        for group in t.actions {
            let found = group.iter().find_map(|a| {
                let access = self
                    .actions
                    .view(&p.permissions, a)
                    .decide_somewhere(&request);
                access.is_allowed().then_some((a, access))
            });
            let Some((action, access)) = found else {
                return;
            };
            used.push(display_action(action));
            conditions.extend(access.conditions().iter().cloned());
        }
        let hub = Hub::Service(p.account.clone(), t.service.to_string());
        if t.reach == Reach::Existing {
            let method = format!(
                "{} (on existing resources running as {} roles)",
                used.join(" + "),
                t.service
            );
            let hub = self.hub(hub, graph);
            Step::new(EdgeKind::CanImpersonate, method, t.id)
                .conditions(&conditions)
                .add(graph, &p.identity.id, &hub);
            return;
        }
        let method = format!("iam:PassRole + {}", used.join(" + "));
        let pass_request = Request {
            facts: RequestFacts {
                passed_to_service: Some(t.service),
                ..self.facts
            },
            ..request
        };
        if let Some(access) = pass.decide_all(&IamTarget::Role.every(&p.account), &pass_request) {
            conditions.extend(access.conditions().iter().cloned());
            let hub = self.hub(hub, graph);
            Step::new(EdgeKind::CanImpersonate, method, t.id)
                .conditions(&conditions)
                .add(graph, &p.identity.id, &hub);
            return;
        }
        let prefixes = pass.resource_prefixes(&pass_request, Some(&p.account));
        for link in self.trusts.service.get(&key).into_iter().flatten() {
            let role = &self.model.principals[link.role];
            if link.role == caller
                || !prefixes
                    .as_ref()
                    .is_none_or(|ps| ps.iter().any(|pre| role.arn.starts_with(pre.as_str())))
            {
                continue;
            }
            let access = pass.decide(role.arn, &pass_request);
            if access.is_allowed() {
                let all: Vec<Value> = conditions
                    .iter()
                    .chain(access.conditions())
                    .cloned()
                    .collect();
                Step::new(EdgeKind::CanImpersonate, method.clone(), t.id)
                    .conditions(&all)
                    .trust(link)
                    .add(graph, &p.identity.id, &role.identity.id);
            }
        }
    }
}
