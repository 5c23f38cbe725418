//! Change tracking in Kubernetes (informational): deployments, services, ConfigMaps, namespaces,
//! service accounts, roles, bindings and secrets created or deleted by people and external
//! tools. The control plane's own users (`system:...`) are left out, and so are secrets in
//! kube-system and service-account token secrets, which controllers manage.

use super::patterns::Pattern;
use super::{k8s, rule, Family};
use crate::normalise::{LogSource, Record};
use nhi_model::{OwaspNhi, Severity};
use sonic_rs::{JsonValueTrait, Value};

/// The change-tracking rules: id, title, description and the actions each one tracks.
const TRACKED: [(&str, &str, &str, &[&str]); 16] = [
    (
        "k8s-deployment-created",
        "Deployment created",
        "A deployment was created.",
        &["create deployments"],
    ),
    (
        "k8s-deployment-deleted",
        "Deployment deleted",
        "A deployment was deleted.",
        &["delete deployments"],
    ),
    (
        "k8s-service-created",
        "Service created",
        "A service was created.",
        &["create services"],
    ),
    (
        "k8s-service-deleted",
        "Service deleted",
        "A service was deleted.",
        &["delete services"],
    ),
    (
        "k8s-configmap-created",
        "ConfigMap created",
        "A ConfigMap was created.",
        &["create configmaps"],
    ),
    (
        "k8s-configmap-deleted",
        "ConfigMap deleted",
        "A ConfigMap was deleted.",
        &["delete configmaps"],
    ),
    (
        "k8s-namespace-created",
        "Namespace created",
        "A namespace was created.",
        &["create namespaces"],
    ),
    (
        "k8s-namespace-deleted",
        "Namespace deleted",
        "A namespace was deleted.",
        &["delete namespaces"],
    ),
    (
        "k8s-serviceaccount-created",
        "Service account created",
        "A service account was created.",
        &["create serviceaccounts"],
    ),
    (
        "k8s-serviceaccount-deleted",
        "Service account deleted",
        "A service account was deleted.",
        &["delete serviceaccounts"],
    ),
    (
        "k8s-role-created",
        "Role or ClusterRole created",
        "A Role or ClusterRole was created.",
        &["create roles", "create clusterroles"],
    ),
    (
        "k8s-role-deleted",
        "Role or ClusterRole deleted",
        "A Role or ClusterRole was deleted.",
        &["delete roles", "delete clusterroles"],
    ),
    (
        "k8s-rolebinding-created",
        "RoleBinding or ClusterRoleBinding created",
        "A RoleBinding or ClusterRoleBinding was created.",
        &["create rolebindings", "create clusterrolebindings"],
    ),
    (
        "k8s-rolebinding-deleted",
        "RoleBinding or ClusterRoleBinding deleted",
        "A RoleBinding or ClusterRoleBinding was deleted.",
        &["delete rolebindings", "delete clusterrolebindings"],
    ),
    (
        "k8s-secret-created",
        "Secret created",
        "A secret was created outside kube-system.",
        &["create secrets"],
    ),
    (
        "k8s-secret-deleted",
        "Secret deleted",
        "A secret was deleted outside kube-system.",
        &["delete secrets"],
    ),
];

/// Change tracking needs no remediation beyond a look: it is the audit trail, summarised.
const REVIEW: &str = "Informational: check that the change was planned (a change request, a pipeline run) and made by the expected identity.";

const fn tracked(index: usize) -> Pattern {
    let (id, title, description, actions) = TRACKED[index];
    Pattern {
        rule: rule(
            id,
            title,
            Severity::Info,
            &[] as &[OwaspNhi],
            description,
            REVIEW,
        ),
        source: LogSource::K8sAudit,
        actions,
        attempts: false,
        test: change,
    }
}

pub(super) static FAMILY: Family = Family {
    patterns: &[
        tracked(0),
        tracked(1),
        tracked(2),
        tracked(3),
        tracked(4),
        tracked(5),
        tracked(6),
        tracked(7),
        tracked(8),
        tracked(9),
        tracked(10),
        tracked(11),
        tracked(12),
        tracked(13),
        tracked(14),
        tracked(15),
    ],
    rules: &[],
    build: None,
};

fn change(record: &Record) -> Option<String> {
    if k8s::is_system_user(record) {
        return None;
    }
    if k8s::resource(record) == Some("secrets") {
        let token = k8s::request_object(record)
            .and_then(|object| object.get("type"))
            .and_then(Value::as_str)
            == Some("kubernetes.io/service-account-token");
        if token || k8s::namespace(record) == Some("kube-system") {
            return None;
        }
    }
    let resource = k8s::resource(record).unwrap_or("object");
    let verb = k8s::verb(record).unwrap_or("changed");
    Some(format!("{verb} {resource} {}", k8s::target(record)))
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{k8s, service_account};
    let controller = service_account("kube-system", "deployment-controller");
    TRACKED
        .iter()
        .map(|(id, _, _, actions)| {
            let (verb, resource) = actions[0].split_once(' ').unwrap_or(("create", "pods"));
            let by = |user: &str| k8s(0, user, verb, resource).target("prod", "x").done();
            Example::new(
                id,
                vec![by("alice")],
                vec![by(&controller), by("system:kube-controller-manager")],
            )
        })
        .collect()
}
