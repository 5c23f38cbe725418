//! Edges from IAM techniques: taking over users and roles (access keys, login profiles, trust
//! rewrites), writing arbitrary permissions (onto itself or onto others), joining admin groups.

use super::super::eval::{Access, ActionView, Request};
use super::super::index::with_prefixes;
use super::super::principal::PrincipalKind;
use super::super::techniques::{IamEffect, IamTarget, IamTechnique};
use super::{account_admin_node, Derivation, Hub, Step};
use crate::graph::IdentityGraph;
use nhi_model::EdgeKind;

impl<'m> Derivation<'m, '_> {
    /// Edges one IAM technique gives the caller.
    pub(super) fn iam_edges(
        &mut self,
        caller: usize,
        technique: &IamTechnique,
        graph: &mut IdentityGraph,
    ) {
        let p = &self.model.principals[caller];
        let view = self.actions.view(&p.permissions, technique.action);
        if view.is_empty() {
            return;
        }
        let request = self.request(p);
        match technique.effect {
            IamEffect::TakeOver(kind) => {
                self.take_over(caller, technique, kind, &view, &request, graph)
            }
            IamEffect::Grant => self.grant(caller, technique, &view, &request, graph),
            IamEffect::JoinGroup => self.join_group(caller, technique, &view, &request, graph),
        }
    }

    /// Obtain other users' credentials or rewrite roles' trust.
    fn take_over(
        &mut self,
        caller: usize,
        t: &IamTechnique,
        kind: EdgeKind,
        view: &ActionView,
        request: &Request,
        graph: &mut IdentityGraph,
    ) {
        let p = &self.model.principals[caller];
        let account = p.account.as_str();
        let map = match t.target {
            IamTarget::User => self.targets.users.get(account),
            _ => self.targets.roles.get(account),
        };
        let Some(map) = map else { return };
        if map.keys().all(|arn| *arn == p.arn) {
            return;
        }
        if let Some(access) = view.decide_all(&t.target.every(account), request) {
            let hub = match t.target {
                IamTarget::User => Hub::AnyUser(account.to_string()),
                _ => Hub::AnyRole(account.to_string()),
            };
            let hub = self.hub(hub, graph);
            Step::new(kind, t.method(), t.id)
                .conditions(access.conditions())
                .add(graph, &p.identity.id, &hub);
            return;
        }
        let prefixes = view.resource_prefixes(request, Some(account));
        for (arn, &target) in with_prefixes(map, prefixes.as_deref()) {
            if target == caller {
                continue;
            }
            let access = view.decide(arn, request);
            if access.is_allowed() {
                let to = &self.model.principals[target].identity.id;
                Step::new(kind, t.method(), t.id)
                    .conditions(access.conditions())
                    .add(graph, &p.identity.id, to);
            }
        }
    }

    /// Write arbitrary permissions: onto itself (its user or role, its groups, its policies), or
    /// onto other principals of the account.
    fn grant(
        &mut self,
        caller: usize,
        t: &IamTechnique,
        view: &ActionView,
        request: &Request,
        graph: &mut IdentityGraph,
    ) {
        let p = &self.model.principals[caller];
        let account = p.account.as_str();
        let own: Vec<&str> = match t.target {
            IamTarget::User if p.kind == PrincipalKind::User => vec![p.arn],
            IamTarget::Role if p.kind == PrincipalKind::Role => vec![p.arn],
            IamTarget::Group => p.groups.iter().map(String::as_str).collect(),
            IamTarget::ManagedPolicy => p.custom_managed.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        let admin = account_admin_node(account);
        for target in &own {
            let access = view.decide(target, request);
            if access.is_allowed() {
                let method = format!(
                    "{} on its own {}",
                    t.method(),
                    describe_target(t.target, target)
                );
                Step::new(EdgeKind::CanImpersonate, method, t.id)
                    .conditions(access.conditions())
                    .scope("self")
                    .add(graph, &p.identity.id, &admin);
                mark_account_admin(graph, account);
                return;
            }
        }
        if let Some((target, access)) = self.other_target(caller, t.target, &own, view, request) {
            let method = format!(
                "{} on {} (grants it any permission)",
                t.method(),
                describe_target(t.target, target)
            );
            Step::new(EdgeKind::CanImpersonate, method, t.id)
                .conditions(access.conditions())
                .scope("others")
                .add(graph, &p.identity.id, &admin);
            mark_account_admin(graph, account);
        }
    }

    /// The first IAM target of the account, other than the caller's own, the caller may act on.
    fn other_target(
        &self,
        caller: usize,
        kind: IamTarget,
        own: &[&str],
        view: &ActionView,
        request: &Request,
    ) -> Option<(&'m str, Access)> {
        let p = &self.model.principals[caller];
        let account = p.account.as_str();
        let keys: Vec<&'m str> = match kind {
            IamTarget::User => self
                .targets
                .users
                .get(account)
                .map(|m| m.keys().copied().collect()),
            IamTarget::Role => self
                .targets
                .roles
                .get(account)
                .map(|m| m.keys().copied().collect()),
            IamTarget::Group => self
                .targets
                .groups
                .get(account)
                .map(|m| m.keys().copied().collect()),
            IamTarget::ManagedPolicy => self
                .targets
                .policies
                .get(account)
                .map(|s| s.iter().copied().collect()),
        }?;
        let others = || {
            keys.iter()
                .copied()
                .filter(|k| *k != p.arn && !own.contains(k))
        };
        if let Some(access) = view.decide_all(&kind.every(account), request) {
            return others().next().map(|k| (k, access));
        }
        let prefixes = view.resource_prefixes(request, Some(account));
        others()
            .filter(|k| {
                prefixes
                    .as_ref()
                    .is_none_or(|ps| ps.iter().any(|pre| k.starts_with(pre.as_str())))
            })
            .find_map(|k| {
                let access = view.decide(k, request);
                access.is_allowed().then_some((k, access))
            })
    }

    /// `iam:AddUserToGroup` into a group that makes its members admin.
    fn join_group(
        &mut self,
        caller: usize,
        t: &IamTechnique,
        view: &ActionView,
        request: &Request,
        graph: &mut IdentityGraph,
    ) {
        let p = &self.model.principals[caller];
        let groups = self
            .admin_groups
            .get(p.account.as_str())
            .cloned()
            .unwrap_or_default();
        for g in groups {
            let group = &self.model.groups[g];
            if p.groups.contains(&group.arn) {
                continue;
            }
            let access = view.decide(&group.arn, request);
            if !access.is_allowed() {
                continue;
            }
            if p.kind == PrincipalKind::User {
                let method = format!("{} (adds itself to {})", t.method(), group.arn);
                Step::new(EdgeKind::MemberOf, method, t.id)
                    .conditions(access.conditions())
                    .scope("self")
                    .add(graph, &p.identity.id, &group.id);
            } else {
                let admin = account_admin_node(&p.account);
                let method = format!(
                    "{} (adds any user to {}, which makes members admin)",
                    t.method(),
                    group.arn
                );
                Step::new(EdgeKind::CanImpersonate, method, t.id)
                    .conditions(access.conditions())
                    .scope("others")
                    .add(graph, &p.identity.id, &admin);
                mark_account_admin(graph, &p.account);
                return;
            }
        }
    }
}

/// Mark the account's admin node (reached by whoever can write any permission).
fn mark_account_admin(graph: &mut IdentityGraph, account: &str) {
    graph.mark_admin(
        account_admin_node(account),
        format!("can write any permission in account {account}"),
    );
}

/// `role arn:...`, for method texts.
fn describe_target(kind: IamTarget, arn: &str) -> String {
    let what = match kind {
        IamTarget::User => "user",
        IamTarget::Role => "role",
        IamTarget::Group => "group",
        IamTarget::ManagedPolicy => "policy",
    };
    format!("{what} {arn}")
}
