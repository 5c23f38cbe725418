//! Larkspur Freight's demo cluster (`examples/demo-estate/k8s`) shows every Kubernetes rule: this
//! scans it the way `nhi scan` does and checks each rule fires on the subject the demo means.

use nhi_analysis::{analyse, catalog, examples_now, AnalysisContext};
use nhi_model::{Finding, Fingerprinter};
use nhi_sources::{scan_paths, ScanOptions, SourceContext};
use std::path::Path;

fn demo_findings() -> Vec<Finding> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-estate/k8s");
    let fingerprinter = Fingerprinter::new([2; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let outcome = scan_paths(&[dir], &ScanOptions::default(), &ctx, &());
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    analyse(&outcome.inventory, &AnalysisContext::new(examples_now()))
}

/// `rule subject` for every Kubernetes finding.
fn rule_subjects(findings: &[Finding]) -> Vec<String> {
    let mut lines: Vec<String> = findings
        .iter()
        .filter(|f| f.rule.starts_with("k8s-"))
        .map(|f| format!("{} {}", f.rule, f.subjects[0]))
        .collect();
    lines.sort();
    lines
}

#[test]
fn every_kubernetes_rule_fires_on_the_subject_the_demo_means() {
    let findings = demo_findings();
    let expected = [
        "k8s-all-authenticated-access k8s:group:system:authenticated",
        "k8s-anonymous-access k8s:group:system:unauthenticated",
        "k8s-approve-csr k8s:serviceaccount:platform/cert-approver",
        "k8s-automount-token-unneeded k8s:serviceaccount:warehouse/label-printer",
        "k8s-bind-or-escalate k8s:serviceaccount:platform/rbac-manager",
        "k8s-binding-to-missing-role k8s:user:archive-bot@larkspur.example",
        "k8s-cluster-admin-binding k8s:serviceaccount:kube-system/etcd-backup",
        "k8s-cluster-admin-binding k8s:serviceaccount:platform/ci-deployer",
        "k8s-create-pods-token-theft k8s:serviceaccount:billing/manifest-exporter",
        "k8s-create-pods-token-theft k8s:serviceaccount:dispatch/route-planner",
        "k8s-create-serviceaccount-token k8s:serviceaccount:billing/manifest-exporter",
        "k8s-create-serviceaccount-token k8s:serviceaccount:warehouse/barcode-scanner",
        "k8s-default-serviceaccount-privileged k8s:serviceaccount:dispatch/default",
        "k8s-exec-into-pods k8s:group:larkspur:warehouse-oncall",
        "k8s-exec-into-pods k8s:serviceaccount:billing/manifest-exporter",
        "k8s-impersonate k8s:serviceaccount:billing/manifest-exporter",
        "k8s-impersonate k8s:serviceaccount:platform/support-proxy",
        "k8s-legacy-serviceaccount-token api-token:k8s-secret:billing/manifest-exporter-token-q8z4d",
        "k8s-modify-admission-webhooks k8s:serviceaccount:platform/sidecar-injector",
        "k8s-modify-aws-auth k8s:serviceaccount:kube-system/autoscaler-operator",
        "k8s-nodes-proxy k8s:serviceaccount:platform/node-agent",
        "k8s-read-secrets-cluster k8s:serviceaccount:dispatch/shipment-tracker",
        "k8s-read-secrets-named k8s:serviceaccount:billing/invoicer",
        "k8s-read-secrets-namespace k8s:serviceaccount:billing/manifest-exporter",
    ];
    assert_eq!(rule_subjects(&findings), expected);
    let k8s_rules: Vec<String> = catalog()
        .into_iter()
        .map(|m| m.id.into_owned())
        .filter(|id| id.starts_with("k8s-"))
        .collect();
    for rule in &k8s_rules {
        assert!(
            expected
                .iter()
                .any(|line| line.starts_with(&format!("{rule} "))),
            "{rule} does not fire on the demo"
        );
    }
}

#[test]
fn the_route_planner_can_escalate_to_cluster_admin_through_kube_system() {
    let findings = demo_findings();
    let planner = findings
        .iter()
        .find(|f| {
            f.rule == "k8s-create-pods-token-theft"
                && f.subjects[0] == "k8s:serviceaccount:dispatch/route-planner"
        })
        .unwrap();
    let path: Vec<&str> = planner.evidence["escalation_path"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(path.len(), 2, "{path:?}");
    assert!(
        path[0].contains("create jobs.batch") && path[0].ends_with("-> k8s:namespace:kube-system")
    );
    assert!(path[1].starts_with("k8s:namespace:kube-system -[can-impersonate"));
}
