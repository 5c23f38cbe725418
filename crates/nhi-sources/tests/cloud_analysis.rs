//! Scans the GCP and Azure parts of the demo estate (`examples/demo-estate/cloud/`) and the public
//! GCP corpus (`../shared/corpora/iam/gcp/`), analyses them, and checks that every risk the demo
//! was written to show is reported about the identities it was written for, and no others.

use nhi_analysis::{analyse, AnalysisContext, PathTarget};
use nhi_model::{Finding, Fingerprinter, Inventory, Timestamp};
use nhi_sources::{scan_paths, ScanOptions, SourceContext};
use std::path::{Path, PathBuf};

fn at(time: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(time).unwrap().to_utc()
}

fn scan(paths: &[PathBuf]) -> Inventory {
    let fingerprinter = Fingerprinter::new([7; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let outcome = scan_paths(paths, &ScanOptions::default(), &ctx, &());
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    outcome.inventory
}

fn demo(provider: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/demo-estate/cloud")
        .join(provider)
}

/// The first subject of each finding of `rule`, shortened to what follows the last `:`, sorted.
fn reported(findings: &[Finding], rule: &str) -> Vec<String> {
    let mut subjects: Vec<String> = findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.subjects[0].rsplit(':').next().unwrap().to_string())
        .collect();
    subjects.sort();
    subjects
}

const CI_KEY: &str = "7c4e9a2b1d8f3e6a5c0b9d2e4f7a1c3b5d8e0f2a";
const ROUTE_KEY: &str = "2e5b8d1f4a7c0e3b6d9f2a5c8e1b4d7f0a3c6e9b";
const LEGACY_KEY: &str = "4a6c8e0b2d4f6a8c1e3b5d7f9a0c2e4b6d8f1a3c";

#[test]
fn demo_gcp_project_shows_each_gcp_risk_for_years() {
    let inventory = scan(&[demo("gcp")]);
    for now in ["2026-12-01T00:00:00Z", "2032-06-01T00:00:00Z"] {
        let ctx = AnalysisContext::new(at(now));
        let findings = analyse(&inventory, &ctx);
        assert_eq!(
            reported(&findings, "gcp-sa-key-user-managed"),
            [ROUTE_KEY, LEGACY_KEY, CI_KEY]
        );
        assert_eq!(reported(&findings, "gcp-sa-key-no-expiry"), [CI_KEY]);
        assert_eq!(
            reported(&findings, "gcp-sa-key-unrotated"),
            [ROUTE_KEY, LEGACY_KEY, CI_KEY]
        );
        assert_eq!(
            reported(&findings, "gcp-sa-key-on-disabled-account"),
            [LEGACY_KEY]
        );
        assert_eq!(
            reported(&findings, "gcp-sa-basic-role"),
            [
                "604218337194-compute@developer.gserviceaccount.com",
                "ci-deployer@larkspur-freight-prod.iam.gserviceaccount.com",
                "larkspur-freight-prod@appspot.gserviceaccount.com",
            ]
        );
        assert_eq!(
            reported(&findings, "gcp-sa-impersonation-project-wide"),
            [
                "dispatch-devs@larkspurfreight.example",
                "route-planner@larkspur-freight-prod.iam.gserviceaccount.com"
            ]
        );
        assert_eq!(reported(&findings, "gcp-public-binding"), ["allUsers"]);
    }

    let ctx = AnalysisContext::new(at("2026-12-01T00:00:00Z"));
    let findings = analyse(&inventory, &ctx);
    let compute = findings
        .iter()
        .find(|f| f.title.contains("-compute@"))
        .unwrap();
    assert!(
        compute
            .title
            .starts_with("Compute Engine default service account"),
        "{}",
        compute.title
    );
    let group = findings
        .iter()
        .find(|f| {
            f.rule == "gcp-sa-impersonation-project-wide" && f.subjects[0].starts_with("gcp:group:")
        })
        .unwrap();
    assert_eq!(
        group.evidence["can_impersonate"].as_array().unwrap().len(),
        6,
        "{}",
        group.evidence
    );

    // The group can become the owner account: an escalation path to admin.
    let graph = ctx.graph(&inventory);
    let path = graph
        .shortest_path(
            "gcp:group:dispatch-devs@larkspurfreight.example",
            &PathTarget::Admin,
        )
        .expect("a path to an owner");
    assert_eq!(path.len(), 1);
    assert_eq!(
        path[0].to,
        "gcp:serviceaccount:ci-deployer@larkspur-freight-prod.iam.gserviceaccount.com"
    );
    let oncall = graph
        .edges()
        .iter()
        .filter(|e| e.from == "gcp:user:oncall@larkspurfreight.example");
    assert_eq!(
        oncall.count(),
        1,
        "token creator on one account reaches that account only"
    );
}

#[test]
fn demo_azure_tenant_shows_each_azure_risk_for_years() {
    let inventory = scan(&[demo("azure")]);
    for now in ["2026-12-01T00:00:00Z", "2032-06-01T00:00:00Z"] {
        let findings = analyse(&inventory, &AnalysisContext::new(at(now)));
        assert_eq!(
            reported(&findings, "azure-client-secret-long-lived"),
            [
                "3e5a7c9b-1d4f-4e6a-8b0c-0f2b4d6f8adb",
                "f1a3c5e7-9b2d-4f4a-8c6e-0b2d4f6a8c97"
            ]
        );
        assert_eq!(
            reported(&findings, "azure-credential-expired"),
            [
                "4f6b8d0a-2e5a-4f7b-9c1d-1a3c5e7b9bec",
                "5a7c9e1b-3f6b-4a8c-8d2e-2b4d6f8a0cfd"
            ]
        );
        assert_eq!(
            reported(&findings, "azure-sp-password-credential"),
            ["f1a3c5e7-9b2d-4f4a-8c6e-0b2d4f6a8c97"]
        );
        assert_eq!(
            reported(&findings, "azure-sp-privileged-role"),
            [
                "2b8d4f0c-6e3a-4c9b-8d7f-3a5c7e9b1d2f",
                "3c9e5a1d-7f4b-4dac-9e8a-4b6d8f0a2c3e",
                "b5d7f9a1-3c2e-4a4b-9d6f-8c0e2a4b6d85",
            ]
        );
        assert_eq!(
            reported(&findings, "azure-foreign-app-privileged-role"),
            ["3c9e5a1d-7f4b-4dac-9e8a-4b6d8f0a2c3e"]
        );
    }
    let findings = analyse(
        &inventory,
        &AnalysisContext::new(at("2026-12-01T00:00:00Z")),
    );
    let vendor = findings
        .iter()
        .find(|f| f.rule == "azure-foreign-app-privileged-role")
        .unwrap();
    assert!(
        vendor
            .title
            .starts_with("RouteWise Analytics, an application of tenant 8d4b2f6a"),
        "{}",
        vendor.title
    );
    assert_eq!(
        vendor.location.as_ref().unwrap().account.as_deref(),
        Some("5c9e3a7b-1d4f-4b6a-8e2c-7a9b1c3d5e6f")
    );
}

/// The public corpus, or `None` (with a note) when this checkout has no `../shared` beside it.
fn corpus(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/iam/gcp")
        .join(file);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: corpus file {} is absent", path.display());
        None
    }
}

#[test]
fn corpus_policy_reports_the_default_accounts_with_editor() {
    let Some(policy) = corpus("gcp-scanner-get-iam-policy.json") else {
        return;
    };
    let inventory = scan(&[policy]);
    let findings = analyse(
        &inventory,
        &AnalysisContext::new(at("2026-12-01T00:00:00Z")),
    );
    assert_eq!(
        reported(&findings, "gcp-sa-basic-role"),
        [
            "413204024550-compute@developer.gserviceaccount.com",
            "test-gcp-scanner@appspot.gserviceaccount.com"
        ],
        "the Google APIs service agent (cloudservices) holds editor by design and is left out"
    );
    let grant = inventory
        .grants
        .iter()
        .find(|g| g.actions == ["roles/editor"])
        .unwrap();
    assert_eq!(
        grant.resources,
        ["projects/test-gcp-scanner"],
        "the project is told by its own accounts"
    );
    assert!(reported(&findings, "gcp-public-binding").is_empty());
    assert!(reported(&findings, "gcp-sa-impersonation-project-wide").is_empty());
}

#[test]
fn corpus_key_listing_reports_its_enabled_user_managed_keys() {
    let Some(keys) = corpus("sa-keys-list-sample.json") else {
        return;
    };
    let inventory = scan(&[keys]);
    assert_eq!(inventory.credentials.len(), 3);
    let findings = analyse(
        &inventory,
        &AnalysisContext::new(at("2026-12-01T00:00:00Z")),
    );
    let enabled = [
        "90c48f61c65cd56224a12ab18e6ee9ca9c3aee7c",
        "e5e3800831ac1adc8a5849da7d827b4724b1fce8",
    ];
    assert_eq!(reported(&findings, "gcp-sa-key-no-expiry"), enabled);
    assert_eq!(reported(&findings, "gcp-sa-key-unrotated"), enabled);
    let exposed = &inventory.credentials["gcp-sa-key:b97699f042b8eee6a846f4f96259fbcd13e2682e"];
    assert_eq!(
        exposed.attributes["disable_reason"],
        "SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED"
    );
}
