//! End to end on the bundled demo estate: what a user sees on day one must be true.

mod common;

use common::*;

const AS_OF: &str = "2026-12-01T00:00:00Z";

fn scan_demo(dir: &std::path::Path, format: &str) -> std::process::Output {
    let estate = demo_estate();
    nhi(
        dir,
        &[
            "scan",
            estate.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--format",
            format,
        ],
    )
}

fn findings_with<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn paths_of(findings: &[&serde_json::Value]) -> Vec<String> {
    let mut paths: Vec<String> = findings
        .iter()
        .filter_map(|f| f["location"]["path"].as_str())
        .map(|p| p.rsplit("demo-estate/").next().unwrap().to_string())
        .collect();
    paths.sort();
    paths
}

#[test]
fn demo_estate_findings_are_true_for_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let output = scan_demo(dir.path(), "json");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);

    let expired = findings_with(&report, "x509-certificate-expired");
    assert_eq!(paths_of(&expired), ["pki/legacy-billing/billing.pem"]);
    let weak_sig = findings_with(&report, "x509-weak-signature");
    assert_eq!(paths_of(&weak_sig), ["pki/legacy-billing/billing.pem"]);
    let weak_keys = findings_with(&report, "crypto-weak-key");
    assert_eq!(weak_keys.len(), 2, "the 1024-bit certificate and its key");
    let long = paths_of(&findings_with(&report, "x509-certificate-long-validity"));
    assert!(
        long.contains(&"pki/api-gateway/tls.crt".to_string()),
        "{long:?}"
    );
    assert!(
        !long.iter().any(|p| p.starts_with("pki/ca/")),
        "a root CA is exempt: {long:?}"
    );
    assert!(
        !long.iter().any(|p| p.starts_with("pki/partner-sftp/")),
        "391 days is fine: {long:?}"
    );

    let beside = paths_of(&findings_with(&report, "private-key-beside-certificate"));
    assert!(
        beside.iter().any(|p| p.starts_with("pki/api-gateway/")),
        "{beside:?}"
    );
    assert!(
        beside.iter().any(|p| p.starts_with("pki/legacy-billing/")),
        "{beside:?}"
    );
    // An encrypted PKCS#8 key does not reveal its public half, so it cannot be matched.
    assert!(
        !beside.iter().any(|p| p.starts_with("pki/partner-sftp/")),
        "{beside:?}"
    );

    let unencrypted = paths_of(&findings_with(&report, "private-key-unencrypted"));
    assert_eq!(
        unencrypted,
        [
            "ci/runner/deploy_key",
            "keys/deploy/id_ed25519",
            "pki/api-gateway/tls.key",
            "pki/legacy-billing/billing.pem"
        ]
    );
    assert_eq!(
        findings_with(&report, "key-material-reused").len(),
        1,
        "the deploy key in two places"
    );
    let unrestricted = paths_of(&findings_with(&report, "ssh-authorized-key-unrestricted"));
    assert_eq!(unrestricted, ["home/deploy/.ssh/authorized_keys"]);

    // Nothing about the healthy parts of the estate.
    let all = serde_json::to_string(&report["findings"]).unwrap();
    for healthy in [
        "keys/ops/id_rsa",
        "home/alice",
        "home/backup",
        "expiring-soon",
    ] {
        assert!(!all.contains(healthy), "unexpected finding about {healthy}");
    }
    // Every finding carries the contract's fields.
    for finding in report["findings"].as_array().unwrap() {
        for field in [
            "id",
            "rule",
            "severity",
            "owasp",
            "title",
            "subjects",
            "remediation",
        ] {
            assert!(
                !finding[field].is_null(),
                "finding without {field}: {finding}"
            );
        }
        assert_eq!(finding["status"], "open");
    }
    // Identities and credentials carry fingerprints, never key material.
    assert!(report["identities"].as_array().unwrap().len() >= 6);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains("PRIVATE KEY-----\nMI"),
        "no key material in the report"
    );
    assert!(
        !text.contains("b3BlbnNzaC1rZXktdjE"),
        "no OpenSSH key body in the report"
    );
}

#[test]
fn every_format_renders_the_demo_estate() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["table", "jsonl", "csv", "sarif", "html"] {
        let output = scan_demo(dir.path(), format);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.stdout.is_empty(), "{format} printed nothing");
    }
    let sarif = json(&scan_demo(dir.path(), "sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn rules_lists_every_rule_with_its_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let output = nhi(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let rules = json(&output);
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for id in [
        "x509-certificate-expired",
        "x509-certificate-expiring-soon",
        "x509-certificate-long-validity",
        "crypto-weak-key",
        "x509-weak-signature",
        "private-key-unencrypted",
        "private-key-beside-certificate",
        "ssh-authorized-key-unrestricted",
        "key-material-reused",
        // A behavioural detector of `nhi hunt`.
        "aws-cloudtrail-tampering",
    ] {
        assert!(ids.contains(&id), "nhi rules lacks {id}: {ids:?}");
    }
    for rule in rules.as_array().unwrap() {
        // Informational change tracking of `nhi hunt` (a ConfigMap created) is the one kind of
        // rule that maps to no OWASP NHI risk.
        let tracking = rule["kind"] == "detector" && rule["severity"] == "info";
        assert!(
            tracking || !rule["owasp"].as_array().unwrap().is_empty(),
            "{rule}"
        );
        assert!(rule["severity"].is_string() && rule["description"].is_string());
    }
    let table = nhi(dir.path(), &["rules"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("NHI"));
}

#[test]
fn demo_cloud_account_risks_and_the_path_from_a_workflow_to_admin() {
    let dir = tempfile::tempdir().unwrap();
    let report = json(&scan_demo(dir.path(), "json"));
    let rules = rules_of(&report);
    for rule in [
        "aws-root-access-key",
        "aws-access-key-not-rotated",
        "aws-access-key-unused",
        "aws-user-two-active-keys",
        "aws-machine-user-console-password",
        "aws-privilege-escalation",
        "aws-admin-equivalent",
        "aws-role-trusts-anyone",
        "aws-role-external-account-without-external-id",
        "aws-role-web-identity-without-subject",
        "github-oidc-trust-broader-than-use",
        "gcp-sa-basic-role",
        "azure-client-secret-long-lived",
    ] {
        assert!(rules.contains(&rule.to_string()), "demo lacks {rule}");
    }
    // dana.ops is a person with MFA: never reported as a machine identity.
    let all = serde_json::to_string(&report["findings"]).unwrap();
    assert!(
        !all.contains("user dana.ops"),
        "a human with MFA is not an NHI finding"
    );

    let paths = json(&nhi(
        dir.path(),
        &[
            "paths",
            "--from",
            "github:workflow:shipment-api/.github/workflows/deploy.yml",
            "--format",
            "json",
        ],
    ));
    let path = &paths.as_array().unwrap()[0];
    assert_eq!(
        path["to"],
        "aws:role:arn:aws:iam::418272791100:role/admin-automation"
    );
    let methods: Vec<&str> = path["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["attributes"]["method"].as_str().unwrap())
        .collect();
    assert!(
        methods
            .iter()
            .any(|m| m.contains("iam:PassRole + lambda:CreateFunction")),
        "{methods:?}"
    );
    let by_arn = nhi(
        dir.path(),
        &[
            "paths",
            "--to",
            "arn:aws:iam::418272791100:role/admin-automation",
        ],
    );
    assert!(String::from_utf8_lossy(&by_arn.stdout).contains("shipment-deploy"));
}
