//! Dangerous powers: what a role lets its holders do that leads to secrets or to other
//! identities, checked request by request against the role's rules (so API groups, subresources,
//! `resourceNames` and wildcards count exactly) and only where the binding's scope lets
//! Kubernetes honour it (a RoleBinding reaches no cluster-scoped resource).
//!
//! This is the union of what KubiScan, rbac-police, rbac-tool and krane look for.

use super::access::honours;
use super::cluster::Cluster;
use super::model::{Binding, Role, Scope, Subject};
use super::policy::Target;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

/// Which objects a power reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Names {
    Any,
    Only(BTreeSet<String>),
}

impl Names {
    fn describe(&self) -> String {
        match self {
            Names::Any => String::new(),
            Names::Only(names) => format!(
                " (only {})",
                names.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// The kinds of dangerous power.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PowerKind {
    /// `*` verbs on `*` resources of `*` groups (cluster-admin when cluster-wide).
    Everything,
    /// Read every secret in scope.
    ReadSecrets,
    /// Read only the named secrets.
    ReadNamedSecrets(BTreeSet<String>),
    /// Start pods (directly or through a workload controller) that run as any service account.
    RunPods,
    /// Run commands in existing pods (exec, attach, ephemeral containers).
    ExecIntoPods,
    /// Mint tokens for service accounts.
    CreateTokens(Names),
    /// Impersonate `users`, `groups` or `serviceaccounts`.
    Impersonate(&'static str, Names),
    /// Grant permissions it does not hold (`bind`, `escalate`).
    BindOrEscalate { cluster_roles: bool },
    /// Change admission webhooks; mutating ones can rewrite every pod.
    AdmissionWebhooks { mutating: bool },
    /// Approve certificate signing requests for these signers.
    ApproveCertificates(Names),
    /// Reach the kubelet API through `nodes/proxy`.
    NodeProxy,
    /// Edit the EKS `aws-auth` ConfigMap.
    AwsAuth,
}

/// One power with the permissions that give it, for humans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Power {
    pub kind: PowerKind,
    pub how: Vec<String>,
}

impl Power {
    /// What the power lets a subject do, in words.
    pub fn describe(&self, scope: &Scope) -> String {
        let place = scope.describe();
        match &self.kind {
            PowerKind::Everything => format!("can do anything {place}"),
            PowerKind::ReadSecrets => format!("can read all secrets {place}"),
            PowerKind::ReadNamedSecrets(names) => {
                format!(
                    "can read only the named secrets {} {place}",
                    names.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            }
            PowerKind::RunPods => format!("can start pods as any service account {place}"),
            PowerKind::ExecIntoPods => format!("can run commands in pods {place}"),
            PowerKind::CreateTokens(names) => format!(
                "can create service account tokens {place}{}",
                names.describe()
            ),
            PowerKind::Impersonate(what, names) => {
                format!("can impersonate {what} {place}{}", names.describe())
            }
            PowerKind::BindOrEscalate { .. } => {
                format!("can grant permissions it does not hold {place}")
            }
            PowerKind::AdmissionWebhooks { mutating: true } => {
                "can change mutating admission webhooks".to_string()
            }
            PowerKind::AdmissionWebhooks { mutating: false } => {
                "can change validating admission webhooks".to_string()
            }
            PowerKind::ApproveCertificates(names) => format!(
                "can approve certificate signing requests{}",
                names.describe()
            ),
            PowerKind::NodeProxy => "can reach every kubelet API through nodes/proxy".to_string(),
            PowerKind::AwsAuth => "can edit the aws-auth ConfigMap".to_string(),
        }
    }
}

const RBAC: &str = "rbac.authorization.k8s.io";
const CERTIFICATES: &str = "certificates.k8s.io";
const ADMISSION: &str = "admissionregistration.k8s.io";
/// Controllers whose pod template a writer can point at any service account of the namespace.
const WORKLOADS: &[(&str, &str)] = &[
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("extensions", "deployments"),
    ("extensions", "daemonsets"),
    ("extensions", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];
/// Signers whose certificates authenticate to the API server as any user or group.
const CLIENT_SIGNERS: &[&str] = &["kubernetes.io/kube-apiserver-client", "kubernetes.io/*"];

/// A role's rules seen from one binding scope.
struct Probe<'a> {
    role: &'a Role,
    binding: &'a Binding,
}

impl Probe<'_> {
    /// Which names the role allows `verb` on, if any, where the binding is honoured.
    fn names(&self, verb: &str, group: &str, resource: &str) -> Option<Names> {
        let target = Target::new(verb, group, resource);
        if !honours(self.binding, target, None) {
            return None;
        }
        let matching: Vec<_> = self
            .role
            .rules
            .iter()
            .filter(|r| r.covers(target))
            .collect();
        if matching.is_empty() {
            None
        } else if matching.iter().any(|r| r.resource_names.is_empty()) {
            Some(Names::Any)
        } else {
            Some(Names::Only(
                matching
                    .iter()
                    .flat_map(|r| r.resource_names.iter().cloned())
                    .collect(),
            ))
        }
    }

    /// Whether the role allows `verb` on every object (creating, listing).
    fn any(&self, verb: &str, group: &str, resource: &str) -> bool {
        self.names(verb, group, resource) == Some(Names::Any)
    }

    /// The first of `verbs` the role allows on at least one object.
    fn some<'v>(&self, verbs: &[&'v str], group: &str, resource: &str) -> Option<&'v str> {
        verbs
            .iter()
            .copied()
            .find(|verb| self.names(verb, group, resource).is_some())
    }
}

fn named(resource: &str, group: &str) -> String {
    match group {
        "" => resource.to_string(),
        group => format!("{resource}.{group}"),
    }
}

/// Every power `role` gives through `binding`.
pub(crate) fn powers(role: &Role, binding: &Binding) -> Vec<Power> {
    let probe = Probe { role, binding };
    let power = |kind, how: Vec<String>| Power { kind, how };
    let wildcard = role.rules.iter().any(|r| r.is_full_wildcard());
    if wildcard && binding.namespace.is_none() {
        return vec![power(PowerKind::Everything, vec!["* on *.*".to_string()])];
    }
    let mut found = Vec::new();
    found.extend(read_secrets(&probe));
    found.extend(run_pods(&probe).map(|how| power(PowerKind::RunPods, how)));
    found.extend(exec(&probe).map(|how| power(PowerKind::ExecIntoPods, how)));
    if let Some(names) = probe.names("create", "", "serviceaccounts/token") {
        found.push(power(
            PowerKind::CreateTokens(names),
            vec!["create serviceaccounts/token".to_string()],
        ));
    }
    for target in ["serviceaccounts", "users", "groups"] {
        if let Some(names) = probe.names("impersonate", "", target) {
            found.push(power(
                PowerKind::Impersonate(target, names),
                vec![format!("impersonate {target}")],
            ));
        }
    }
    found.extend(bind_or_escalate(&probe));
    for (resource, mutating) in [
        ("mutatingwebhookconfigurations", true),
        ("validatingwebhookconfigurations", false),
    ] {
        if let Some(how) = write(&probe, ADMISSION, resource) {
            found.push(power(PowerKind::AdmissionWebhooks { mutating }, vec![how]));
        }
    }
    if let (Some(_), Some(signers)) = (
        probe.names(
            "update",
            CERTIFICATES,
            "certificatesigningrequests/approval",
        ),
        probe.names("approve", CERTIFICATES, "signers"),
    ) {
        let how = vec![
            "update certificatesigningrequests/approval".to_string(),
            "approve signers".to_string(),
        ];
        found.push(power(PowerKind::ApproveCertificates(signers), how));
    }
    if let Some(verb) = probe.some(&["get", "create"], "", "nodes/proxy") {
        found.push(power(
            PowerKind::NodeProxy,
            vec![format!("{verb} nodes/proxy")],
        ));
    }
    if aws_auth_reachable(binding) {
        for verb in ["update", "patch"] {
            match probe.names(verb, "", "configmaps") {
                Some(Names::Only(names)) if !names.contains("aws-auth") => {}
                Some(_) => {
                    found.push(power(
                        PowerKind::AwsAuth,
                        vec![format!("{verb} configmaps in kube-system")],
                    ));
                    break;
                }
                None => {}
            }
        }
    }
    found
}

fn read_secrets(probe: &Probe) -> Option<Power> {
    let mut named = BTreeSet::new();
    let mut how = Vec::new();
    for verb in ["get", "list", "watch"] {
        match probe.names(verb, "", "secrets") {
            Some(Names::Any) => how.push(format!("{verb} secrets")),
            Some(Names::Only(names)) => named.extend(names),
            None => {}
        }
    }
    if !how.is_empty() {
        return Some(Power {
            kind: PowerKind::ReadSecrets,
            how,
        });
    }
    (!named.is_empty()).then(|| Power {
        how: vec!["get secrets by name".to_string()],
        kind: PowerKind::ReadNamedSecrets(named),
    })
}

/// Creating a pod, or writing a workload controller whose pod template names the account.
fn run_pods(probe: &Probe) -> Option<Vec<String>> {
    let mut how = Vec::new();
    if probe.any("create", "", "pods") {
        how.push("create pods".to_string());
    }
    for (group, resource) in WORKLOADS {
        if probe.any("create", group, resource) {
            how.push(format!("create {}", named(resource, group)));
        } else if let Some(verb) = probe.some(&["patch", "update"], group, resource) {
            how.push(format!("{verb} {}", named(resource, group)));
        }
    }
    (!how.is_empty()).then_some(how)
}

fn exec(probe: &Probe) -> Option<Vec<String>> {
    let mut how = Vec::new();
    for (verbs, resource) in [
        (&["create", "get"][..], "pods/exec"),
        (&["create", "get"][..], "pods/attach"),
        (&["patch", "update"][..], "pods/ephemeralcontainers"),
    ] {
        if let Some(verb) = verbs.iter().find(|verb| probe.any(verb, "", resource)) {
            how.push(format!("{verb} {resource}"));
        }
    }
    (!how.is_empty()).then_some(how)
}

/// `create` on any object, or `patch`/`update` on some: how the role can write a resource.
fn write(probe: &Probe, group: &str, resource: &str) -> Option<String> {
    if probe.any("create", group, resource) {
        return Some(format!("create {}", named(resource, group)));
    }
    probe
        .some(&["patch", "update"], group, resource)
        .map(|verb| format!("{verb} {}", named(resource, group)))
}

/// `bind` plus writing bindings, or `escalate` plus writing roles: Kubernetes' escalation
/// checks no longer stop the holder from granting what it does not have.
fn bind_or_escalate(probe: &Probe) -> Option<Power> {
    let cluster = probe.binding.namespace.is_none();
    let mut how = Vec::new();
    let mut cluster_roles = false;
    for (roles, bindings) in [
        ("roles", "rolebindings"),
        ("clusterroles", "clusterrolebindings"),
        ("clusterroles", "rolebindings"),
    ] {
        if let (Some(_), Some(write_binding)) = (
            probe.names("bind", RBAC, roles),
            write(probe, RBAC, bindings),
        ) {
            cluster_roles |= roles == "clusterroles" && cluster;
            how.push(format!("bind {roles} + {write_binding}"));
        }
    }
    for roles in ["roles", "clusterroles"] {
        if let (Some(_), Some(write_role)) = (
            probe.names("escalate", RBAC, roles),
            write(probe, RBAC, roles),
        ) {
            cluster_roles |= roles == "clusterroles";
            how.push(format!("escalate {roles} + {write_role}"));
        }
    }
    how.dedup();
    (!how.is_empty()).then_some(Power {
        kind: PowerKind::BindOrEscalate { cluster_roles },
        how,
    })
}

fn aws_auth_reachable(binding: &Binding) -> bool {
    binding
        .namespace
        .as_deref()
        .is_none_or(|ns| ns == "kube-system")
}

/// Whether a power makes its holder cluster-admin equivalent, and why.
pub(crate) fn admin_reason(power: &Power, role: &Role, binding: &Binding) -> Option<String> {
    let via = format!("{} via {}", role.describe(), binding.describe());
    let cluster = binding.namespace.is_none();
    let reason = match &power.kind {
        PowerKind::Everything => format!("* on * in every API group ({via})"),
        PowerKind::BindOrEscalate {
            cluster_roles: true,
        } => {
            format!(
                "can bind itself to any ClusterRole, cluster-admin included ({via}: {})",
                power.how.join("; ")
            )
        }
        PowerKind::AdmissionWebhooks { mutating: true } => {
            format!("can change mutating admission webhooks and so rewrite every pod ({via})")
        }
        PowerKind::ApproveCertificates(names) if cluster && signs_clients(names) => {
            format!("can approve client certificates for any user, system:masters included ({via})")
        }
        PowerKind::AwsAuth => {
            format!("can map any IAM principal to system:masters in aws-auth ({via})")
        }
        _ => return None,
    };
    Some(reason)
}

fn signs_clients(names: &Names) -> bool {
    match names {
        Names::Any => true,
        Names::Only(names) => CLIENT_SIGNERS.iter().any(|s| names.contains(*s)),
    }
}

/// One subject's powers through one binding.
pub(crate) struct Holding<'a> {
    pub subject: &'a Subject,
    pub binding: &'a Binding,
    pub role: &'a Role,
    pub powers: Rc<Vec<Power>>,
}

/// Every subject's powers, binding by binding; each role's powers are worked out once per kind
/// of scope, so this is linear in the number of bindings.
pub(crate) fn holdings(cluster: &Cluster) -> Vec<Holding<'_>> {
    let mut cache: HashMap<(&str, Option<bool>), Rc<Vec<Power>>> = HashMap::new();
    let mut out = Vec::new();
    for binding in cluster.bindings() {
        let Some(role) = cluster.role(&binding.role) else {
            continue;
        };
        let scope_kind = binding.namespace.as_deref().map(|ns| ns == "kube-system");
        let powers = cache
            .entry((role.id.as_str(), scope_kind))
            .or_insert_with(|| Rc::new(powers(role, binding)))
            .clone();
        if powers.is_empty() {
            continue;
        }
        out.extend(binding.subjects.iter().map(|subject| Holding {
            subject,
            binding,
            role,
            powers: powers.clone(),
        }));
    }
    out
}
