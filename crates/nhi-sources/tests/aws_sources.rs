//! Scans the AWS fixtures (`tests/fixtures/aws/`, described in its README) the way the CLI does,
//! then analyses them: exports of one account merge into one inventory, and each rule fires on
//! what the fixture shows and on nothing else.

use nhi_analysis::{analyse, AnalysisContext};
use nhi_model::{CredentialStatus, Finding, Fingerprinter, IdentityKind, Timestamp};
use nhi_sources::{scan_paths, ScanOptions, ScanOutcome, SourceContext};
use std::path::PathBuf;

const ACCOUNT: &str = "111122223333";

fn scan() -> ScanOutcome {
    let fingerprinter = Fingerprinter::new([7; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws");
    scan_paths(&[dir], &ScanOptions::default(), &ctx, &())
}

fn report_time() -> Timestamp {
    chrono::DateTime::parse_from_rfc3339("2025-11-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn user(name: &str) -> String {
    format!("aws:user:arn:aws:iam::{ACCOUNT}:user/{name}")
}

fn role(name: &str) -> String {
    format!("aws:role:arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// Ids of the first subject of every finding of `rule`, sorted.
fn fired(findings: &[Finding], rule: &str) -> Vec<String> {
    let mut subjects: Vec<String> = findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.subjects[0].clone())
        .collect();
    subjects.sort();
    subjects
}

#[test]
fn exports_of_one_account_merge_into_one_inventory() {
    let outcome = scan();
    let inventory = &outcome.inventory;
    assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
    let truncated = &outcome.errors[0];
    assert!(truncated
        .path
        .ends_with("broken/truncated_authorization_details.json"));
    assert!(truncated.message.contains("truncated") && truncated.line.is_some());

    // Five users from the export, alice from the report, the root user from report and accounts.
    let users = inventory
        .identities
        .values()
        .filter(|i| i.kind == IdentityKind::CloudUser)
        .count();
    let roles = inventory
        .identities
        .values()
        .filter(|i| i.kind == IdentityKind::CloudRole)
        .count();
    assert_eq!((users, roles), (7, 5));

    let ci = &inventory.identities[&user("ci-deployer")];
    assert_eq!(ci.owner.as_deref(), Some("platform-team"));
    assert_eq!(ci.environment.as_deref(), Some("prod"));
    assert_eq!(
        ci.attributes["password_enabled"], false,
        "the report's facts join the export's"
    );
    assert!(ci.attributes["aws_policies"]
        .as_array()
        .is_some_and(|p| p.len() == 1));

    let root = &inventory.identities[&format!("aws:user:arn:aws:iam::{ACCOUNT}:root")];
    assert_eq!(root.environment.as_deref(), Some("production"));
    assert_eq!(root.attributes["account_name"], "acme-prod");
    assert_eq!(
        inventory.identities[&user("alice")].attributes["human"],
        true
    );

    let jenkins: Vec<_> = inventory
        .credentials
        .values()
        .filter(|c| c.attributes.get("user_name").and_then(|n| n.as_str()) == Some("jenkins"))
        .collect();
    assert_eq!(jenkins.len(), 4, "two report slots and two listed key ids");
    let listed = &inventory.credentials["aws-access-key:AKIAIOSFODNN7EXAMPLE"];
    assert_eq!(listed.status, CredentialStatus::Active);
    assert!(
        listed.last_used.is_some(),
        "last-used output merged by key id"
    );
    assert_eq!(listed.redacted.as_deref(), Some("AKIA************MPLE"));

    let text = serde_json::to_string(inventory).unwrap();
    assert!(
        !text.contains("aws-prod@example.com"),
        "account e-mail addresses are not kept"
    );
    assert!(inventory
        .grants
        .iter()
        .any(|g| g.identity == role("public-role") && g.actions == ["s3:*"]));
}

#[test]
fn each_rule_fires_on_what_the_fixtures_show() {
    let outcome = scan();
    let findings = analyse(&outcome.inventory, &AnalysisContext::new(report_time()));

    assert_eq!(
        fired(&findings, "aws-privilege-escalation"),
        vec![user("ci-deployer"), user("helpdesk")]
    );
    let ci = findings
        .iter()
        .find(|f| f.rule == "aws-privilege-escalation" && f.subjects[0] == user("ci-deployer"))
        .unwrap();
    assert!(
        ci.title
            .contains("iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction"),
        "{}",
        ci.title
    );
    assert!(ci.title.contains("role lambda-admin"), "{}", ci.title);
    let helpdesk = findings
        .iter()
        .find(|f| f.rule == "aws-privilege-escalation" && f.subjects[0] == user("helpdesk"))
        .unwrap();
    assert!(
        helpdesk.title.contains("iam:AddUserToGroup"),
        "{}",
        helpdesk.title
    );

    assert_eq!(
        fired(&findings, "aws-admin-equivalent"),
        vec![role("ec2-admin"), role("lambda-admin")]
    );
    assert_eq!(
        fired(&findings, "aws-wildcard-permission"),
        vec![role("public-role")]
    );
    assert_eq!(
        fired(&findings, "aws-role-trusts-anyone"),
        vec![role("public-role")]
    );
    assert_eq!(
        fired(&findings, "aws-role-external-account-without-external-id"),
        vec![role("vendor-audit")]
    );
    assert_eq!(
        fired(&findings, "aws-role-web-identity-without-subject"),
        vec![role("gha-deploy")]
    );

    assert_eq!(
        fired(&findings, "aws-access-key-not-rotated"),
        vec![format!(
            "aws-access-key:arn:aws:iam::{ACCOUNT}:user/ci-deployer#1"
        )]
    );
    assert_eq!(
        fired(&findings, "aws-access-key-unused"),
        vec![format!(
            "aws-access-key:arn:aws:iam::{ACCOUNT}:user/jenkins#2"
        )]
    );
    assert_eq!(
        fired(&findings, "aws-user-two-active-keys"),
        vec![user("jenkins")]
    );
    assert_eq!(
        fired(&findings, "aws-machine-user-console-password"),
        vec![user("jenkins")]
    );
    assert_eq!(
        fired(&findings, "aws-console-password-without-mfa"),
        vec![user("jenkins")]
    );
    assert!(
        fired(&findings, "aws-root-access-key").is_empty(),
        "the root key slot is inactive"
    );
    assert_eq!(
        fired(&findings, "aws-identity-unused"),
        vec![
            role("gha-deploy"),
            role("public-role"),
            role("vendor-audit"),
            user("helpdesk")
        ]
    );
}
