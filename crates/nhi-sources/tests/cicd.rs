//! Scans the CI/CD fixtures (`tests/fixtures/cicd/`, see its README) and the demo estate's
//! repositories the way the CLI does, runs the analysis, and pins every CI/CD rule's findings:
//! which file, which line, and what the title says.

use nhi_analysis::{analyse, examples_now, AnalysisContext};
use nhi_model::{EdgeKind, Finding, Fingerprinter, Inventory};
use nhi_sources::{scan_paths, ScanOptions, ScanOutcome, SourceContext};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scan(paths: &[PathBuf]) -> ScanOutcome {
    let fingerprinter = Fingerprinter::new([7; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    scan_paths(paths, &ScanOptions::default(), &ctx, &())
}

/// The CI/CD findings as `rule | file:line` (the file relative to `base`; the account for
/// findings about a cloud role), sorted.
fn ci_findings(findings: &[Finding], base: &Path) -> Vec<String> {
    let base = format!("{}/", base.display());
    let mut lines: Vec<String> = findings
        .iter()
        .filter(|f| {
            ["github-", "gitlab-", "cicd-"]
                .iter()
                .any(|p| f.rule.starts_with(p))
        })
        .map(|f| {
            let location = f
                .location
                .as_ref()
                .map(|l| l.display().replace(&base, ""))
                .unwrap_or_default();
            format!("{} | {location}", f.rule)
        })
        .collect();
    lines.sort();
    lines
}

fn title_of<'a>(findings: &'a [Finding], rule: &str, path_part: &str) -> &'a str {
    findings
        .iter()
        .find(|f| {
            f.rule == rule
                && f.location
                    .as_ref()
                    .is_some_and(|l| l.display().contains(path_part))
        })
        .map(|f| f.title.as_str())
        .unwrap_or_else(|| panic!("no {rule} finding in {path_part}"))
}

fn analysed(inventory: &Inventory) -> Vec<Finding> {
    analyse(inventory, &AnalysisContext::new(examples_now()))
}

#[test]
fn fixtures_pin_every_ci_rule() {
    let base = root().join("tests/fixtures/cicd");
    let outcome = scan(&[
        base.join("shipment-api"),
        base.join("dispatch-portal"),
        base.join("aws"),
    ]);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let findings = analysed(&outcome.inventory);
    assert_eq!(
        ci_findings(&findings, &base),
        [
            "cicd-long-lived-cloud-key | dispatch-portal/.gitlab-ci.yml:24",
            "cicd-long-lived-cloud-key | shipment-api/.github/workflows/release.yml:12",
            "github-action-not-pinned | shipment-api/.github/actions/setup/action.yml:7",
            "github-action-not-pinned | shipment-api/.github/workflows/release.yml:12",
            "github-first-party-action-not-pinned | shipment-api/.github/workflows/pr-preview.yml:14",
            "github-id-token-untrusted-trigger | shipment-api/.github/workflows/pr-preview.yml:11",
            "github-id-token-unused | shipment-api/.github/workflows/deploy.yml:10",
            "github-id-token-unused | shipment-api/.github/workflows/pr-preview.yml:11",
            "github-oidc-trust-broader-than-use | 418272791100",
            "github-oidc-trust-rejects-workflow | shipment-api/.github/workflows/nightly-report.yml:13",
            "github-untrusted-checkout-privileged | shipment-api/.github/workflows/pr-preview.yml:14",
            "github-workflow-permissions-default | shipment-api/.github/workflows/ci.yml:5",
            "github-workflow-permissions-write-all | shipment-api/.github/workflows/release.yml:8",
            "gitlab-deploy-unprotected-cloud-keys | dispatch-portal/.gitlab-ci.yml:24",
            "gitlab-job-token-sent-externally | dispatch-portal/.gitlab-ci.yml:21",
            "gitlab-secret-printed | dispatch-portal/.gitlab-ci.yml:19",
        ]
    );

    let pwn = title_of(
        &findings,
        "github-untrusted-checkout-privileged",
        "pr-preview.yml",
    );
    assert!(
        pwn.contains("pull_request_target job `preview`") && pwn.contains("secrets NPM_TOKEN"),
        "{pwn}"
    );
    let broad = title_of(&findings, "github-oidc-trust-broader-than-use", "");
    assert_eq!(
        broad,
        "role shipment-deploy trusts every repository of larkspur-freight, but only \
         shipment-api/.github/workflows/deploy.yml (job `deploy`) logs in to it"
    );
    let suggested = &findings
        .iter()
        .find(|f| f.rule == "github-oidc-trust-broader-than-use")
        .unwrap()
        .evidence["suggested_subjects"];
    assert_eq!(
        suggested,
        &serde_json::json!(["repo:larkspur-freight/shipment-api:environment:production"])
    );
    let printed = title_of(&findings, "gitlab-secret-printed", ".gitlab-ci.yml");
    assert_eq!(
        printed,
        "dispatch-portal pipeline: job `build` prints $REGISTRY_PASSWORD and every variable"
    );
    let unprotected = title_of(
        &findings,
        "gitlab-deploy-unprotected-cloud-keys",
        ".gitlab-ci.yml",
    );
    assert!(
        unprotected.contains("`deploy-staging`") && !unprotected.contains("production"),
        "{unprotected}"
    );

    // Nothing about the healthy workflow, and no secret value anywhere in the findings.
    let all = serde_json::to_string(&findings).unwrap();
    assert!(
        !all.contains("lint.yml"),
        "the healthy workflow has no finding"
    );
}

#[test]
fn ci_identities_link_to_the_cloud_roles_they_assume() {
    let base = root().join("tests/fixtures/cicd");
    let outcome = scan(&[base.join("shipment-api"), base.join("dispatch-portal")]);
    let mut edges: Vec<String> = outcome
        .inventory
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::CanAssume)
        .map(|e| {
            format!(
                "{} -> {} federated={}",
                e.from, e.to, e.attributes["federated"]
            )
        })
        .collect();
    edges.sort();
    assert_eq!(
        edges,
        [
            "github:workflow:shipment-api/.github/workflows/deploy.yml -> aws:role:arn:aws:iam::418272791100:role/shipment-deploy federated=true",
            "github:workflow:shipment-api/.github/workflows/nightly-report.yml -> aws:role:arn:aws:iam::418272791100:role/shipment-reports federated=true",
            "gitlab:pipeline:dispatch-portal -> aws:role:arn:aws:iam::418272791100:role/dispatch-docs federated=true",
        ]
    );
    let mut ids: Vec<&str> = outcome
        .inventory
        .identities
        .keys()
        .map(String::as_str)
        .collect();
    ids.sort();
    assert_eq!(
        ids.len(),
        8,
        "six workflows, one composite action, one pipeline: {ids:?}"
    );
}

#[test]
fn odd_workflows_are_reported_by_file_and_the_rest_still_counts() {
    let base = root().join("tests/fixtures/cicd/broken");
    let outcome = scan(std::slice::from_ref(&base));
    let mut errors: Vec<String> = outcome
        .errors
        .iter()
        .map(|e| e.to_string().replace(&format!("{}/", base.display()), ""))
        .collect();
    errors.sort();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    let expect = [
        (
            ".github/workflows/expression-job-key.yml:4",
            "job id `${{ matrix.job }}` is an expression",
        ),
        (
            ".github/workflows/expression-job-key.yml:9",
            "`with` is a string",
        ),
        (
            ".github/workflows/not-a-mapping.yml:1",
            "document 1 is a list",
        ),
        (".github/workflows/not-utf8.yml", "not UTF-8"),
        (".github/workflows/truncated.yml:", "document 1:"),
    ];
    for (at, message) in expect {
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(at) && e.contains(message)),
            "{at} {message}: {errors:#?}"
        );
    }
    // The job that merges an anchor is read whole.
    let anchors =
        &outcome.inventory.identities["github:workflow:broken/.github/workflows/anchors.yml"];
    let deploy = &anchors.attributes["jobs"][0];
    assert_eq!(
        (deploy["environment"].as_str(), &deploy["secrets"]),
        (Some("staging"), &serde_json::json!(["DEPLOY_TOKEN"]))
    );
}

#[test]
fn demo_estate_repositories_show_each_risk() {
    let repos = root().join("../../examples/demo-estate/repos");
    let outcome = scan(&[repos.clone(), root().join("tests/fixtures/cicd/aws")]);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let findings = analysed(&outcome.inventory);
    let mut by_file: Vec<String> = ci_findings(&findings, &repos)
        .into_iter()
        .map(|line| line.split(':').next().unwrap_or_default().to_string())
        .collect();
    by_file.dedup();
    assert_eq!(
        by_file,
        [
            "cicd-long-lived-cloud-key | dispatch-portal/.gitlab-ci.yml",
            "cicd-long-lived-cloud-key | shipment-api/.github/workflows/release.yml",
            "github-action-not-pinned | shipment-api/.github/actions/setup-toolchain/action.yml",
            "github-action-not-pinned | shipment-api/.github/workflows/preview.yml",
            "github-action-not-pinned | shipment-api/.github/workflows/release.yml",
            "github-first-party-action-not-pinned | shipment-api/.github/workflows/ci.yml",
            "github-first-party-action-not-pinned | shipment-api/.github/workflows/preview.yml",
            "github-id-token-unused | shipment-api/.github/workflows/deploy.yml",
            "github-oidc-trust-broader-than-use | 418272791100",
            "github-oidc-trust-rejects-workflow | shipment-api/.github/workflows/nightly-report.yml",
            "github-untrusted-checkout-privileged | shipment-api/.github/workflows/preview.yml",
            "github-workflow-permissions-default | shipment-api/.github/workflows/ci.yml",
            "github-workflow-permissions-write-all | shipment-api/.github/workflows/release.yml",
            "gitlab-deploy-unprotected-cloud-keys | dispatch-portal/.gitlab-ci.yml",
            "gitlab-job-token-sent-externally | dispatch-portal/.gitlab-ci.yml",
            "gitlab-secret-printed | dispatch-portal/.gitlab-ci.yml",
        ]
    );
    let keys = title_of(&findings, "cicd-long-lived-cloud-key", "release.yml");
    assert_eq!(keys, "shipment-api/.github/workflows/release.yml: job `publish` reads the long-lived cloud key AWS_ACCESS_KEY_ID and 2 more");
    let edges: Vec<&str> = outcome
        .inventory
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::CanAssume)
        .map(|e| e.to.as_str())
        .collect();
    assert!(
        edges.contains(&"aws:role:arn:aws:iam::418272791100:role/dispatch-docs"),
        "{edges:?}"
    );
}
