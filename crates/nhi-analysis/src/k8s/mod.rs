//! Kubernetes RBAC with the API server's exact semantics: the cluster model rebuilt from what the
//! `k8s` source put in the inventory, `who_can` over effective permissions, the dangerous powers
//! each binding gives, the identity-graph edges they make, and the risk rules over them.
//!
//! Invariants: pure (no I/O); linear in the number of bindings, roles and service accounts (roles
//! by id, bindings by role, powers worked out once per role and kind of scope); RoleBindings never
//! grant cluster-scoped resources or non-resource URLs; API groups, subresources and
//! `resourceNames` always count, so `*` inside `metrics.k8s.io` is not cluster-admin and a
//! `resourceNames` list is not "all secrets".

mod access;
mod builtin;
mod cluster;
mod edges;
mod model;
mod paths;
mod policy;
mod powers;
mod rules;
#[cfg(test)]
mod tests;

pub use access::{parse_request, BoundRule, Permit};
pub use cluster::Cluster;
pub use edges::RbacEdges;
pub use model::{Binding, Role, Scope, ServiceAccount, Subject, SubjectKind, Workload};
pub use policy::{LabelExpression, LabelSelector, PolicyRule, Request, ResourceRequest};
pub(crate) use rules::{
    AllAuthenticatedAccess, AnonymousAccess, ApproveCsr, AutomountUnneeded, BindOrEscalate,
    BindingToMissingRole, ClusterAdminBinding, CreatePodsTokenTheft, CreateServiceAccountTokens,
    DefaultAccountPrivileged, ExecIntoPods, Impersonate, LegacyToken, ModifyAdmissionWebhooks,
    ModifyAwsAuth, NodesProxy, ReadNamedSecrets, ReadSecretsCluster, ReadSecretsNamespace,
};

use nhi_model::Inventory;

/// Whether the inventory holds anything from a Kubernetes source (so other scans pay nothing).
fn has_k8s(inventory: &Inventory) -> bool {
    let k8s = |id: &str| id.starts_with("k8s:");
    let first_k8s_identity = inventory.identities.range("k8s:".to_string()..).next();
    let first_k8s_token = inventory
        .credentials
        .range("api-token:k8s-secret:".to_string()..)
        .next();
    first_k8s_identity.is_some_and(|(id, _)| k8s(id))
        || first_k8s_token.is_some_and(|(id, _)| id.starts_with("api-token:k8s-secret:"))
        || inventory.grants.iter().any(|g| k8s(&g.identity))
        || inventory.edges.iter().any(|e| k8s(&e.from) || k8s(&e.to))
}
