//! The Kubernetes corpus (`../shared/corpora/k8s`: argo-cd, ingress-nginx, kube-prometheus and
//! kubernetes-dashboard manifests, and rbac-tool's who-can test data), read the way a scan reads
//! it, and what nhi must conclude on each. Skipped with a message when the corpus is absent.

use nhi_analysis::k8s::{Cluster, Permit};
use nhi_analysis::{analyse, examples_now, AnalysisContext};
use nhi_model::{Edge, EdgeKind, Finding, Fingerprinter, Inventory};
use nhi_sources::{scan_paths, ScanOptions, SourceContext};
use std::path::Path;

/// The inventory of one corpus file, or `None` (with a message) when the corpus is absent. The
/// corpus must read without errors.
fn load(name: &str) -> Option<Inventory> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/k8s");
    if !dir.is_dir() {
        eprintln!("skipped: the Kubernetes corpus is not at {}", dir.display());
        return None;
    }
    let fingerprinter = Fingerprinter::new([1; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let outcome = scan_paths(&[dir.join(name)], &ScanOptions::default(), &ctx, &());
    assert!(outcome.errors.is_empty(), "{name}: {:?}", outcome.errors);
    Some(outcome.inventory)
}

fn findings(inventory: &Inventory) -> Vec<Finding> {
    analyse(inventory, &AnalysisContext::new(examples_now()))
}

/// `rule subject` for every Kubernetes finding.
fn rule_subjects(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule.starts_with("k8s-"))
        .map(|f| format!("{} {}", f.rule, f.subjects[0]))
        .collect()
}

fn has(findings: &[String], rule: &str, subject: &str) -> bool {
    findings.iter().any(|f| f == &format!("{rule} {subject}"))
}

#[test]
fn argo_cd_application_controller_is_cluster_admin_equivalent() {
    let Some(inventory) = load("argo-cd_manifests_install.yaml") else {
        return;
    };
    let controller = "k8s:serviceaccount:argocd/argocd-application-controller";
    let all = findings(&inventory);
    let found = rule_subjects(&all);
    assert!(
        has(&found, "k8s-cluster-admin-binding", controller),
        "{found:#?}"
    );
    let admin = all
        .iter()
        .find(|f| f.rule == "k8s-cluster-admin-binding")
        .unwrap();
    assert!(admin.evidence["cluster_admin_equivalent"]
        .as_str()
        .unwrap()
        .contains("ClusterRoleBinding argocd-application-controller"));
    // The manifest is written for `kubectl apply -n argocd`: its namespace is inferred.
    assert!(inventory.identities[controller]
        .attributes
        .contains_key("location"));
    // The server's `patch` on everything reaches the controller's pods: a path, not a mark.
    let server = "k8s:serviceaccount:argocd/argocd-server";
    assert!(has(&found, "k8s-create-pods-token-theft", server));
}

#[test]
fn ingress_nginx_reads_secrets_cluster_wide() {
    let Some(inventory) = load("ingress-nginx_deploy_static_provider_cloud_deploy.yaml") else {
        return;
    };
    let found = rule_subjects(&findings(&inventory));
    let controller = "k8s:serviceaccount:ingress-nginx/ingress-nginx";
    assert!(
        has(&found, "k8s-read-secrets-cluster", controller),
        "{found:#?}"
    );
    assert!(!found
        .iter()
        .any(|f| f.starts_with("k8s-cluster-admin-binding")));
    let cluster = Cluster::from_inventory(&inventory);
    let listers = rows(
        &cluster.who_can("list", "secrets", None, None),
        "ingress-nginx",
    );
    assert_eq!(
        listers,
        vec![("ServiceAccount", "ingress-nginx", "ingress-nginx")]
    );
}

#[test]
fn kube_prometheus_metrics_wildcard_is_neither_secrets_nor_cluster_admin() {
    let Some(mut inventory) = load("kube-prometheus_manifests_rbac_concat.yaml") else {
        return;
    };
    // The manifests leave `resource-metrics-server-resources` (`*` on `*` inside metrics.k8s.io)
    // unbound: bind it cluster-wide to a probe account, as the metrics server's install does.
    let probe = "k8s:serviceaccount:kube-system/metrics-probe";
    let mut binding = Edge {
        from: probe.to_string(),
        to: "k8s:clusterrole:resource-metrics-server-resources".to_string(),
        kind: EdgeKind::BoundTo,
        attributes: Default::default(),
    };
    binding.attributes.insert(
        "binding".into(),
        "k8s:clusterrolebinding:metrics-probe".into(),
    );
    inventory.edges.push(binding);

    let all = findings(&inventory);
    let found = rule_subjects(&all);
    assert!(!found.iter().any(|f| f.ends_with(probe)), "{found:#?}");
    assert!(
        !found
            .iter()
            .any(|f| f.starts_with("k8s-cluster-admin-binding")),
        "{found:#?}"
    );
    let cluster = Cluster::from_inventory(&inventory);
    assert_eq!(
        rows(
            &cluster.who_can("get", "pods.metrics.k8s.io", None, Some("p")),
            "metrics-probe"
        )
        .len(),
        1
    );
    assert!(rows(
        &cluster.who_can("get", "secrets", None, Some("s")),
        "metrics-probe"
    )
    .is_empty());
    // Its aggregated metrics reader extends the built-in view role, as the labels ask.
    let view = cluster.role("k8s:clusterrole:view").unwrap();
    assert!(view
        .rules
        .iter()
        .any(|r| r.api_groups == ["metrics.k8s.io"]));
}

#[test]
fn dashboard_secret_access_is_limited_by_resource_names() {
    let Some(inventory) = load("kubernetes-dashboard_aio_deploy_recommended_v2.0.4.yaml") else {
        return;
    };
    let all = findings(&inventory);
    let dashboard = "k8s:serviceaccount:kubernetes-dashboard/kubernetes-dashboard";
    let found = rule_subjects(&all);
    assert!(
        has(&found, "k8s-read-secrets-named", dashboard),
        "{found:#?}"
    );
    assert!(!found
        .iter()
        .any(|f| f.starts_with("k8s-read-secrets-cluster")
            || f.starts_with("k8s-read-secrets-namespace")));
    let named = all
        .iter()
        .find(|f| f.rule == "k8s-read-secrets-named")
        .unwrap();
    for secret in [
        "kubernetes-dashboard-key-holder",
        "kubernetes-dashboard-certs",
        "kubernetes-dashboard-csrf",
    ] {
        assert!(named.title.contains(secret), "{}", named.title);
    }
    let cluster = Cluster::from_inventory(&inventory);
    assert!(rows(&cluster.who_can("get", "secrets", None, None), "dashboard").is_empty());
    assert_eq!(
        rows(
            &cluster.who_can("get", "secrets", None, Some("kubernetes-dashboard-csrf")),
            "dashboard"
        )
        .len(),
        1
    );
}

/// rbac-tool's table rows `(TYPE, SUBJECT, NAMESPACE)` for permits whose subject name contains
/// `grep` (the tests' `| grep`), sorted as rbac-tool sorts them.
fn rows<'a>(permits: &[Permit<'a>], grep: &str) -> Vec<(&'static str, &'a str, &'a str)> {
    let mut rows: Vec<_> = permits
        .iter()
        .filter(|p| p.subject.name.contains(grep))
        .map(|p| {
            (
                p.subject.kind_name(),
                p.subject.name.as_str(),
                p.subject.namespace.as_deref().unwrap_or(""),
            )
        })
        .collect();
    rows.sort();
    rows.dedup();
    rows
}

fn rbac_tool(file: &str) -> Option<Cluster> {
    load(&format!("rbac-tool_testdata_{file}.yaml"))
        .map(|inventory| Cluster::from_inventory(&inventory))
}

#[test]
fn rbac_tool_who_can_clusterrole_aggregate() {
    let Some(cluster) = rbac_tool("whocan_clusterrole-aggregate") else {
        return;
    };
    let expected = vec![
        ("Group", "test-aggregate-group", ""),
        ("ServiceAccount", "test-aggregate-sa", "test"),
        ("User", "test-aggregate-user", ""),
    ];
    assert_eq!(
        rows(&cluster.who_can("get", "pod", None, None), "test-aggregate"),
        expected
    );
    assert_eq!(
        rows(
            &cluster.who_can("create", "pod", None, None),
            "test-aggregate"
        ),
        expected
    );
}

/// The header runs `who-can get gateways`, but the role grants only create, update, delete and
/// patch: Kubernetes (and rbac-tool's own verb match) deny `get`, so the stated rows are the
/// answer for the verbs the role holds.
#[test]
fn rbac_tool_who_can_gateway_api_operator() {
    let Some(cluster) = rbac_tool("whocan_gatewat-api-operator") else {
        return;
    };
    let expected = vec![
        ("ServiceAccount", "gateway-network-operator-sa", "test"),
        ("User", "gateway-network-operator-user", ""),
    ];
    for verb in ["create", "update", "delete", "patch"] {
        assert_eq!(
            rows(
                &cluster.who_can(verb, "gateways", None, None),
                "gateway-network-operator"
            ),
            expected,
            "{verb}"
        );
    }
    assert!(rows(
        &cluster.who_can("get", "gateways", None, None),
        "gateway-network-operator"
    )
    .is_empty());
}

#[test]
fn rbac_tool_who_can_impersonator() {
    let Some(cluster) = rbac_tool("whocan_impersonator") else {
        return;
    };
    let permits = cluster.who_can("impersonate", "serviceaccounts", None, None);
    assert_eq!(
        rows(&permits, "impersonator"),
        vec![("User", "test-impersonator-user", "")]
    );
    assert!(permits
        .iter()
        .filter(|p| p.subject.name.contains("impersonator"))
        .all(|p| p.effective));
}

/// rbac-tool lists the user, but its RoleBinding cannot grant a non-resource URL: Kubernetes
/// consults RoleBindings only for namespaced requests, so that permit is marked not effective.
#[test]
fn rbac_tool_who_can_nonresourceurl_reader() {
    let Some(cluster) = rbac_tool("whocan_nonresourceurl-reader") else {
        return;
    };
    let permits = cluster.who_can("get", "/test-reader", None, None);
    assert_eq!(
        rows(&permits, ""),
        vec![
            ("Group", "system:masters", ""),
            ("User", "test-nonresourceurl-reader", "")
        ]
    );
    let reader = permits
        .iter()
        .find(|p| p.subject.name == "test-nonresourceurl-reader")
        .unwrap();
    assert!(!reader.effective);
    let effective: Vec<_> = permits.into_iter().filter(|p| p.effective).collect();
    assert_eq!(rows(&effective, ""), vec![("Group", "system:masters", "")]);
}

#[test]
fn rbac_tool_who_can_pod_creator() {
    let Some(cluster) = rbac_tool("whocan_pod-creator") else {
        return;
    };
    assert_eq!(
        rows(
            &cluster.who_can("create", "pods", None, None),
            "pod-creator"
        ),
        vec![
            ("Group", "test-pod-creator-group", ""),
            ("ServiceAccount", "test-pod-creator-sa", "test"),
            ("User", "test-pod-creator-user", ""),
        ]
    );
}

#[test]
fn rbac_tool_who_can_secret_reader() {
    let Some(cluster) = rbac_tool("whocan_secret-reader") else {
        return;
    };
    assert_eq!(
        rows(
            &cluster.who_can("get", "secrets", None, None),
            "test-secret-reader"
        ),
        vec![
            ("ServiceAccount", "test-secret-reader-sa", "test"),
            ("User", "test-secret-reader", "")
        ]
    );
}

#[test]
fn rbac_tool_who_can_specific_resource_reader() {
    let Some(cluster) = rbac_tool("whocan_specific-resource-reader") else {
        return;
    };
    let expected = vec![
        ("ServiceAccount", "test-specific-secret-reader-sa", "test"),
        ("User", "test-specific-secret-reader", ""),
    ];
    let named = cluster.who_can("get", "secrets", None, Some("some-secret"));
    assert_eq!(rows(&named, "test-specific-secret-reader"), expected);
    assert!(rows(
        &cluster.who_can("get", "secrets", None, Some("other")),
        "test-specific-secret-reader"
    )
    .is_empty());
}

#[test]
fn rbac_tool_policy_rules_multiple_role_bindings() {
    let Some(cluster) = rbac_tool("policyrules_multiple-role-bindings") else {
        return;
    };
    let mut rows: Vec<(String, String, String, String)> = Vec::new();
    for bound in cluster.rules_for("k8s:serviceaccount:policyrules/the-test-user") {
        for verb in &bound.rule.verbs {
            for resource in &bound.rule.resources {
                rows.push((
                    verb.clone(),
                    resource.clone(),
                    bound.rule.resource_names.join(","),
                    bound.role.name.clone(),
                ));
            }
        }
    }
    rows.sort();
    let expected = [
        ("get", "*", "", "more-rules"),
        ("get", "*", "", "some-rules"),
        ("get", "secrets", "", "more-rules"),
        ("get", "secrets", "some-secret", "some-rules"),
        ("list", "secrets", "some-secret", "some-rules"),
        ("watch", "secrets", "some-secret", "some-rules"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(rows, expected);
}
