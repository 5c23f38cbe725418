//! Scans the Kubernetes fixtures (`tests/fixtures/k8s/`) the way the CLI does and checks the
//! inventory they make: identities, role grants, binding and workload edges, token credentials,
//! and one clear error per bad document while the rest of each file still counts.

use nhi_model::{Edge, Fingerprinter, Inventory};
use nhi_sources::{scan_paths, ScanOptions, ScanOutcome, SourceContext};
use serde_json::json;
use std::path::PathBuf;

fn scan(path: &str) -> ScanOutcome {
    let fingerprinter = Fingerprinter::new([7; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    scan_paths(&[PathBuf::from(path)], &ScanOptions::default(), &ctx, &())
}

/// `from -[kind: method]-> to`, sorted.
fn edge_lines(inventory: &Inventory) -> Vec<String> {
    let mut lines: Vec<String> = inventory.edges.iter().map(edge_line).collect();
    lines.sort();
    lines
}

fn edge_line(edge: &Edge) -> String {
    let method = edge
        .attributes
        .get("method")
        .and_then(|m| m.as_str())
        .unwrap_or("");
    format!("{} -[{:?}: {method}]-> {}", edge.from, edge.kind, edge.to)
}

fn k8s_scan() -> ScanOutcome {
    scan("tests/fixtures/k8s")
}

#[test]
fn bindings_roles_workloads_and_cloud_identities_become_edges() {
    let outcome = k8s_scan();
    let expected = [
        "aws:role:arn:aws:iam::111122223333:role/eks-nodes -[CanAssume: aws-auth mapRoles]-> k8s:user:system:node:{{EC2PrivateDNSName}}",
        "aws:role:arn:aws:iam::111122223333:role/eks-nodes -[MemberOf: aws-auth mapRoles]-> k8s:group:system:bootstrappers",
        "aws:role:arn:aws:iam::111122223333:role/eks-nodes -[MemberOf: aws-auth mapRoles]-> k8s:group:system:nodes",
        "aws:role:arn:aws:iam::111122223333:role/platform-admin -[CanAssume: aws-auth mapRoles]-> k8s:user:platform-admin",
        "aws:role:arn:aws:iam::111122223333:role/platform-admin -[MemberOf: aws-auth mapRoles]-> k8s:group:system:masters",
        "aws:user:arn:aws:iam::111122223333:user/ci-bot -[CanAssume: aws-auth mapUsers]-> k8s:user:ci-bot",
        "aws:user:arn:aws:iam::111122223333:user/ci-bot -[MemberOf: aws-auth mapUsers]-> k8s:group:deployers",
        "k8s:cluster -[Owns: declares ClusterRole monitoring-endpoints]-> k8s:clusterrole:monitoring-endpoints",
        "k8s:cluster -[Owns: declares ClusterRole monitoring]-> k8s:clusterrole:monitoring",
        "k8s:cronjob:shop/nightly-report -[Uses: CronJob shop/nightly-report runs as this service account]-> k8s:serviceaccount:shop/default",
        "k8s:deployment:shop/api -[Uses: Deployment shop/api runs as this service account]-> k8s:serviceaccount:shop/api",
        "k8s:group:system:masters -[BoundTo: ClusterRoleBinding cluster-admin]-> k8s:clusterrole:cluster-admin",
        "k8s:group:system:serviceaccounts:monitoring -[BoundTo: ClusterRoleBinding monitoring]-> k8s:clusterrole:monitoring",
        "k8s:namespace:payments -[Owns: declares Role payments/secret-reader]-> k8s:role:payments/secret-reader",
        "k8s:pod:shop/debug -[Uses: Pod shop/debug runs as this service account]-> k8s:serviceaccount:shop/legacy-field",
        "k8s:serviceaccount:ci/deployer -[CanAssume: EKS IRSA (eks.amazonaws.com/role-arn)]-> aws:role:arn:aws:iam::111122223333:role/ci-deployer",
        "k8s:serviceaccount:ci/exporter -[CanAssume: Azure Workload Identity (azure.workload.identity/client-id)]-> azure:managedidentity:00000000-1111-2222-3333-444444444444",
        "k8s:serviceaccount:ci/exporter -[CanAssume: GKE Workload Identity (iam.gke.io/gcp-service-account)]-> gcp:serviceaccount:exporter@example-project.iam.gserviceaccount.com",
        "k8s:serviceaccount:delivery/syncer -[BoundTo: ClusterRoleBinding syncer]-> k8s:clusterrole:syncer",
        "k8s:serviceaccount:delivery/syncer -[BoundTo: RoleBinding delivery/syncer]-> k8s:role:delivery/syncer",
        "k8s:serviceaccount:monitoring/prometheus -[BoundTo: ClusterRoleBinding monitoring]-> k8s:clusterrole:monitoring",
        "k8s:serviceaccount:payments/checkout -[BoundTo: RoleBinding payments/read-stripe-key]-> k8s:role:payments/secret-reader",
        "k8s:serviceaccount:tools/builder -[BoundTo: RoleBinding tools/builder-edit]-> k8s:clusterrole:edit",
        "k8s:user:jane@example.com -[BoundTo: RoleBinding payments/read-stripe-key]-> k8s:role:payments/secret-reader",
    ];
    assert_eq!(edge_lines(&outcome.inventory), expected);
}

#[test]
fn edges_carry_what_the_analysis_needs() {
    let inventory = k8s_scan().inventory;
    let find = |from: &str, to: &str| {
        inventory
            .edges
            .iter()
            .find(|e| e.from == from && e.to == to)
            .unwrap_or_else(|| panic!("no edge {from} -> {to}"))
    };
    let api = find("k8s:deployment:shop/api", "k8s:serviceaccount:shop/api");
    assert_eq!(api.attributes["automount_token"], json!(false));
    assert_eq!(
        api.attributes["secret_env"],
        json!(["api-env", "db-credentials"])
    );
    assert_eq!(api.attributes["secret_volumes"], json!(["api-tls"]));
    assert_eq!(
        api.attributes["projected_tokens"],
        json!([{"audience": "vault", "expiration_seconds": 600, "path": "token"}])
    );
    assert_eq!(
        api.attributes["location"],
        json!({"path": "tests/fixtures/k8s/workloads.yaml", "line": 2})
    );
    let aggregate = find("k8s:cluster", "k8s:clusterrole:monitoring");
    assert_eq!(
        aggregate.attributes["aggregation_selectors"],
        json!([{"matchLabels": {"example.com/aggregate-to-monitoring": "true"}}])
    );
    let bootstrap = find("k8s:group:system:masters", "k8s:clusterrole:cluster-admin");
    assert_eq!(bootstrap.attributes["bootstrap"], json!(true));
    assert_eq!(
        bootstrap.attributes["binding"],
        json!("k8s:clusterrolebinding:cluster-admin")
    );
    // Items of a `kubectl get -o json` List keep their own lines.
    let edit = find("k8s:serviceaccount:tools/builder", "k8s:clusterrole:edit");
    assert_eq!(edit.attributes["location"]["line"], json!(27));
}

#[test]
fn role_rules_become_grants_held_by_the_role() {
    let inventory = k8s_scan().inventory;
    let grants: Vec<String> = inventory
        .grants
        .iter()
        .map(|g| {
            format!(
                "{} {} {} {}",
                g.identity,
                g.actions.join(","),
                g.resources.join(","),
                g.conditions.as_ref().unwrap()
            )
        })
        .collect();
    assert_eq!(
        grants,
        [
            r#"k8s:clusterrole:monitoring-endpoints get,list,watch endpoints,endpointslices,endpoints.discovery.k8s.io,endpointslices.discovery.k8s.io {"apiGroups":["","discovery.k8s.io"],"resources":["endpoints","endpointslices"]}"#,
            r#"k8s:clusterrole:monitoring-endpoints get /metrics {"nonResourceURLs":["/metrics"]}"#,
            r#"k8s:role:payments/secret-reader get secrets {"apiGroups":[""],"resourceNames":["stripe-key"],"resources":["secrets"]}"#,
            r#"k8s:role:payments/secret-reader patch deployments.apps/scale {"apiGroups":["apps"],"resources":["deployments/scale"]}"#,
        ]
    );
}

#[test]
fn service_accounts_are_identities_and_namespaces_are_inferred_for_install_files() {
    let inventory = k8s_scan().inventory;
    let deployer = &inventory.identities["k8s:serviceaccount:ci/deployer"];
    assert_eq!(deployer.name, "ci/deployer");
    assert_eq!(deployer.attributes["automount_token"], json!(false));
    assert_eq!(
        deployer.attributes["token_secrets"],
        json!(["deployer-token-x7k2p"])
    );
    let syncer = &inventory.identities["k8s:serviceaccount:delivery/syncer"];
    assert_eq!(syncer.attributes["namespace_inferred"], json!(true));
    let builder = &inventory.identities["k8s:serviceaccount:tools/builder"];
    assert_eq!(
        builder.created.unwrap().to_rfc3339(),
        "2024-05-06T07:08:09+00:00"
    );
    for id in [
        "k8s:user:jane@example.com",
        "k8s:group:system:serviceaccounts:monitoring",
        "k8s:serviceaccount:shop/default",
    ] {
        assert!(inventory.identities.contains_key(id), "{id}");
    }
}

#[test]
fn legacy_token_secrets_are_fingerprinted_never_stored() {
    let inventory = k8s_scan().inventory;
    let ids: Vec<&String> = inventory
        .credentials
        .keys()
        .filter(|id| id.contains("k8s-secret"))
        .collect();
    assert_eq!(
        ids,
        [
            "api-token:k8s-secret:ci/deployer-token-x7k2p",
            "api-token:k8s-secret:ci/exporter-token"
        ]
    );
    let token = &inventory.credentials["api-token:k8s-secret:ci/deployer-token-x7k2p"];
    assert_eq!(
        token.identity.as_deref(),
        Some("k8s:serviceaccount:ci/deployer")
    );
    assert_eq!(token.redacted.as_deref(), Some("eyJh**** (99 chars)"));
    assert_eq!(token.attributes["token_in_manifest"], json!(true));
    assert!(token.fingerprint.starts_with("fp1:"));
    let json = serde_json::to_string(&inventory).unwrap();
    let text =
        std::fs::read_to_string("tests/fixtures/k8s/service_accounts_and_tokens.yaml").unwrap();
    let encoded = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .unwrap();
    assert!(!json.contains(encoded), "the encoded token leaked");
    assert!(
        !json.contains("ZmFrZS1zaWduYXR1cmU"),
        "the decoded token leaked"
    );
    assert!(
        !json.contains("not-read-by-this-source"),
        "an Opaque secret value leaked"
    );
}

#[test]
fn bad_documents_give_one_error_each_and_the_rest_still_counts() {
    let outcome = scan("tests/fixtures/k8s/broken");
    let errors: Vec<String> = outcome
        .errors
        .iter()
        .map(|e| e.to_string().replace("tests/fixtures/k8s/broken/", ""))
        .collect();
    assert_eq!(
        errors,
        [
            "alias_bomb.yaml:1: document 1: repetition limit exceeded (aliases expand to too much data: an alias bomb?)",
            "helm_unrendered.yaml:8: document 2 holds unrendered Helm template syntax ({{ }}); render the chart with `helm template` and scan the output",
            "helm_unrendered.yaml:16: document 3 holds unrendered Helm template syntax ({{ }}); render the chart with `helm template` and scan the output",
            "not_objects.yaml:17: RoleBinding bad-ref: roleRef.kind must be Role or ClusterRole, not 'Group'",
            "not_objects.yaml:29: ClusterRole bad-rules: invalid type: string \"everything\", expected a sequence",
            "tabs_and_duplicates.yaml:4: document 1: found character that cannot start any token (YAML cannot indent with tabs)",
            "tabs_and_duplicates.yaml:9: document 2: metadata: duplicate entry with key \"name\"",
        ]
    );
    let ids: Vec<&String> = outcome.inventory.identities.keys().collect();
    assert_eq!(
        ids,
        [
            "k8s:serviceaccount:apps/after-the-bomb",
            "k8s:serviceaccount:apps/rendered-fine",
            "k8s:serviceaccount:apps/survivor",
        ]
    );
}
