//! Node ids and attribute names of the Kubernetes part of the inventory: the contract that
//! `nhi-analysis::k8s` reads (see the module comment of `k8s/mod.rs` for the whole shape).

/// `k8s:serviceaccount:<namespace>/<name>`.
pub(crate) fn service_account(namespace: &str, name: &str) -> String {
    format!("k8s:serviceaccount:{namespace}/{name}")
}

/// `k8s:user:<name>`.
pub(crate) fn user(name: &str) -> String {
    format!("k8s:user:{name}")
}

/// `k8s:group:<name>`.
pub(crate) fn group(name: &str) -> String {
    format!("k8s:group:{name}")
}

/// `k8s:clusterrole:<name>` or `k8s:role:<namespace>/<name>`.
pub(crate) fn role(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("k8s:role:{ns}/{name}"),
        None => format!("k8s:clusterrole:{name}"),
    }
}

/// `k8s:clusterrolebinding:<name>` or `k8s:rolebinding:<namespace>/<name>`.
pub(crate) fn binding(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("k8s:rolebinding:{ns}/{name}"),
        None => format!("k8s:clusterrolebinding:{name}"),
    }
}

/// `k8s:namespace:<name>`, or `k8s:cluster` for cluster-scoped objects: the scope a role lives in.
pub(crate) fn scope(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("k8s:namespace:{ns}"),
        None => "k8s:cluster".to_string(),
    }
}

/// `k8s:<kind in lowercase>:<namespace>/<name>`, e.g. `k8s:deployment:prod/api`.
pub(crate) fn workload(kind: &str, namespace: &str, name: &str) -> String {
    format!("k8s:{}:{namespace}/{name}", kind.to_ascii_lowercase())
}

/// `api-token:k8s-secret:<namespace>/<name>`: a legacy service account token Secret.
pub(crate) fn token_secret(namespace: &str, name: &str) -> String {
    format!("api-token:k8s-secret:{namespace}/{name}")
}

/// Attribute names shared with the analysis.
pub(crate) mod attr {
    /// Every edge and declared object: where it was written (a serialised `Location`).
    pub const LOCATION: &str = "location";
    /// Graph convention: how an edge is taken, for humans.
    pub const METHOD: &str = "method";
    /// Service account identity: its namespace.
    pub const NAMESPACE: &str = "namespace";
    /// Service account identity / workload edge: `automountServiceAccountToken` when set.
    pub const AUTOMOUNT: &str = "automount_token";
    /// Service account identity: the namespace was not written but inferred for the file.
    pub const NAMESPACE_INFERRED: &str = "namespace_inferred";
    /// Service account identity: names listed under `secrets:`.
    pub const TOKEN_SECRETS: &str = "token_secrets";
    /// Role declaration edge: labels, and `aggregationRule.clusterRoleSelectors` as written.
    pub const LABELS: &str = "labels";
    pub const AGGREGATION: &str = "aggregation_selectors";
    /// Binding edge: the binding's id, and whether it is part of the bootstrap policy.
    pub const BINDING: &str = "binding";
    pub const BOOTSTRAP: &str = "bootstrap";
    /// Workload edge: its kind, and the secrets and projected tokens its pods get.
    pub const WORKLOAD: &str = "workload";
    pub const SECRET_VOLUMES: &str = "secret_volumes";
    pub const SECRET_ENV: &str = "secret_env";
    pub const PROJECTED_TOKENS: &str = "projected_tokens";
}
