//! The part of the Kubernetes bootstrap policy that every cluster has, whether or not a scan
//! sees it: `cluster-admin` bound to `system:masters`, the aggregated `admin`, `edit` and `view`
//! roles (which manifests extend through `aggregate-to-*` labels), discovery for everyone.
//!
//! Rules are the upstream bootstrap policy's, trimmed of nothing that matters to risk. Names this
//! module does not model but that Kubernetes creates (`system:*`) count as existing.

/// `(apiGroups, resources, verbs)`, or non-resource URLs with verbs.
enum Spec {
    Resource(
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    ),
    Named(
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    ),
    Urls(&'static [&'static str], &'static [&'static str]),
}

/// A built-in role: `(namespace, name, labels, aggregation label, rules)`. An aggregation label
/// `l` means the role aggregates every ClusterRole labelled `l: "true"`.
pub(crate) struct BuiltinRole {
    pub namespace: Option<&'static str>,
    pub name: &'static str,
    pub labels: &'static [&'static str],
    pub aggregates: Option<&'static str>,
    rules: &'static [Spec],
}

impl BuiltinRole {
    /// The role's rules in the shared shape.
    pub fn rules(&self) -> Vec<super::PolicyRule> {
        let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        self.rules
            .iter()
            .map(|spec| match spec {
                Spec::Resource(groups, resources, verbs) => super::PolicyRule {
                    verbs: own(verbs),
                    api_groups: own(groups),
                    resources: own(resources),
                    ..Default::default()
                },
                Spec::Named(groups, resources, verbs, names) => super::PolicyRule {
                    verbs: own(verbs),
                    api_groups: own(groups),
                    resources: own(resources),
                    resource_names: own(names),
                    ..Default::default()
                },
                Spec::Urls(urls, verbs) => super::PolicyRule {
                    verbs: own(verbs),
                    non_resource_urls: own(urls),
                    ..Default::default()
                },
            })
            .collect()
    }
}

/// A built-in ClusterRoleBinding: `(name, role, subject ids)`.
pub(crate) struct BuiltinBinding {
    pub name: &'static str,
    pub role: &'static str,
    pub subjects: &'static [&'static str],
}

const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const READ: &[&str] = &["get", "list", "watch"];
const TO_ADMIN: &str = "rbac.authorization.k8s.io/aggregate-to-admin";
const TO_EDIT: &str = "rbac.authorization.k8s.io/aggregate-to-edit";
const TO_VIEW: &str = "rbac.authorization.k8s.io/aggregate-to-view";

/// The built-in roles nhi models.
pub(crate) const ROLES: &[BuiltinRole] = &[
    BuiltinRole {
        namespace: None,
        name: "cluster-admin",
        labels: &[],
        aggregates: None,
        rules: &[
            Spec::Resource(&["*"], &["*"], &["*"]),
            Spec::Urls(&["*"], &["*"]),
        ],
    },
    BuiltinRole {
        namespace: None,
        name: "admin",
        labels: &[],
        aggregates: Some(TO_ADMIN),
        rules: &[],
    },
    BuiltinRole {
        namespace: None,
        name: "edit",
        labels: &[TO_ADMIN],
        aggregates: Some(TO_EDIT),
        rules: &[],
    },
    BuiltinRole {
        namespace: None,
        name: "view",
        labels: &[TO_EDIT],
        aggregates: Some(TO_VIEW),
        rules: &[],
    },
    BuiltinRole {
        namespace: None,
        name: "system:aggregate-to-admin",
        labels: &[TO_ADMIN],
        aggregates: None,
        rules: &[
            Spec::Resource(
                &["authorization.k8s.io"],
                &["localsubjectaccessreviews"],
                &["create"],
            ),
            Spec::Resource(
                &["rbac.authorization.k8s.io"],
                &["rolebindings", "roles"],
                &[
                    "create",
                    "delete",
                    "deletecollection",
                    "get",
                    "list",
                    "patch",
                    "update",
                    "watch",
                ],
            ),
        ],
    },
    BuiltinRole {
        namespace: None,
        name: "system:aggregate-to-edit",
        labels: &[TO_EDIT],
        aggregates: None,
        rules: &[
            Spec::Resource(
                &[""],
                &[
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                    "secrets",
                    "services/proxy",
                ],
                READ,
            ),
            Spec::Resource(&[""], &["serviceaccounts"], &["impersonate"]),
            Spec::Resource(
                &[""],
                &[
                    "pods",
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                ],
                WRITE,
            ),
            Spec::Resource(&[""], &["pods/eviction"], &["create"]),
            Spec::Resource(
                &[""],
                &[
                    "configmaps",
                    "events",
                    "persistentvolumeclaims",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "secrets",
                    "serviceaccounts",
                    "services",
                    "services/proxy",
                ],
                WRITE,
            ),
            Spec::Resource(&[""], &["serviceaccounts/token"], &["create"]),
            Spec::Resource(
                &["apps"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
                WRITE,
            ),
            Spec::Resource(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
            Spec::Resource(&["batch"], &["cronjobs", "jobs"], WRITE),
            Spec::Resource(
                &["extensions"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "ingresses",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicationcontrollers/scale",
                ],
                WRITE,
            ),
            Spec::Resource(&["policy"], &["poddisruptionbudgets"], WRITE),
            Spec::Resource(
                &["networking.k8s.io"],
                &["ingresses", "networkpolicies"],
                WRITE,
            ),
            Spec::Resource(
                &["coordination.k8s.io"],
                &["leases"],
                &[
                    "create",
                    "delete",
                    "deletecollection",
                    "get",
                    "list",
                    "patch",
                    "update",
                    "watch",
                ],
            ),
        ],
    },
    BuiltinRole {
        namespace: None,
        name: "system:aggregate-to-view",
        labels: &[TO_VIEW],
        aggregates: None,
        rules: &[
            Spec::Resource(
                &[""],
                &[
                    "configmaps",
                    "endpoints",
                    "persistentvolumeclaims",
                    "persistentvolumeclaims/status",
                    "pods",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "serviceaccounts",
                    "services",
                    "services/status",
                    "bindings",
                    "events",
                    "limitranges",
                    "namespaces/status",
                    "pods/log",
                    "pods/status",
                    "replicationcontrollers/status",
                    "resourcequotas",
                    "resourcequotas/status",
                    "namespaces",
                ],
                READ,
            ),
            Spec::Resource(&["discovery.k8s.io"], &["endpointslices"], READ),
            Spec::Resource(
                &["apps"],
                &[
                    "controllerrevisions",
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "statefulsets",
                    "statefulsets/scale",
                    "statefulsets/status",
                ],
                READ,
            ),
            Spec::Resource(
                &["autoscaling"],
                &[
                    "horizontalpodautoscalers",
                    "horizontalpodautoscalers/status",
                ],
                READ,
            ),
            Spec::Resource(
                &["batch"],
                &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
                READ,
            ),
            Spec::Resource(
                &["extensions"],
                &[
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "ingresses",
                    "ingresses/status",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "replicationcontrollers/scale",
                ],
                READ,
            ),
            Spec::Resource(
                &["policy"],
                &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                READ,
            ),
            Spec::Resource(
                &["networking.k8s.io"],
                &["ingresses", "ingresses/status", "networkpolicies"],
                READ,
            ),
        ],
    },
    BuiltinRole {
        namespace: None,
        name: "system:discovery",
        labels: &[],
        aggregates: None,
        rules: &[Spec::Urls(
            &[
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/healthz",
                "/livez",
                "/openapi",
                "/openapi/*",
                "/readyz",
                "/version",
                "/version/",
            ],
            &["get"],
        )],
    },
    BuiltinRole {
        namespace: None,
        name: "system:public-info-viewer",
        labels: &[],
        aggregates: None,
        rules: &[Spec::Urls(
            &["/healthz", "/livez", "/readyz", "/version", "/version/"],
            &["get"],
        )],
    },
    BuiltinRole {
        namespace: None,
        name: "system:basic-user",
        labels: &[],
        aggregates: None,
        rules: &[
            Spec::Resource(
                &["authorization.k8s.io"],
                &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                &["create"],
            ),
            Spec::Resource(
                &["authentication.k8s.io"],
                &["selfsubjectreviews"],
                &["create"],
            ),
        ],
    },
    BuiltinRole {
        namespace: None,
        name: "system:auth-delegator",
        labels: &[],
        aggregates: None,
        rules: &[
            Spec::Resource(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
            Spec::Resource(
                &["authorization.k8s.io"],
                &["subjectaccessreviews"],
                &["create"],
            ),
        ],
    },
    BuiltinRole {
        namespace: Some("kube-system"),
        name: "extension-apiserver-authentication-reader",
        labels: &[],
        aggregates: None,
        rules: &[Spec::Named(
            &[""],
            &["configmaps"],
            READ,
            &["extension-apiserver-authentication"],
        )],
    },
];

/// The built-in ClusterRoleBindings nhi models.
pub(crate) const BINDINGS: &[BuiltinBinding] = &[
    BuiltinBinding {
        name: "cluster-admin",
        role: "cluster-admin",
        subjects: &["k8s:group:system:masters"],
    },
    BuiltinBinding {
        name: "system:discovery",
        role: "system:discovery",
        subjects: &["k8s:group:system:authenticated"],
    },
    BuiltinBinding {
        name: "system:basic-user",
        role: "system:basic-user",
        subjects: &["k8s:group:system:authenticated"],
    },
    BuiltinBinding {
        name: "system:public-info-viewer",
        role: "system:public-info-viewer",
        subjects: &[
            "k8s:group:system:authenticated",
            "k8s:group:system:unauthenticated",
        ],
    },
];

/// Whether Kubernetes itself creates a role of this name (`system:` names are reserved for it).
pub(crate) fn is_builtin_name(name: &str) -> bool {
    name.starts_with("system:") || ROLES.iter().any(|role| role.name == name)
}
