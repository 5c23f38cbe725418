//! Falco's Kubernetes audit traces, judged the way `labels.tsv` says Falco judges them: every
//! test case labelled as a detection gets an nhi alert of the matching behaviour, and every case
//! labelled as none gets no alert at all. Falco's configuration files of a case map to nhi's
//! terms: its allowed users are the inventory's known users, `disallow_kactivity.yaml` turns off
//! change tracking (nhi's informational alerts). Cases that depend on an image allow-list or trust
//! list (nhi has none) or on a test-only rule are listed and skipped, not silently dropped.

mod common;

use common::corpus;
use nhi_detect::{
    normalise, BehaviourConfig, Hunt, InventorySnapshot, LogSource, SigmaEngine,
    SHIPPED_SIGMA_RULES,
};
use nhi_model::{Alert, Identity, IdentityKind, Inventory, Severity};

/// Falco rule name -> nhi detectors of the same behaviour.
const BEHAVIOURS: &[(&str, &[&str])] = &[
    (
        "Anonymous Request Allowed",
        &["k8s-anonymous-request-allowed"],
    ),
    (
        "Attach to cluster-admin Role",
        &["k8s-cluster-admin-binding"],
    ),
    (
        "Attach/Exec Pod",
        &["k8s-pod-exec", "k8s-serviceaccount-pod-exec"],
    ),
    (
        "ClusterRole With Pod Exec Created",
        &["k8s-role-with-pod-exec"],
    ),
    (
        "ClusterRole With Wildcard Created",
        &["k8s-role-with-wildcard"],
    ),
    (
        "ClusterRole With Write Privileges Created",
        &["k8s-role-with-write-privileges"],
    ),
    (
        "Create/Modify Configmap With Private Credentials",
        &["k8s-configmap-credentials"],
    ),
    ("Create HostNetwork Pod", &["k8s-host-namespace-pod"]),
    ("Create Privileged Pod", &["k8s-privileged-pod"]),
    (
        "Create Sensitive Mount Pod",
        &["k8s-sensitive-host-mount-pod"],
    ),
    ("Create NodePort Service", &["k8s-nodeport-service"]),
    (
        "Pod Created in Kube Namespace",
        &["k8s-pod-in-system-namespace"],
    ),
    (
        "Service Account Created in Kube Namespace",
        &["k8s-serviceaccount-in-system-namespace"],
    ),
    (
        "System ClusterRole Modified/Deleted",
        &["k8s-system-role-modified"],
    ),
    ("Disallowed K8s User", &["identity-not-in-inventory"]),
    ("Create Disallowed Namespace", &["k8s-namespace-created"]),
    ("K8s Namespace Created", &["k8s-namespace-created"]),
    ("K8s Namespace Deleted", &["k8s-namespace-deleted"]),
    ("K8s Deployment Created", &["k8s-deployment-created"]),
    ("K8s Deployment Deleted", &["k8s-deployment-deleted"]),
    ("K8s Service Created", &["k8s-service-created"]),
    ("K8s Service Deleted", &["k8s-service-deleted"]),
    ("K8s ConfigMap Created", &["k8s-configmap-created"]),
    ("K8s ConfigMap Deleted", &["k8s-configmap-deleted"]),
    (
        "K8s Serviceaccount Created",
        &["k8s-serviceaccount-created"],
    ),
    (
        "K8s Serviceaccount Deleted",
        &["k8s-serviceaccount-deleted"],
    ),
    ("K8s Role/Clusterrole Created", &["k8s-role-created"]),
    ("K8s Role/Clusterrole Deleted", &["k8s-role-deleted"]),
    (
        "K8s Role/Clusterrolebinding Created",
        &["k8s-rolebinding-created"],
    ),
    (
        "K8s Role/Clusterrolebinding Deleted",
        &["k8s-rolebinding-deleted"],
    ),
    ("K8s Secret Created", &["k8s-secret-created"]),
    ("K8s Secret Deleted", &["k8s-secret-deleted"]),
];

/// Falco rule files that configure something nhi does not have, and why the case is skipped.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    (
        "trust_nginx_container.yaml",
        "Falco trusts the nginx image; nhi has no image trust list",
    ),
    (
        "allow_nginx_container.yaml",
        "image allow-list; nhi has no image policy",
    ),
    (
        "allow_only_apache_container.yaml",
        "image allow-list; nhi has no image policy",
    ),
    (
        "single_rule_with_json_pointer.yaml",
        "a test-only Falco rule",
    ),
];

/// Users Falco's Kubernetes audit rules allow by default (its `allowed_k8s_users` list): the
/// cluster's known users, as an inventory would hold them.
const KNOWN_USERS: &[&str] = &[
    "minikube",
    "minikube-user",
    "kubelet",
    "kops",
    "admin",
    "kube",
    "kube-proxy",
    "kube-apiserver-healthcheck",
    "kubernetes-admin",
    "cluster-autoscaler",
    "cloud-controller-manager",
];

/// Alerts that the shipped SigmaHQ rules add where Falco expects none: the SigmaHQ rule
/// "Kubernetes Secrets Modified or Deleted" (by kelnage) does not leave out system-managed
/// secrets (a kubeadm bootstrap token in kube-system, a service-account token secret).
const SIGMA_BEYOND_FALCO: &[(&str, &str)] = &[
    (
        "create_kube_system_secret.json",
        "sigma:58d31a75-a4f8-4c40-985b-373d58162ca2",
    ),
    (
        "create_service_account_token_secret.json",
        "sigma:58d31a75-a4f8-4c40-985b-373d58162ca2",
    ),
];

struct Case {
    trace: String,
    name: String,
    detect: bool,
    expected: String,
    rule_files: Vec<String>,
}

fn cases(labels: &str) -> Vec<Case> {
    labels
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let field = |index: usize| fields.get(index).copied().unwrap_or("").trim().to_string();
            Case {
                trace: field(0),
                name: field(1),
                detect: field(2) == "True",
                expected: field(3),
                rule_files: field(4)
                    .split(';')
                    .filter(|file| !file.is_empty())
                    .map(str::to_string)
                    .collect(),
            }
        })
        .collect()
}

fn inventory(case: &Case) -> InventorySnapshot {
    let mut inventory = Inventory::default();
    let extra = case
        .rule_files
        .iter()
        .filter_map(|file| file.strip_prefix("allow_user_")?.strip_suffix(".yaml"));
    for user in KNOWN_USERS.iter().copied().chain(extra) {
        let id = format!("k8s:user:{user}");
        inventory.add_identity(Identity::new(id, IdentityKind::Unknown, "k8s", user));
    }
    InventorySnapshot::new(&inventory, None)
}

fn hunt(case: &Case, bytes: &[u8], engine: &SigmaEngine) -> Vec<Alert> {
    let normalised = normalise(&case.trace, bytes, Some(LogSource::K8sAudit));
    let config = BehaviourConfig {
        inventory: Some(inventory(case)),
        ..BehaviourConfig::default()
    };
    let mut hunt = Hunt::new(Some(engine), config);
    for (index, record) in normalised.records.iter().enumerate() {
        hunt.push(index, record);
    }
    let tracking = !case
        .rule_files
        .iter()
        .any(|file| file == "disallow_kactivity.yaml");
    hunt.finish()
        .into_iter()
        .filter(|alert| tracking || alert.severity > Severity::Info)
        .collect()
}

#[test]
fn falco_labels_hold_for_nhi_alerts() {
    let Some(falco) = corpus("k8s-audit/falco") else {
        return;
    };
    let labels = std::fs::read_to_string(falco.join("labels.tsv")).expect("readable labels");
    let mut builder = SigmaEngine::builder();
    for (path, text) in SHIPPED_SIGMA_RULES {
        builder.add_yaml(path, text);
    }
    let (engine, _) = builder.build();
    let (mut detected, mut quiet, mut skipped) = (0, 0, 0);
    for case in cases(&labels) {
        if let Some((file, why)) = NOT_APPLICABLE
            .iter()
            .find(|(file, _)| case.rule_files.iter().any(|loaded| loaded == file))
        {
            println!("skipped {} ({}): {file}: {why}", case.name, case.trace);
            skipped += 1;
            continue;
        }
        let bytes =
            std::fs::read(falco.join("trace_files").join(&case.trace)).expect("readable trace");
        let alerts = hunt(&case, &bytes, &engine);
        let fired: Vec<&str> = alerts.iter().map(|alert| alert.detector.as_str()).collect();
        println!("{:<55} {:<6} {fired:?}", case.name, case.detect);
        if case.detect {
            let Some((_, detectors)) = BEHAVIOURS.iter().find(|(rule, _)| *rule == case.expected)
            else {
                panic!(
                    "{}: no nhi behaviour mapped for Falco rule {:?}",
                    case.name, case.expected
                );
            };
            assert!(
                fired.iter().any(|id| detectors.contains(id)),
                "{}: expected one of {detectors:?}, got {fired:?}",
                case.name
            );
            detected += 1;
        } else {
            let unexpected: Vec<&str> = fired
                .iter()
                .copied()
                .filter(|id| !SIGMA_BEYOND_FALCO.contains(&(case.trace.as_str(), *id)))
                .collect();
            assert!(
                unexpected.is_empty(),
                "{}: expected no alert, got {unexpected:?}",
                case.name
            );
            quiet += 1;
        }
    }
    assert_eq!((detected, quiet, skipped), (42, 11, 13));
}
