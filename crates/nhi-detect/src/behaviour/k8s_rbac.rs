//! Kubernetes RBAC and identity changes that widen access: bindings to cluster-admin, roles with
//! wildcards, pod exec or write verbs, built-in `system:` roles changed, and service accounts
//! created in the system namespaces. Single-record patterns over successful requests.

use super::patterns::Pattern;
use super::{k8s, rule, Family};
use crate::normalise::{LogSource, Record};
use nhi_model::{OwaspNhi, RuleMeta, Severity};
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};

/// Verbs that change objects.
const WRITE_VERBS: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];
/// The namespaces the control plane's own workloads live in.
pub(super) const SYSTEM_NAMESPACES: [&str; 2] = ["kube-system", "kube-public"];

const CLUSTER_ADMIN_BINDING: RuleMeta = rule(
    "k8s-cluster-admin-binding",
    "Binding to cluster-admin",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A role binding or cluster role binding grants the cluster-admin role: its subjects can do anything in the cluster (or the namespace).",
    "Check the subjects need full control; bind a narrower role instead, and remove the binding if it was not approved.",
);

const WILDCARD_ROLE: RuleMeta = rule(
    "k8s-role-with-wildcard",
    "Role created with wildcard resources or verbs",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "A Role or ClusterRole is created whose rules use `*` for resources or verbs: it grants everything, including what future API versions add.",
    "List the resources and verbs the subject needs and replace the wildcards.",
);

const EXEC_ROLE: RuleMeta = rule(
    "k8s-role-with-pod-exec",
    "Role created that can exec into pods",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "A Role or ClusterRole is created that allows pods/exec or pods/attach: whoever holds it can run commands in containers and read their mounted secrets.",
    "Keep exec rights in a break-glass role bound to people, not to service accounts.",
);

const WRITE_ROLE: RuleMeta = rule(
    "k8s-role-with-write-privileges",
    "Role created with write privileges",
    Severity::Low,
    &[OwaspNhi::NHI5],
    "A Role or ClusterRole is created that may create, update, patch or delete objects.",
    "Check the role's write rules are scoped to the resources (and resourceNames) the subject needs.",
);

const SYSTEM_ROLE_CHANGED: RuleMeta = rule(
    "k8s-system-role-modified",
    "Built-in system role modified or deleted",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "A Role or ClusterRole named `system:...` is created over, changed or deleted by someone other than the API server: built-in roles are a quiet place to add rights.",
    "Compare the role with the cluster's defaults (the API server reconciles them at start) and find who changed it.",
);

const SYSTEM_NAMESPACE_ACCOUNT: RuleMeta = rule(
    "k8s-serviceaccount-in-system-namespace",
    "Service account created in a system namespace",
    Severity::Medium,
    &[OwaspNhi::NHI1],
    "A service account is created in kube-system or kube-public, where it blends in with the control plane's own accounts.",
    "Check who created it and for which workload; keep application identities out of the system namespaces.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: CLUSTER_ADMIN_BINDING,
            source: LogSource::K8sAudit,
            actions: &[
                "create clusterrolebindings",
                "update clusterrolebindings",
                "patch clusterrolebindings",
                "create rolebindings",
                "update rolebindings",
                "patch rolebindings",
            ],
            attempts: false,
            test: cluster_admin_binding,
        },
        Pattern {
            rule: WILDCARD_ROLE,
            source: LogSource::K8sAudit,
            actions: &["create roles", "create clusterroles"],
            attempts: false,
            test: |record| {
                let wild = role_rules(record).any(|rule| {
                    list(rule, "resources").any(|r| r == "*")
                        || list(rule, "verbs").any(|v| v == "*")
                });
                wild.then(|| format!("role {} grants `*`", k8s::target(record)))
            },
        },
        Pattern {
            rule: EXEC_ROLE,
            source: LogSource::K8sAudit,
            actions: &["create roles", "create clusterroles"],
            attempts: false,
            test: |record| {
                let exec = role_rules(record).any(|rule| {
                    list(rule, "resources").any(|r| r == "pods/exec" || r == "pods/attach")
                });
                exec.then(|| format!("role {} allows pods/exec", k8s::target(record)))
            },
        },
        Pattern {
            rule: WRITE_ROLE,
            source: LogSource::K8sAudit,
            actions: &["create roles", "create clusterroles"],
            attempts: false,
            test: |record| {
                let mut verbs: Vec<&str> = role_rules(record)
                    .flat_map(|rule| list(rule, "verbs"))
                    .filter(|verb| WRITE_VERBS.contains(verb))
                    .collect();
                verbs.sort_unstable();
                verbs.dedup();
                (!verbs.is_empty())
                    .then(|| format!("role {} allows {}", k8s::target(record), verbs.join(", ")))
            },
        },
        Pattern {
            rule: SYSTEM_ROLE_CHANGED,
            source: LogSource::K8sAudit,
            actions: &[
                "create roles",
                "update roles",
                "patch roles",
                "delete roles",
                "create clusterroles",
                "update clusterroles",
                "patch clusterroles",
                "delete clusterroles",
            ],
            attempts: false,
            test: |record| {
                let name = k8s::name(record)?;
                let system = name.starts_with("system:") && name != "system:coredns";
                let by_apiserver = k8s::username(record) == Some("system:apiserver");
                (system && !by_apiserver)
                    .then(|| format!("{} {name}", k8s::verb(record).unwrap_or("changed")))
            },
        },
        Pattern {
            rule: SYSTEM_NAMESPACE_ACCOUNT,
            source: LogSource::K8sAudit,
            actions: &["create serviceaccounts"],
            attempts: false,
            test: |record| {
                let namespace = k8s::namespace(record)?;
                SYSTEM_NAMESPACES
                    .contains(&namespace)
                    .then(|| format!("created service account {}", k8s::target(record)))
            },
        },
    ],
    rules: &[],
    build: None,
};

/// The rules of a Role or ClusterRole being created.
fn role_rules(record: &Record) -> impl Iterator<Item = &Value> {
    k8s::request_object(record)
        .and_then(|object| object.get("rules"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The strings of an array field.
fn list<'a>(value: &'a Value, field: &str) -> impl Iterator<Item = &'a str> {
    value
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn cluster_admin_binding(record: &Record) -> Option<String> {
    let object = k8s::request_object(record)?;
    let role = object
        .pointer(["roleRef", "name"])
        .and_then(Value::as_str)?;
    if role != "cluster-admin" {
        return None;
    }
    let subjects: Vec<String> = object
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|subject| {
            let kind = subject.get("kind").and_then(Value::as_str).unwrap_or("?");
            let name = subject.get("name").and_then(Value::as_str).unwrap_or("?");
            match subject.get("namespace").and_then(Value::as_str) {
                Some(namespace) => format!("{kind} {namespace}/{name}"),
                None => format!("{kind} {name}"),
            }
        })
        .collect();
    Some(format!(
        "binding {} gives cluster-admin to {}",
        k8s::target(record),
        if subjects.is_empty() {
            "no subject".to_string()
        } else {
            subjects.join(", ")
        }
    ))
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::k8s;
    use serde_json::{json, Value};
    let binding = |role: &str| {
        k8s(0, "alice", "create", "clusterrolebindings")
            .target("", "b")
            .object(json!({"roleRef": {"kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": "x", "namespace": "ci"}]}))
            .done()
    };
    let role = |rules: Value| {
        k8s(0, "alice", "create", "clusterroles")
            .target("", "r")
            .object(json!({"kind": "ClusterRole", "rules": rules}))
            .done()
    };
    let read_pods = json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]);
    let change = |user: &str, name: &str| {
        k8s(0, user, "patch", "clusterroles")
            .target("", name)
            .done()
    };
    let account = |namespace: &str| {
        k8s(0, "alice", "create", "serviceaccounts")
            .target(namespace, "helper")
            .done()
    };
    vec![
        Example::new(
            CLUSTER_ADMIN_BINDING.id.as_ref(),
            vec![binding("cluster-admin")],
            vec![binding("view")],
        ),
        Example::new(
            WILDCARD_ROLE.id.as_ref(),
            vec![role(
                json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]}]),
            )],
            vec![role(read_pods.clone())],
        ),
        Example::new(
            EXEC_ROLE.id.as_ref(),
            vec![role(
                json!([{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]),
            )],
            vec![role(read_pods.clone())],
        ),
        Example::new(
            WRITE_ROLE.id.as_ref(),
            vec![role(
                json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "patch"]}]),
            )],
            vec![role(read_pods)],
        ),
        Example::new(
            SYSTEM_ROLE_CHANGED.id.as_ref(),
            vec![change("alice", "system:node")],
            vec![
                change("system:apiserver", "system:node"),
                change("alice", "system:coredns"),
            ],
        ),
        Example::new(
            SYSTEM_NAMESPACE_ACCOUNT.id.as_ref(),
            vec![account("kube-system")],
            vec![account("ci")],
        ),
    ]
}
