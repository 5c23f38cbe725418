//! The Kubernetes part of the identity graph: who can become which service account, and who is
//! already cluster-admin equivalent.
//!
//! A subject that can start pods, mint tokens or impersonate service accounts in a namespace gets
//! an edge to that namespace's node, which has an edge to every service account there; a subject
//! that can exec into pods (or reach kubelets through `nodes/proxy`) gets an edge to the
//! namespace's running-pods node, which reaches only the accounts whose token a workload mounts.
//! So the graph stays linear: no subject × account product. Broad groups get `member-of` edges
//! from their members only when the group holds a power.

use super::cluster::Cluster;
use super::model::{Scope, SubjectKind};
use super::powers::{self, Holding, Names, PowerKind};
use crate::graph::{edge, EdgeDeriver, IdentityGraph};
use nhi_model::{EdgeKind, Inventory};
use std::collections::{BTreeMap, BTreeSet};

/// Group every request of whose members the API server allows, before RBAC.
pub(crate) const MASTERS: &str = "k8s:group:system:masters";

/// Derives Kubernetes edges and admin marks.
pub struct RbacEdges;

impl EdgeDeriver for RbacEdges {
    fn derive(&self, inventory: &Inventory, graph: &mut IdentityGraph) {
        if !super::has_k8s(inventory) {
            return;
        }
        let cluster = Cluster::from_inventory(inventory);
        Deriver::new(&cluster).run(graph);
        link_azure_client_ids(inventory, graph);
    }
}

/// Azure workload identity names a client id, while Azure identities are keyed by principal id
/// (managed identities) or application id (service principals, where it is the client id): link
/// each `azure:managedidentity:<client id>` the source wrote to the identity that has that client id.
fn link_azure_client_ids(inventory: &Inventory, graph: &mut IdentityGraph) {
    const CLIENT: &str = "azure:managedidentity:";
    let wanted: Vec<(&str, &str)> = (inventory.edges.iter())
        .filter(|e| e.from.starts_with("k8s:serviceaccount:") && e.to.starts_with(CLIENT))
        .map(|e| (e.from.as_str(), &e.to[CLIENT.len()..]))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let mut by_client: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for identity in inventory
        .identities
        .values()
        .filter(|i| i.provider == "azure")
    {
        let client = identity
            .attributes
            .get("client_id")
            .and_then(|v| v.as_str());
        let app = identity.id.strip_prefix("azure:serviceprincipal:");
        if let Some(client) = client.or(app) {
            by_client
                .entry(client.to_ascii_lowercase())
                .or_default()
                .push(&identity.id);
        }
    }
    for (account, client) in wanted {
        let written = format!("{CLIENT}{client}");
        // The edge to the id as written is already in the inventory.
        let targets = by_client
            .get(client)
            .into_iter()
            .flatten()
            .filter(|t| **t != written);
        for target in targets {
            let method = format!("Azure Workload Identity (client id {client})");
            graph.add_edge(edge(account, target, EdgeKind::CanAssume, &method));
        }
    }
}

struct Deriver<'a> {
    cluster: &'a Cluster,
    accounts_by_namespace: BTreeMap<&'a str, Vec<&'a str>>,
    /// Namespaces some subject can run pods as any account in.
    hubs: BTreeSet<String>,
    /// Namespaces some subject can run commands in the pods of.
    pod_hubs: BTreeSet<String>,
    /// Groups that hold a power, so their members matter.
    powerful_groups: BTreeSet<&'a str>,
}

impl<'a> Deriver<'a> {
    fn new(cluster: &'a Cluster) -> Self {
        let mut accounts_by_namespace: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for account in cluster.service_accounts().values() {
            accounts_by_namespace
                .entry(&account.namespace)
                .or_default()
                .push(&account.id);
        }
        Deriver {
            cluster,
            accounts_by_namespace,
            hubs: BTreeSet::new(),
            pod_hubs: BTreeSet::new(),
            powerful_groups: BTreeSet::new(),
        }
    }

    fn run(mut self, graph: &mut IdentityGraph) {
        graph.mark_admin(
            MASTERS,
            "member of system:masters: the API server allows it every request",
        );
        for holding in powers::holdings(self.cluster) {
            self.add_holding(&holding, graph);
        }
        for ns in std::mem::take(&mut self.hubs) {
            let hub = namespace_node(&ns);
            for account in self
                .accounts_by_namespace
                .get(ns.as_str())
                .into_iter()
                .flatten()
            {
                let method = format!("a pod in namespace {ns} can run as this service account");
                graph.add_edge(edge(&hub, account, EdgeKind::CanImpersonate, &method));
            }
        }
        self.add_running_pods(graph);
        self.add_memberships(graph);
    }

    /// Edges from each running-pods node to the accounts whose token a workload there mounts.
    fn add_running_pods(&self, graph: &mut IdentityGraph) {
        let mut reached = BTreeSet::new();
        for workload in self.cluster.workloads() {
            if !self.pod_hubs.contains(&workload.namespace) || !self.cluster.mounts_token(workload)
            {
                continue;
            }
            if reached.insert(workload.service_account.as_str()) {
                let method = format!("{} runs with this service account's token", workload.id);
                graph.add_edge(edge(
                    &pods_node(&workload.namespace),
                    &workload.service_account,
                    EdgeKind::CanImpersonate,
                    &method,
                ));
            }
        }
    }

    fn add_holding(&mut self, holding: &Holding<'a>, graph: &mut IdentityGraph) {
        let from = holding.subject.id.as_str();
        if holding.subject.kind == SubjectKind::Group {
            self.powerful_groups.insert(from);
        }
        let scope = holding.binding.scope();
        let via = format!(
            "{} via {}",
            holding.role.describe(),
            holding.binding.describe()
        );
        for power in holding.powers.iter() {
            if let Some(reason) = powers::admin_reason(power, holding.role, holding.binding) {
                graph.mark_admin(from, reason);
            }
            let method = format!("{} ({via})", power.how.join(", "));
            match &power.kind {
                PowerKind::RunPods | PowerKind::BindOrEscalate { .. } => {
                    self.reach_namespaces(from, &scope, EdgeKind::CanImpersonate, &method, graph)
                }
                PowerKind::CreateTokens(Names::Any) => {
                    self.reach_namespaces(from, &scope, EdgeKind::CanCreateToken, &method, graph)
                }
                PowerKind::Impersonate("serviceaccounts", Names::Any) => {
                    self.reach_namespaces(from, &scope, EdgeKind::CanImpersonate, &method, graph)
                }
                PowerKind::CreateTokens(Names::Only(names)) => self.reach_named_accounts(
                    from,
                    &scope,
                    names,
                    EdgeKind::CanCreateToken,
                    &method,
                    graph,
                ),
                PowerKind::Impersonate("serviceaccounts", Names::Only(names)) => self
                    .reach_named_accounts(
                        from,
                        &scope,
                        names,
                        EdgeKind::CanImpersonate,
                        &method,
                        graph,
                    ),
                PowerKind::Impersonate(target, names) => {
                    self.reach_principals(from, target, names, &method, graph)
                }
                PowerKind::ExecIntoPods => self.reach_running_pods(from, &scope, &method, graph),
                PowerKind::NodeProxy => {
                    self.reach_running_pods(from, &Scope::Cluster, &method, graph)
                }
                _ => {}
            }
        }
    }

    fn namespaces_in(&self, scope: &Scope) -> Vec<String> {
        match scope {
            Scope::Cluster => self.cluster.namespaces().iter().cloned().collect(),
            Scope::Namespace(ns) => vec![ns.clone()],
        }
    }

    fn reach_namespaces(
        &mut self,
        from: &str,
        scope: &Scope,
        kind: EdgeKind,
        method: &str,
        graph: &mut IdentityGraph,
    ) {
        for ns in self.namespaces_in(scope) {
            graph.add_edge(edge(
                from,
                &namespace_node(&ns),
                kind,
                &format!("{method} in namespace {ns}"),
            ));
            self.hubs.insert(ns);
        }
    }

    fn reach_named_accounts(
        &self,
        from: &str,
        scope: &Scope,
        names: &BTreeSet<String>,
        kind: EdgeKind,
        method: &str,
        graph: &mut IdentityGraph,
    ) {
        for ns in self.namespaces_in(scope) {
            for name in names {
                let id = format!("k8s:serviceaccount:{ns}/{name}");
                if self.cluster.service_accounts().contains_key(&id) {
                    graph.add_edge(edge(from, &id, kind, method));
                }
            }
        }
    }

    /// Impersonating users or groups (only ever cluster-wide): every one named, or, for any
    /// name, every one the bindings mention and `system:masters`.
    fn reach_principals(
        &self,
        from: &str,
        target: &str,
        names: &Names,
        method: &str,
        graph: &mut IdentityGraph,
    ) {
        let prefix = if target == "users" {
            "k8s:user:"
        } else {
            "k8s:group:"
        };
        let targets: BTreeSet<String> = match names {
            Names::Only(names) => names.iter().map(|n| format!("{prefix}{n}")).collect(),
            Names::Any => {
                let mut all: BTreeSet<String> = (self.cluster.bindings().iter())
                    .flat_map(|b| &b.subjects)
                    .filter(|s| s.id.starts_with(prefix))
                    .map(|s| s.id.clone())
                    .collect();
                if target == "groups" {
                    all.insert(MASTERS.to_string());
                }
                all
            }
        };
        for target in targets.iter().filter(|t| t.as_str() != from) {
            graph.add_edge(edge(from, target, EdgeKind::CanImpersonate, method));
        }
    }

    fn reach_running_pods(
        &mut self,
        from: &str,
        scope: &Scope,
        method: &str,
        graph: &mut IdentityGraph,
    ) {
        for ns in self.namespaces_in(scope) {
            graph.add_edge(edge(
                from,
                &pods_node(&ns),
                EdgeKind::CanImpersonate,
                &format!("{method} in namespace {ns}"),
            ));
            self.pod_hubs.insert(ns);
        }
    }

    /// `member-of` edges into the built-in groups that hold a power.
    fn add_memberships(&self, graph: &mut IdentityGraph) {
        let users: BTreeSet<&str> = (self.cluster.bindings().iter())
            .flat_map(|b| &b.subjects)
            .filter(|s| s.kind == SubjectKind::User)
            .map(|s| s.id.as_str())
            .collect();
        for &group in &self.powerful_groups {
            let name = &group["k8s:group:".len()..];
            let members: Vec<&str> = match name {
                "system:serviceaccounts" => self
                    .accounts_by_namespace
                    .values()
                    .flatten()
                    .copied()
                    .collect(),
                "system:authenticated" => (self.accounts_by_namespace.values().flatten().copied())
                    .chain(
                        users
                            .iter()
                            .copied()
                            .filter(|u| *u != "k8s:user:system:anonymous"),
                    )
                    .collect(),
                "system:unauthenticated" => vec!["k8s:user:system:anonymous"],
                _ => match name.strip_prefix("system:serviceaccounts:") {
                    Some(ns) => self
                        .accounts_by_namespace
                        .get(ns)
                        .cloned()
                        .unwrap_or_default(),
                    None => Vec::new(),
                },
            };
            for member in members {
                graph.add_edge(edge(
                    member,
                    group,
                    EdgeKind::MemberOf,
                    &format!("member of {name}"),
                ));
            }
        }
    }
}

/// The graph node standing for "any service account of the namespace".
fn namespace_node(namespace: &str) -> String {
    format!("k8s:namespace:{namespace}")
}

/// The graph node standing for "the running pods of the namespace".
fn pods_node(namespace: &str) -> String {
    format!("k8s:pods:{namespace}")
}
