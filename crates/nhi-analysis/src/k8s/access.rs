//! Who can do what: `who_can` over effective permissions, and the rules a subject is bound to.
//!
//! Kubernetes consults RoleBindings only for requests inside their namespace, so a RoleBinding
//! never grants cluster-scoped resources (nodes, CSRs, webhooks, impersonating users) or
//! non-resource URLs, whatever its role says. Such grants are still returned, marked not
//! `effective`, because tools such as rbac-tool list them.

use super::cluster::Cluster;
use super::model::{Binding, Role, Scope, Subject};
use super::policy::{PolicyRule, Request, Target};

/// One way a subject holds a permission.
#[derive(Debug, Clone)]
pub struct Permit<'a> {
    pub subject: &'a Subject,
    pub binding: &'a Binding,
    pub role: &'a Role,
    pub scope: Scope,
    /// False when Kubernetes ignores this grant for the request (see the module comment).
    pub effective: bool,
}

/// A rule a subject is bound to, and how.
#[derive(Debug, Clone)]
pub struct BoundRule<'a> {
    pub rule: &'a PolicyRule,
    pub role: &'a Role,
    pub binding: &'a Binding,
    pub scope: Scope,
}

impl Cluster {
    /// Every binding subject allowed to `verb` the `resource` (`pods`, `pods/exec`,
    /// `deployments.apps`, `gateways`, a short name like `po`, or a non-resource URL `/healthz`),
    /// in `namespace` (any namespace when `None`), on the object `name` (any object when `None`:
    /// then rules limited by `resourceNames` do not count, as for a list).
    pub fn who_can(
        &self,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> Vec<Permit<'_>> {
        self.permits(&parse_request(verb, resource, name), namespace)
    }

    /// Every binding subject whose bindings allow `request` in `namespace` (any when `None`).
    pub fn permits(&self, request: &Request, namespace: Option<&str>) -> Vec<Permit<'_>> {
        let mut permits = Vec::new();
        for binding in self.bindings() {
            if let (Some(wanted), Some(ns)) = (namespace, &binding.namespace) {
                if wanted != ns {
                    continue;
                }
            }
            let Some(role) = self.role(&binding.role) else {
                continue;
            };
            if !role.rules.iter().any(|rule| rule.allows(request)) {
                continue;
            }
            let effective = is_effective(binding, request);
            permits.extend(binding.subjects.iter().map(|subject| Permit {
                subject,
                binding,
                role,
                scope: binding.scope(),
                effective,
            }));
        }
        permits
    }

    /// The rules bound directly to a subject (no group expansion), as `rbac-tool policy-rules`
    /// lists them.
    pub fn rules_for(&self, subject_id: &str) -> Vec<BoundRule<'_>> {
        let mut rules = Vec::new();
        for binding in self
            .bindings()
            .iter()
            .filter(|b| b.subjects.iter().any(|s| s.id == subject_id))
        {
            let Some(role) = self.role(&binding.role) else {
                continue;
            };
            rules.extend(role.rules.iter().map(|rule| BoundRule {
                rule,
                role,
                binding,
                scope: binding.scope(),
            }));
        }
        rules
    }
}

/// Whether Kubernetes consults this binding for the request: ClusterRoleBindings always;
/// RoleBindings only for requests that carry their namespace.
pub(crate) fn is_effective(binding: &Binding, request: &Request) -> bool {
    match request {
        Request::NonResource { .. } => binding.namespace.is_none(),
        Request::Resource(r) => honours(binding, Target::of(r), r.name.as_deref()),
    }
}

/// Whether Kubernetes consults `binding` for a resource request: always for a
/// ClusterRoleBinding; for a RoleBinding only when the request carries its namespace, which
/// requests on cluster-scoped resources do not, except a namespace's own object and `bind` on
/// ClusterRoles (checked in the namespace of the RoleBinding being written).
pub(crate) fn honours(binding: &Binding, target: Target, name: Option<&str>) -> bool {
    let Some(namespace) = &binding.namespace else {
        return true;
    };
    if target.group.is_empty() && target.resource == "namespaces" {
        return name == Some(namespace.as_str());
    }
    if target.verb == "bind" && target.group == RBAC && target.resource == "clusterroles" {
        return true;
    }
    !CLUSTER_SCOPED
        .iter()
        .any(|(group, resources)| *group == target.group && resources.contains(&target.resource))
}

const RBAC: &str = "rbac.authorization.k8s.io";

/// Built-in resources that live outside namespaces (impersonating users and groups counts too).
const CLUSTER_SCOPED: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "nodes",
            "persistentvolumes",
            "componentstatuses",
            "users",
            "groups",
        ],
    ),
    (RBAC, &["clusterroles", "clusterrolebindings"]),
    (
        "certificates.k8s.io",
        &[
            "certificatesigningrequests",
            "signers",
            "clustertrustbundles",
        ],
    ),
    (
        "admissionregistration.k8s.io",
        &[
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
            "mutatingadmissionpolicies",
            "mutatingadmissionpolicybindings",
        ],
    ),
    ("apiextensions.k8s.io", &["customresourcedefinitions"]),
    ("apiregistration.k8s.io", &["apiservices"]),
    (
        "storage.k8s.io",
        &[
            "storageclasses",
            "csidrivers",
            "csinodes",
            "volumeattachments",
            "volumeattributesclasses",
        ],
    ),
    ("scheduling.k8s.io", &["priorityclasses"]),
    ("node.k8s.io", &["runtimeclasses"]),
    (
        "networking.k8s.io",
        &["ingressclasses", "ipaddresses", "servicecidrs"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["flowschemas", "prioritylevelconfigurations"],
    ),
    (
        "authentication.k8s.io",
        &["tokenreviews", "selfsubjectreviews", "uids", "userextras"],
    ),
    (
        "authorization.k8s.io",
        &[
            "subjectaccessreviews",
            "selfsubjectaccessreviews",
            "selfsubjectrulesreviews",
        ],
    ),
    ("policy", &["podsecuritypolicies"]),
    ("metrics.k8s.io", &["nodes"]),
];

/// Resource names, short names and singulars users type, with their API group (what kubectl
/// resolves through discovery).
const KNOWN_RESOURCES: &[(&str, &str, &[&str])] = &[
    ("pods", "", &["pod", "po"]),
    ("secrets", "", &["secret"]),
    ("configmaps", "", &["configmap", "cm"]),
    ("services", "", &["service", "svc"]),
    ("serviceaccounts", "", &["serviceaccount", "sa"]),
    ("nodes", "", &["node", "no"]),
    ("namespaces", "", &["namespace", "ns"]),
    ("persistentvolumes", "", &["persistentvolume", "pv"]),
    (
        "persistentvolumeclaims",
        "",
        &["persistentvolumeclaim", "pvc"],
    ),
    ("endpoints", "", &["ep"]),
    ("events", "", &["event", "ev"]),
    (
        "replicationcontrollers",
        "",
        &["replicationcontroller", "rc"],
    ),
    ("deployments", "apps", &["deployment", "deploy"]),
    ("statefulsets", "apps", &["statefulset", "sts"]),
    ("daemonsets", "apps", &["daemonset", "ds"]),
    ("replicasets", "apps", &["replicaset", "rs"]),
    ("controllerrevisions", "apps", &["controllerrevision"]),
    ("jobs", "batch", &["job"]),
    ("cronjobs", "batch", &["cronjob", "cj"]),
    ("roles", RBAC, &["role"]),
    ("rolebindings", RBAC, &["rolebinding"]),
    ("clusterroles", RBAC, &["clusterrole"]),
    ("clusterrolebindings", RBAC, &["clusterrolebinding"]),
    (
        "certificatesigningrequests",
        "certificates.k8s.io",
        &["certificatesigningrequest", "csr"],
    ),
    (
        "mutatingwebhookconfigurations",
        "admissionregistration.k8s.io",
        &["mutatingwebhookconfiguration"],
    ),
    (
        "validatingwebhookconfigurations",
        "admissionregistration.k8s.io",
        &["validatingwebhookconfiguration"],
    ),
    ("ingresses", "networking.k8s.io", &["ingress", "ing"]),
    (
        "networkpolicies",
        "networking.k8s.io",
        &["networkpolicy", "netpol"],
    ),
    ("ingressclasses", "networking.k8s.io", &["ingressclass"]),
    (
        "customresourcedefinitions",
        "apiextensions.k8s.io",
        &["customresourcedefinition", "crd", "crds"],
    ),
    ("storageclasses", "storage.k8s.io", &["storageclass", "sc"]),
    ("leases", "coordination.k8s.io", &["lease"]),
    ("endpointslices", "discovery.k8s.io", &["endpointslice"]),
    (
        "horizontalpodautoscalers",
        "autoscaling",
        &["horizontalpodautoscaler", "hpa"],
    ),
    (
        "poddisruptionbudgets",
        "policy",
        &["poddisruptionbudget", "pdb"],
    ),
    (
        "priorityclasses",
        "scheduling.k8s.io",
        &["priorityclass", "pc"],
    ),
    ("tokenreviews", "authentication.k8s.io", &["tokenreview"]),
    (
        "subjectaccessreviews",
        "authorization.k8s.io",
        &["subjectaccessreview"],
    ),
    ("gateways", "gateway.networking.k8s.io", &["gateway", "gtw"]),
    (
        "gatewayclasses",
        "gateway.networking.k8s.io",
        &["gatewayclass", "gc"],
    ),
    ("httproutes", "gateway.networking.k8s.io", &["httproute"]),
    ("grpcroutes", "gateway.networking.k8s.io", &["grpcroute"]),
];

/// Turn `verb` and a resource as users write it into a request: `/path` is a non-resource URL;
/// `resource[.group][/subresource]` names a resource, its group resolved from the well-known
/// resources when not written (unknown names are taken as core resources).
pub fn parse_request(verb: &str, resource: &str, name: Option<&str>) -> Request {
    if resource.starts_with('/') {
        return Request::NonResource {
            verb: verb.to_string(),
            path: resource.to_string(),
        };
    }
    let (typed, subresource) = match resource.split_once('/') {
        Some((typed, sub)) => (typed, Some(sub)),
        None => (resource, None),
    };
    let (base, group) = match typed.split_once('.') {
        Some((base, group)) => (canonical(base).map_or(base, |(plural, _)| plural), group),
        None => canonical(typed).unwrap_or((typed, "")),
    };
    let full = match subresource {
        Some(sub) => format!("{base}/{sub}"),
        None => base.to_string(),
    };
    Request::resource(verb, group, &full, name)
}

fn canonical(typed: &str) -> Option<(&'static str, &'static str)> {
    let lower = typed.to_ascii_lowercase();
    KNOWN_RESOURCES
        .iter()
        .find(|(plural, _, aliases)| *plural == lower || aliases.contains(&lower.as_str()))
        .map(|(plural, group, _)| (*plural, *group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requests_as_users_write_them() {
        let request = |r: &str| parse_request("get", r, None);
        assert_eq!(request("po"), Request::resource("get", "", "pods", None));
        assert_eq!(
            request("deploy/scale"),
            Request::resource("get", "apps", "deployments/scale", None)
        );
        assert_eq!(
            request("pods.metrics.k8s.io"),
            Request::resource("get", "metrics.k8s.io", "pods", None)
        );
        assert_eq!(
            request("widgets"),
            Request::resource("get", "", "widgets", None)
        );
        assert!(matches!(request("/healthz"), Request::NonResource { .. }));
    }
}
