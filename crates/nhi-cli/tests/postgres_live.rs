//! `nhi scan postgres://...` against a live, throwaway PostgreSQL: every database rule fires where
//! it should and nowhere else, and a role without catalog privileges still gets a partial inventory.

mod common;
#[path = "common/pg_cluster.rs"]
mod pg_cluster;

use common::*;
use pg_cluster::PgCluster;

const HBA: &str = "\
local   all   all                         trust
host    all   legacy_etl   0.0.0.0/0      trust
host    all   all          10.0.0.0/8     password
host    all   all          0.0.0.0/0      scram-sha-256
";

const SETUP: &str = "
CREATE ROLE billing_app LOGIN SUPERUSER PASSWORD 'billing-demo-only';
CREATE ROLE reporting LOGIN PASSWORD 'reporting-demo-only' VALID UNTIL '2099-01-01';
CREATE ROLE legacy_etl LOGIN;
CREATE ROLE shared_app LOGIN PASSWORD 'shared-demo-only' VALID UNTIL '2099-01-01';
CREATE ROLE idle_svc LOGIN PASSWORD 'idle-demo-only' VALID UNTIL '2099-01-01';
CREATE ROLE \"alice.smith\" LOGIN SUPERUSER;
CREATE ROLE readers NOLOGIN;
GRANT readers TO reporting;
CREATE TABLE invoices (id int);
GRANT SELECT ON invoices TO readers;
GRANT SELECT, INSERT ON invoices TO shared_app;
";

fn findings_for(report: &serde_json::Value, rule: &str) -> Vec<String> {
    let mut roles: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["evidence"]["role"].as_str().unwrap_or("?").to_string())
        .collect();
    roles.sort();
    roles
}

#[test]
fn every_database_rule_on_a_live_server() {
    let Some(cluster) = PgCluster::start(HBA) else {
        return;
    };
    cluster.admin().batch_execute(SETUP).unwrap();
    // Two applications share one role; they stay connected while nhi scans.
    let _billing_api = cluster.client("shared_app", "billing-api");
    let _invoice_worker = cluster.client("shared_app", "invoice-worker");
    let _billing = cluster.client("billing_app", "billing-api");

    let dir = tempfile::tempdir().unwrap();
    let dsn = cluster.dsn("postgres");
    let output = nhi(dir.path(), &["scan", &dsn, "--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);

    let roles: Vec<&str> = report["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    for role in [
        "billing_app",
        "reporting",
        "legacy_etl",
        "shared_app",
        "idle_svc",
        "readers",
    ] {
        assert!(roles.contains(&role), "{role} not inventoried: {roles:?}");
    }
    assert_eq!(
        findings_for(&report, "postgres-service-role-superuser"),
        ["billing_app"]
    );
    assert_eq!(
        findings_for(&report, "postgres-password-never-expires"),
        ["billing_app"]
    );
    assert_eq!(
        findings_for(&report, "postgres-role-shared-by-applications"),
        ["shared_app"]
    );
    // local trust covers every login role; the host line makes legacy_etl's critical.
    let trust: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "postgres-trust-authentication")
        .collect();
    let legacy = trust
        .iter()
        .find(|f| f["evidence"]["role"] == "legacy_etl")
        .expect("legacy_etl trusted");
    assert_eq!(legacy["severity"], "critical");
    assert!(trust
        .iter()
        .filter(|f| f["evidence"]["role"] != "legacy_etl")
        .all(|f| f["severity"] == "high"));
    assert!(!findings_for(&report, "postgres-cleartext-password-auth").is_empty());
    assert!(
        findings_for(&report, "postgres-role-unused").is_empty(),
        "nothing is unused on first sight"
    );

    // Passwords: fingerprinted, never stored or printed.
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains("demo-only") && !text.contains("SCRAM-SHA-256$4096"),
        "no password material"
    );
    let password = report["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"].as_str().unwrap().ends_with("/billing_app"))
        .expect("billing_app's password is a credential");
    assert_eq!(password["kind"], "password");
    assert!(password["fingerprint"]
        .as_str()
        .unwrap()
        .starts_with("fp1:"));

    // Sixty days on, idle_svc has still never been seen connected: unused. shared_app was seen.
    drop((_billing_api, _invoice_worker, _billing));
    let later = (chrono::Utc::now() + chrono::Duration::days(60)).to_rfc3339();
    let output = nhi(
        dir.path(),
        &["scan", &dsn, "--format", "json", "--as-of", &later],
    );
    let report = json(&output);
    let unused = findings_for(&report, "postgres-role-unused");
    assert!(unused.contains(&"idle_svc".to_string()), "{unused:?}");
    assert!(
        !unused.contains(&"shared_app".to_string()) && !unused.contains(&"billing_app".to_string())
    );
}

#[test]
fn a_role_without_catalog_privileges_gets_a_partial_inventory() {
    let Some(cluster) = PgCluster::start(HBA) else {
        return;
    };
    cluster
        .admin()
        .batch_execute(
            "CREATE ROLE auditor LOGIN; CREATE ROLE app_svc LOGIN PASSWORD 'x-demo-only';",
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = nhi(
        dir.path(),
        &[
            "scan",
            &cluster.dsn("auditor"),
            "--format",
            "json",
            "--no-store",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "partial: {stderr}");
    assert!(
        stderr.contains("pg_authid"),
        "names the catalog it could not read: {stderr}"
    );
    let report = json(&output);
    assert!(report["identities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["name"] == "app_svc"));
}

#[test]
fn a_refused_connection_is_one_clear_error_and_hides_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let output = nhi(
        dir.path(),
        &[
            "scan",
            "postgres://app:hunter2@/postgres?host=/nonexistent-socket-dir&port=1",
            "--no-store",
            "--format",
            "json",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(
        !stderr.contains("hunter2") && !String::from_utf8_lossy(&output.stdout).contains("hunter2")
    );
    assert_eq!(json(&output)["identities"].as_array().unwrap().len(), 0);
}
