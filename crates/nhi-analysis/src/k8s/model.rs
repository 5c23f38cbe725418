//! The objects of the cluster model: roles, bindings and their subjects, service accounts and
//! workloads, each named by the id the `k8s` source gives it in the inventory.

use super::policy::{LabelSelector, PolicyRule};
use nhi_model::Location;
use std::collections::BTreeMap;

pub(crate) const CLUSTER_ROLE: &str = "k8s:clusterrole:";
pub(crate) const ROLE: &str = "k8s:role:";

/// Where a binding grants its role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// A ClusterRoleBinding: everywhere, cluster-scoped resources and non-resource URLs included.
    Cluster,
    /// A RoleBinding: namespaced resources of this namespace only.
    Namespace(String),
}

impl Scope {
    /// `cluster` or `namespace <ns>`.
    pub fn describe(&self) -> String {
        match self {
            Scope::Cluster => "cluster-wide".to_string(),
            Scope::Namespace(ns) => format!("in namespace {ns}"),
        }
    }
}

/// A Role or ClusterRole.
#[derive(Debug, Clone)]
pub struct Role {
    /// `k8s:clusterrole:<name>` or `k8s:role:<ns>/<name>`.
    pub id: String,
    pub namespace: Option<String>,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// `aggregationRule.clusterRoleSelectors`, when the role aggregates others.
    pub aggregation: Option<Vec<LabelSelector>>,
    /// The effective rules (for an aggregated role, the union of the roles it selects).
    pub rules: Vec<PolicyRule>,
    pub location: Option<Location>,
    /// Part of the bootstrap policy rather than of the scanned manifests.
    pub builtin: bool,
}

impl Role {
    /// `ClusterRole <name>` or `Role <ns>/<name>`.
    pub fn describe(&self) -> String {
        describe_role(&self.id)
    }
}

/// `ClusterRole <name>` or `Role <ns>/<name>` for a role id, whether or not the role exists.
pub(crate) fn describe_role(id: &str) -> String {
    match (id.strip_prefix(CLUSTER_ROLE), id.strip_prefix(ROLE)) {
        (Some(name), _) => format!("ClusterRole {name}"),
        (_, Some(name)) => format!("Role {name}"),
        _ => id.to_string(),
    }
}

/// Who a binding names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectKind {
    ServiceAccount,
    User,
    Group,
}

/// A binding subject, with its identity id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subject {
    pub id: String,
    pub kind: SubjectKind,
    pub name: String,
    /// The namespace of a service account.
    pub namespace: Option<String>,
}

impl Subject {
    /// Parse an identity id written by the source (`k8s:serviceaccount:ns/name`, `k8s:user:x`,
    /// `k8s:group:x`).
    pub fn from_id(id: &str) -> Option<Subject> {
        let (kind, rest) = if let Some(rest) = id.strip_prefix("k8s:serviceaccount:") {
            (SubjectKind::ServiceAccount, rest)
        } else if let Some(rest) = id.strip_prefix("k8s:user:") {
            (SubjectKind::User, rest)
        } else {
            (SubjectKind::Group, id.strip_prefix("k8s:group:")?)
        };
        let (namespace, name) = match kind {
            SubjectKind::ServiceAccount => {
                let (ns, name) = rest.split_once('/')?;
                (Some(ns.to_string()), name.to_string())
            }
            _ => (None, rest.to_string()),
        };
        Some(Subject {
            id: id.to_string(),
            kind,
            name,
            namespace,
        })
    }

    /// `ServiceAccount ns/name`, `User name` or `Group name`, for titles.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind_name(), self.name),
            None => format!("{} {}", self.kind_name(), self.name),
        }
    }

    /// `ServiceAccount`, `User` or `Group`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            SubjectKind::ServiceAccount => "ServiceAccount",
            SubjectKind::User => "User",
            SubjectKind::Group => "Group",
        }
    }
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone)]
pub struct Binding {
    /// `k8s:clusterrolebinding:<name>` or `k8s:rolebinding:<ns>/<name>`.
    pub id: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The id of the role it refers to.
    pub role: String,
    pub subjects: Vec<Subject>,
    pub location: Option<Location>,
    /// Part of the bootstrap policy (built in, or labelled `kubernetes.io/bootstrapping`).
    pub builtin: bool,
}

impl Binding {
    /// Where the binding grants its role.
    pub fn scope(&self) -> Scope {
        match &self.namespace {
            Some(ns) => Scope::Namespace(ns.clone()),
            None => Scope::Cluster,
        }
    }

    /// `ClusterRoleBinding <name>` or `RoleBinding <ns>/<name>`.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("RoleBinding {ns}/{}", self.name),
            None => format!("ClusterRoleBinding {}", self.name),
        }
    }
}

/// A service account, declared or only referenced.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    pub id: String,
    pub namespace: String,
    pub name: String,
    /// `automountServiceAccountToken` of the ServiceAccount object, when set.
    pub automount: Option<bool>,
    /// Where the ServiceAccount object was declared, if it was.
    pub declared: Option<Location>,
}

/// A workload and the service account its pods run as.
#[derive(Debug, Clone)]
pub struct Workload {
    pub id: String,
    pub kind: String,
    pub namespace: String,
    /// Id of the service account.
    pub service_account: String,
    /// `automountServiceAccountToken` of the pod spec, when set.
    pub automount: Option<bool>,
    pub location: Option<Location>,
}

impl Workload {
    /// `Deployment ns/name`, for titles.
    pub fn describe(&self) -> String {
        let name = self.id.rsplit(':').next().unwrap_or(&self.id);
        format!("{} {name}", self.kind)
    }
}
