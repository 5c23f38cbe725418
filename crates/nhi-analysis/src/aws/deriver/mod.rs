//! The AWS edge deriver: who can become whom, and who is already admin.
//!
//! Edges: `can-assume` from trust policies (a principal named directly needs no permission of its
//! own in the same account; the account root or `*` needs the caller's `sts:AssumeRole`), `can-
//! create-token` / `can-assume` / `can-impersonate` from the IAM and service techniques, and
//! `can-impersonate` to the node `aws:account:<id>:admin` for principals that can write arbitrary
//! permissions (onto themselves, or onto others). Marks: principals allowed `*` on `*` with no deny
//! touching the privilege-critical actions, root users, groups whose policies make any member
//! admin, and the per-account admin nodes.
//!
//! Invariant: linear in principals. "Every role trusting the account root", "every user of the
//! account", "every role a service may assume" are hub nodes (`aws:account:<id>:...`), so a caller
//! allowed on `*` costs one edge, and restricted callers are matched through sorted prefix scans.

mod iam;
mod index;
mod service;
mod step;
mod trust;

use super::condition::RequestFacts;
use super::eval::{Permissions, Request};
use super::index::{Targets, Trusts};
use super::policy::Effect;
use super::principal::{AwsModel, Group, Principal};
use super::techniques::{display_action, IamTarget, IAM_TECHNIQUES, SERVICE_TECHNIQUES};
use crate::graph::{EdgeDeriver, IdentityGraph};
use index::ActionIndex;
use nhi_model::{EdgeKind, Inventory};
use std::collections::{HashMap, HashSet};
use step::Step;

/// Actions that must be allowed on `*`, with no deny touching them, for `*:*` to count as admin.
const ADMIN_PROBES: &[&str] = &[
    "iam:attachrolepolicy",
    "iam:putuserpolicy",
    "iam:createpolicyversion",
    "iam:passrole",
    "iam:createaccesskey",
    "sts:assumerole",
    "ec2:runinstances",
    "s3:getobject",
    "lambda:createfunction",
];

const ASSUME_ROLE: &str = "sts:assumerole";

/// Derives the AWS part of the identity graph.
pub(crate) struct AwsEdges;

impl EdgeDeriver for AwsEdges {
    fn derive(&self, inventory: &Inventory, graph: &mut IdentityGraph) {
        let model = AwsModel::load(inventory);
        if !model.principals.is_empty() {
            Derivation::new(&model).run(graph);
        }
    }
}

/// The node standing for full control of an account's IAM.
pub(crate) fn account_admin_node(account: &str) -> String {
    format!("aws:account:{account}:admin")
}

/// A hub node: a set of targets reached together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Hub {
    /// Roles trusting the account's root (any principal of the account allowed sts:AssumeRole),
    /// plus roles trusting anyone.
    RootTrust(String),
    AnyUser(String),
    AnyRole(String),
    /// Roles in the account that a service may assume.
    Service(String, String),
}

impl Hub {
    fn id(&self) -> String {
        match self {
            Hub::RootTrust(a) => format!("aws:account:{a}:trusted-principals"),
            Hub::AnyUser(a) => format!("aws:account:{a}:any-user"),
            Hub::AnyRole(a) => format!("aws:account:{a}:any-role"),
            Hub::Service(a, s) => format!("aws:account:{a}:service/{s}"),
        }
    }
}

struct Derivation<'m, 'a> {
    model: &'m AwsModel<'a>,
    targets: Targets<'m>,
    trusts: Trusts,
    actions: ActionIndex,
    facts: RequestFacts<'static>,
    admin: Vec<bool>,
    /// Account -> groups whose policies make any member admin.
    admin_groups: HashMap<&'m str, Vec<usize>>,
    hubs: HashSet<Hub>,
}

impl<'m, 'a> Derivation<'m, 'a> {
    /// Index the model for lookups.
    fn new(model: &'m AwsModel<'a>) -> Self {
        let facts = RequestFacts {
            not_before: model.not_before,
            passed_to_service: None,
        };
        let targets = Targets::build(model);
        let trusts = Trusts::build(model, &targets, &facts);
        Derivation {
            model,
            targets,
            trusts,
            actions: ActionIndex::new(),
            facts,
            admin: vec![false; model.principals.len()],
            admin_groups: HashMap::new(),
            hubs: HashSet::new(),
        }
    }

    /// Mark admins, then derive every caller's edges (admins need none: they already are).
    fn run(mut self, graph: &mut IdentityGraph) {
        self.mark_admins(graph);
        self.trust_edges(graph);
        for caller in 0..self.model.principals.len() {
            if self.admin[caller] {
                continue;
            }
            let principal = &self.model.principals[caller];
            self.actions.prepare(&principal.permissions.policies);
            if let Some(boundary) = &principal.permissions.boundary {
                self.actions.prepare(std::slice::from_ref(boundary));
            }
            self.assume_edges(caller, graph);
            for technique in IAM_TECHNIQUES {
                self.iam_edges(caller, technique, graph);
            }
            for technique in SERVICE_TECHNIQUES {
                self.service_edges(caller, technique, graph);
            }
        }
    }

    /// What requests of `p` carry: known facts, its user name and account.
    fn request(&self, p: &'m Principal<'a>) -> Request<'m> {
        Request {
            facts: self.facts,
            user_name: p.user_name(),
            account: Some(p.account.as_str()),
        }
    }

    /// Mark root users, principals allowed `*` on `*`, and groups that make members admin.
    fn mark_admins(&mut self, graph: &mut IdentityGraph) {
        for (i, p) in self.model.principals.iter().enumerate() {
            let reason = if p.root {
                Some("the account's root user".to_string())
            } else {
                full_admin(&p.permissions, &self.request(p))
            };
            if let Some(reason) = reason {
                self.admin[i] = true;
                graph.mark_admin(p.identity.id.as_str(), reason);
            }
        }
        for (i, g) in self.model.groups.iter().enumerate() {
            let request = Request {
                facts: self.facts,
                user_name: None,
                account: Some(g.account.as_str()),
            };
            let reason =
                full_admin(&g.permissions, &request).or_else(|| self_granting_group(g, &request));
            if let Some(reason) = reason {
                graph.mark_admin(
                    g.id.as_str(),
                    format!("every member is admin-equivalent: {reason}"),
                );
                self.admin_groups
                    .entry(g.account.as_str())
                    .or_default()
                    .push(i);
            }
        }
    }

    /// The hub's id, adding its outgoing edges the first time it is used.
    fn hub(&mut self, hub: Hub, graph: &mut IdentityGraph) -> String {
        let id = hub.id();
        if !self.hubs.insert(hub.clone()) {
            return id;
        }
        let principals = &self.model.principals;
        match &hub {
            Hub::RootTrust(account) => {
                let links = self
                    .trusts
                    .account_root
                    .get(account)
                    .into_iter()
                    .flatten()
                    .chain(self.trusts.anyone.iter());
                for link in links {
                    let method = format!("trust policy trusts {}", link.names);
                    Step::new(EdgeKind::CanAssume, method, "assume-role")
                        .trust(link)
                        .add(graph, &id, &principals[link.role].identity.id);
                }
            }
            Hub::AnyUser(account) => {
                for &i in self
                    .targets
                    .users
                    .get(account.as_str())
                    .into_iter()
                    .flat_map(|m| m.values())
                {
                    Step::new(
                        EdgeKind::CanCreateToken,
                        "any user of the account",
                        "any-user",
                    )
                    .add(graph, &id, &principals[i].identity.id);
                }
            }
            Hub::AnyRole(account) => {
                for &i in self
                    .targets
                    .roles
                    .get(account.as_str())
                    .into_iter()
                    .flat_map(|m| m.values())
                {
                    Step::new(EdgeKind::CanAssume, "any role of the account", "any-role").add(
                        graph,
                        &id,
                        &principals[i].identity.id,
                    );
                }
            }
            Hub::Service(account, service) => {
                let key = (account.clone(), service.clone());
                for link in self.trusts.service.get(&key).into_iter().flatten() {
                    let method = format!("{service} assumes the role (trust policy)");
                    Step::new(EdgeKind::CanAssume, method, "service-role")
                        .trust(link)
                        .add(graph, &id, &principals[link.role].identity.id);
                }
            }
        }
        id
    }
}

/// `Some(reason)` when the permissions allow `*` on `*` unconditionally and no deny (or
/// boundary) touches the privilege-critical actions.
pub(crate) fn full_admin(permissions: &Permissions, request: &Request) -> Option<String> {
    let statement = permissions.statements().find(|s| {
        s.effect == Effect::Allow
            && s.condition.is_none()
            && s.actions.covers("*")
            && s.resources.covers("*")
    })?;
    let all_allowed = ADMIN_PROBES.iter().all(|probe| {
        permissions
            .view(probe)
            .decide_all("*", request)
            .is_some_and(|access| access.is_unconditional())
    });
    all_allowed.then(|| format!("policy {} allows * on *", statement.source.name))
}

/// `Some(reason)` when a group's own policies let any member grant itself any permission.
fn self_granting_group(group: &Group, request: &Request) -> Option<String> {
    let perms = &group.permissions;
    let unconditional = |action: &str, resource: &str| {
        perms
            .view(action)
            .decide(resource, request)
            .is_unconditional()
    };
    let every_user = IamTarget::User.every(&group.account);
    for action in ["iam:attachuserpolicy", "iam:putuserpolicy"] {
        if perms
            .view(action)
            .decide_all(&every_user, request)
            .is_some_and(|a| a.is_unconditional())
        {
            return Some(format!("{} on every user", display_action(action)));
        }
    }
    for action in ["iam:attachgrouppolicy", "iam:putgrouppolicy"] {
        if unconditional(action, &group.arn) {
            return Some(format!("{} on the group itself", display_action(action)));
        }
    }
    group
        .custom_managed
        .iter()
        .find(|arn| unconditional("iam:createpolicyversion", arn))
        .map(|arn| format!("iam:CreatePolicyVersion on its policy {arn}"))
}

#[cfg(test)]
mod tests;
