//! The cluster model: roles (aggregation resolved), bindings, service accounts and workloads,
//! rebuilt from the inventory the Kubernetes source writes (see `nhi-sources`' `k8s` module for
//! the shape) plus the bootstrap policy every cluster has.
//!
//! Invariants: built in time linear in the inventory (aggregated roles aside, which are few);
//! bindings are indexed by role and roles by id; the same object seen in two files counts once.

use super::builtin;
use super::model::{
    Binding, Role, ServiceAccount, Subject, SubjectKind, Workload, CLUSTER_ROLE, ROLE,
};
use super::policy::{LabelSelector, PolicyRule};
use nhi_model::{EdgeKind, Inventory, Location};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Everything the RBAC analysis knows about the scanned clusters.
#[derive(Debug, Default)]
pub struct Cluster {
    roles: HashMap<String, Role>,
    bindings: Vec<Binding>,
    by_role: HashMap<String, Vec<usize>>,
    service_accounts: BTreeMap<String, ServiceAccount>,
    workloads: Vec<Workload>,
    namespaces: BTreeSet<String>,
}

impl Cluster {
    /// Rebuild the cluster from an inventory.
    pub fn from_inventory(inventory: &Inventory) -> Cluster {
        let mut cluster = Cluster::default();
        cluster.load_roles(inventory);
        cluster.load_bindings(inventory);
        cluster.load_accounts_and_workloads(inventory);
        cluster.add_builtins();
        cluster.resolve_aggregation();
        for (index, binding) in cluster.bindings.iter().enumerate() {
            cluster
                .by_role
                .entry(binding.role.clone())
                .or_default()
                .push(index);
        }
        let namespaces = (cluster.roles.values().filter_map(|r| r.namespace.clone()))
            .chain(cluster.bindings.iter().filter_map(|b| b.namespace.clone()))
            .chain(
                cluster
                    .service_accounts
                    .values()
                    .map(|sa| sa.namespace.clone()),
            )
            .chain(cluster.workloads.iter().map(|w| w.namespace.clone()));
        cluster.namespaces = namespaces.collect();
        cluster
    }

    fn role_entry(&mut self, id: &str) -> Option<&mut Role> {
        if !self.roles.contains_key(id) {
            let (namespace, name) = if let Some(name) = id.strip_prefix(CLUSTER_ROLE) {
                (None, name.to_string())
            } else {
                let (ns, name) = id.strip_prefix(ROLE)?.split_once('/')?;
                (Some(ns.to_string()), name.to_string())
            };
            let role = Role {
                id: id.to_string(),
                namespace,
                name,
                labels: BTreeMap::new(),
                aggregation: None,
                rules: Vec::new(),
                location: None,
                builtin: false,
            };
            self.roles.insert(id.to_string(), role);
        }
        self.roles.get_mut(id)
    }

    fn load_roles(&mut self, inventory: &Inventory) {
        for edge in inventory.edges.iter().filter(|e| e.kind == EdgeKind::Owns) {
            let Some(role) = self.role_entry(&edge.to) else {
                continue;
            };
            if let Some(Value::Object(labels)) = edge.attributes.get("labels") {
                for (key, value) in labels {
                    if let Some(value) = value.as_str() {
                        role.labels.insert(key.clone(), value.to_string());
                    }
                }
            }
            if let Some(Value::Array(selectors)) = edge.attributes.get("aggregation_selectors") {
                let parsed = selectors.iter().filter_map(LabelSelector::from_json);
                role.aggregation.get_or_insert_with(Vec::new).extend(parsed);
            }
            if role.location.is_none() {
                role.location = location(edge.attributes.get("location"));
            }
        }
        for grant in &inventory.grants {
            let Some(role) = self.role_entry(&grant.identity) else {
                continue;
            };
            role.rules
                .push(rule_of(&grant.actions, grant.conditions.as_ref()));
        }
        for role in self.roles.values_mut() {
            role.rules.sort();
            role.rules.dedup();
        }
    }

    fn load_bindings(&mut self, inventory: &Inventory) {
        let mut index: HashMap<&str, usize> = HashMap::new();
        for edge in inventory
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::BoundTo)
        {
            let Some(binding_id) = edge.attributes.get("binding").and_then(Value::as_str) else {
                continue;
            };
            let Some(subject) = Subject::from_id(&edge.from) else {
                continue;
            };
            let position = match index.get(binding_id) {
                Some(&position) => position,
                None => {
                    let Some(binding) = new_binding(binding_id, &edge.to) else {
                        continue;
                    };
                    let mut binding = binding;
                    binding.location = location(edge.attributes.get("location"));
                    binding.builtin = edge
                        .attributes
                        .get("bootstrap")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    self.bindings.push(binding);
                    index.insert(binding_id, self.bindings.len() - 1);
                    self.bindings.len() - 1
                }
            };
            let binding = &mut self.bindings[position];
            if !binding.subjects.contains(&subject) {
                binding.subjects.push(subject);
            }
        }
    }

    fn load_accounts_and_workloads(&mut self, inventory: &Inventory) {
        for identity in inventory.identities.values() {
            let Some(Subject {
                kind: SubjectKind::ServiceAccount,
                namespace: Some(namespace),
                name,
                ..
            }) = Subject::from_id(&identity.id)
            else {
                continue;
            };
            let account = ServiceAccount {
                id: identity.id.clone(),
                namespace,
                name,
                automount: identity
                    .attributes
                    .get("automount_token")
                    .and_then(Value::as_bool),
                declared: location(identity.attributes.get("location")),
            };
            self.service_accounts.insert(identity.id.clone(), account);
        }
        for edge in inventory.edges.iter().filter(|e| e.kind == EdgeKind::Uses) {
            let Some(kind) = edge.attributes.get("workload").and_then(Value::as_str) else {
                continue;
            };
            let Some(Subject {
                namespace: Some(namespace),
                ..
            }) = Subject::from_id(&edge.to)
            else {
                continue;
            };
            self.workloads.push(Workload {
                id: edge.from.clone(),
                kind: kind.to_string(),
                namespace,
                service_account: edge.to.clone(),
                automount: edge
                    .attributes
                    .get("automount_token")
                    .and_then(Value::as_bool),
                location: location(edge.attributes.get("location")),
            });
        }
        self.workloads.sort_by(|a, b| a.id.cmp(&b.id));
        self.workloads.dedup_by(|a, b| a.id == b.id);
    }

    fn add_builtins(&mut self) {
        for spec in builtin::ROLES {
            let id = match spec.namespace {
                Some(ns) => format!("{ROLE}{ns}/{}", spec.name),
                None => format!("{CLUSTER_ROLE}{}", spec.name),
            };
            if self
                .roles
                .get(&id)
                .is_some_and(|r| !r.rules.is_empty() || r.aggregation.is_some())
            {
                continue; // the scan saw the real object: trust it
            }
            let aggregation = spec.aggregates.map(|label| {
                vec![LabelSelector {
                    match_labels: [(label.to_string(), "true".to_string())].into(),
                    match_expressions: Vec::new(),
                }]
            });
            self.roles.insert(
                id.clone(),
                Role {
                    id,
                    namespace: spec.namespace.map(str::to_string),
                    name: spec.name.to_string(),
                    labels: spec
                        .labels
                        .iter()
                        .map(|l| (l.to_string(), "true".to_string()))
                        .collect(),
                    aggregation,
                    rules: spec.rules(),
                    location: None,
                    builtin: true,
                },
            );
        }
        let seen: BTreeSet<String> = self.bindings.iter().map(|b| b.id.clone()).collect();
        for spec in builtin::BINDINGS {
            let id = format!("k8s:clusterrolebinding:{}", spec.name);
            if seen.contains(&id) {
                continue;
            }
            self.bindings.push(Binding {
                id,
                namespace: None,
                name: spec.name.to_string(),
                role: format!("{CLUSTER_ROLE}{}", spec.role),
                subjects: spec
                    .subjects
                    .iter()
                    .filter_map(|s| Subject::from_id(s))
                    .collect(),
                location: None,
                builtin: true,
            });
        }
    }

    /// Give every aggregated ClusterRole the union of the rules of the ClusterRoles its selectors
    /// match, as the aggregation controller does; aggregated roles may select each other, so
    /// repeat until nothing changes (bounded by the number of aggregated roles).
    fn resolve_aggregation(&mut self) {
        let aggregated: Vec<String> = self
            .roles
            .values()
            .filter(|r| r.namespace.is_none() && r.aggregation.is_some())
            .map(|r| r.id.clone())
            .collect();
        for _ in 0..=aggregated.len() {
            let mut changed = false;
            for id in &aggregated {
                let selectors = self.roles[id].aggregation.clone().unwrap_or_default();
                let mut rules: Vec<PolicyRule> = self
                    .roles
                    .values()
                    .filter(|r| r.namespace.is_none() && &r.id != id)
                    .filter(|r| selectors.iter().any(|s| s.matches(&r.labels)))
                    .flat_map(|r| r.rules.iter().cloned())
                    .collect();
                rules.sort();
                rules.dedup();
                if let Some(role) = self.roles.get_mut(id) {
                    if role.rules != rules {
                        role.rules = rules;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// A role by id.
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.get(id)
    }

    /// Every binding, in inventory order, then the built-in ones.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The bindings that refer to a role.
    pub fn bindings_of(&self, role: &str) -> impl Iterator<Item = &Binding> {
        self.by_role
            .get(role)
            .into_iter()
            .flatten()
            .map(|&i| &self.bindings[i])
    }

    /// Service accounts by id.
    pub fn service_accounts(&self) -> &BTreeMap<String, ServiceAccount> {
        &self.service_accounts
    }

    /// Workloads, sorted by id.
    pub fn workloads(&self) -> &[Workload] {
        &self.workloads
    }

    /// Every namespace the scan saw.
    pub fn namespaces(&self) -> &BTreeSet<String> {
        &self.namespaces
    }

    /// Whether a workload's pods get their service account's token: the pod spec decides, then
    /// the ServiceAccount object; Kubernetes mounts it by default.
    pub fn mounts_token(&self, workload: &Workload) -> bool {
        workload
            .automount
            .or_else(|| {
                self.service_accounts
                    .get(&workload.service_account)
                    .and_then(|sa| sa.automount)
            })
            .unwrap_or(true)
    }
}

fn new_binding(id: &str, role: &str) -> Option<Binding> {
    let (namespace, name) = if let Some(name) = id.strip_prefix("k8s:clusterrolebinding:") {
        (None, name.to_string())
    } else {
        let (ns, name) = id.strip_prefix("k8s:rolebinding:")?.split_once('/')?;
        (Some(ns.to_string()), name.to_string())
    };
    Some(Binding {
        id: id.to_string(),
        namespace,
        name,
        role: role.to_string(),
        subjects: Vec::new(),
        location: None,
        builtin: false,
    })
}

/// A rule from a grant: verbs are its actions, the rest is in its conditions as written.
fn rule_of(actions: &[String], conditions: Option<&Value>) -> PolicyRule {
    let list = |key: &str| -> Vec<String> {
        conditions
            .and_then(|c| c.get(key))
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    PolicyRule {
        verbs: actions.to_vec(),
        api_groups: list("apiGroups"),
        resources: list("resources"),
        resource_names: list("resourceNames"),
        non_resource_urls: list("nonResourceURLs"),
    }
}

fn location(value: Option<&Value>) -> Option<Location> {
    use serde::Deserialize;
    value.and_then(|v| Location::deserialize(v).ok())
}
