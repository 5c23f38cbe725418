//! Edges from trust policies: principals a role's trust names directly, federated providers, and
//! callers allowed `sts:AssumeRole` into roles that trust their whole account (or anyone).

use super::super::eval::Access;
use super::super::index::{DirectTrust, TrustLink};
use super::{Derivation, Hub, Step, ASSUME_ROLE};
use crate::graph::IdentityGraph;
use nhi_model::EdgeKind;

impl Derivation<'_, '_> {
    /// Trust policies that name a known principal, and federated providers.
    pub(super) fn trust_edges(&mut self, graph: &mut IdentityGraph) {
        let principals = &self.model.principals;
        for DirectTrust { from, link } in &self.trusts.direct {
            let (caller, role) = (&principals[*from], &principals[link.role]);
            if from == &link.role {
                continue;
            }
            self.actions.prepare(&caller.permissions.policies);
            let view = self.actions.view(&caller.permissions, ASSUME_ROLE);
            let access = view.decide(role.arn, &self.request(caller));
            // In its own account a principal named by the trust policy needs no permission of its
            // own; across accounts its policies must allow the call too. An explicit deny wins.
            let allowed = match access {
                Access::Denied => false,
                Access::NotAllowed => caller.account == role.account,
                Access::Allowed(_) => true,
            };
            if allowed {
                let method = format!("sts:AssumeRole (trust policy names {})", link.names);
                Step::new(EdgeKind::CanAssume, method, "assume-role")
                    .conditions(access.conditions())
                    .trust(link)
                    .add(graph, &caller.identity.id, &role.identity.id);
            }
        }
        for (provider, link) in &self.trusts.federated {
            let role = &principals[link.role];
            let method = if provider.contains("saml-provider") {
                "sts:AssumeRoleWithSAML"
            } else {
                "sts:AssumeRoleWithWebIdentity"
            };
            Step::new(EdgeKind::CanAssume, method, "federation")
                .trust(link)
                .add(
                    graph,
                    &format!("aws:federated:{provider}"),
                    &role.identity.id,
                );
        }
    }

    /// `sts:AssumeRole` into roles that trust the caller's whole account (or anyone).
    pub(super) fn assume_edges(&mut self, caller: usize, graph: &mut IdentityGraph) {
        let p = &self.model.principals[caller];
        let view = self.actions.view(&p.permissions, ASSUME_ROLE);
        if view.is_empty() {
            return;
        }
        let request = self.request(p);
        let account = p.account.clone();
        let mut candidates: Vec<&TrustLink> = self
            .trusts
            .account_root
            .get(&account)
            .into_iter()
            .flatten()
            .collect();
        candidates.extend(self.trusts.anyone.iter());
        if candidates.is_empty() {
            return;
        }
        if let Some(access) = view.decide_all("arn:aws:iam::*:role/*", &request) {
            let hub = self.hub(Hub::RootTrust(account), graph);
            Step::new(
                EdgeKind::CanAssume,
                "sts:AssumeRole (allowed on every role)",
                "assume-role",
            )
            .conditions(access.conditions())
            .add(graph, &p.identity.id, &hub);
            return;
        }
        let prefixes = view.resource_prefixes(&request, None);
        for link in candidates {
            let role = &self.model.principals[link.role];
            if link.role == caller
                || !prefixes
                    .as_ref()
                    .is_none_or(|ps| ps.iter().any(|pre| role.arn.starts_with(pre.as_str())))
            {
                continue;
            }
            let access = view.decide(role.arn, &request);
            if access.is_allowed() {
                let method = format!("sts:AssumeRole (trust policy trusts {})", link.names);
                Step::new(EdgeKind::CanAssume, method, "assume-role")
                    .conditions(access.conditions())
                    .trust(link)
                    .add(graph, &p.identity.id, &role.identity.id);
            }
        }
    }
}
