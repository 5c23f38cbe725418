//! The AWS sources and rules on the public IAM corpora in `../shared/corpora/iam/aws` (see
//! `shared/README.md` for their ground truth): scanned as the CLI scans, analysed, and the
//! findings pinned. Skips, saying so, when the corpora are not there.

use nhi_analysis::{analyse, AnalysisContext};
use nhi_model::{Finding, Fingerprinter, Inventory, Timestamp};
use nhi_sources::{scan_paths, ScanOptions, SourceContext};
use std::path::PathBuf;

fn corpus(file: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/iam/aws")
        .join(file);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: corpus file {} is absent", path.display());
        None
    }
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

fn time(rfc3339: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// Findings of `rule` about the user or role called `name`.
fn about<'f>(findings: &'f [Finding], rule: &str, name: &str) -> Vec<&'f Finding> {
    let user = format!(":user/{name}");
    let role = format!(":role/{name}");
    findings
        .iter()
        .filter(|f| {
            f.rule == rule
                && f.subjects
                    .iter()
                    .any(|s| s.ends_with(&user) || s.ends_with(&role))
        })
        .collect()
}

/// Each lab principal and the action its name says it escalates with.
const METHODS: &[(&str, &str)] = &[
    ("privesc1-CreateNewPolicyVersion", "iam:CreatePolicyVersion"),
    (
        "privesc2-SetExistingDefaultPolicyVersion",
        "iam:SetDefaultPolicyVersion",
    ),
    (
        "privesc3-CreateEC2WithExistingInstanceProfile",
        "ec2:RunInstances",
    ),
    ("privesc4-CreateAccessKey", "iam:CreateAccessKey"),
    ("privesc5-CreateLoginProfile", "iam:CreateLoginProfile"),
    ("privesc6-UpdateLoginProfile", "iam:UpdateLoginProfile"),
    ("privesc7-AttachUserPolicy", "iam:AttachUserPolicy"),
    ("privesc8-AttachGroupPolicy", "iam:AttachGroupPolicy"),
    ("privesc9-AttachRolePolicy", "iam:AttachRolePolicy"),
    ("privesc10-PutUserPolicy", "iam:PutUserPolicy"),
    ("privesc11-PutGroupPolicy", "iam:PutGroupPolicy"),
    ("privesc12-PutRolePolicy", "iam:PutRolePolicy"),
    ("privesc13-AddUserToGroup", "iam:AddUserToGroup"),
    (
        "privesc14-UpdatingAssumeRolePolicy",
        "iam:UpdateAssumeRolePolicy",
    ),
    (
        "privesc15-PassExistingRoleToNewLambdaThenInvoke",
        "lambda:InvokeFunction",
    ),
    (
        "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo",
        "lambda:CreateEventSourceMapping",
    ),
    (
        "privesc17-EditExistingLambdaFunctionWithRole",
        "lambda:UpdateFunctionCode",
    ),
    (
        "privesc18-PassExistingRoleToNewGlueDevEndpoint",
        "glue:CreateDevEndpoint",
    ),
    (
        "privesc19-UpdateExistingGlueDevEndpoint",
        "glue:UpdateDevEndpoint",
    ),
    (
        "privesc20-PassExistingRoleToCloudFormation",
        "cloudformation:CreateStack",
    ),
    (
        "privesc21-PassExistingRoleToNewDataPipeline",
        "datapipeline:CreatePipeline",
    ),
    (
        "privesc-CloudFormationUpdateStack",
        "cloudformation:UpdateStack",
    ),
    (
        "privesc-codeBuildCreateProjectPassRole",
        "codebuild:CreateProject",
    ),
    (
        "privesc-ec2InstanceConnect",
        "ec2-instance-connect:SendSSHPublicKey",
    ),
    (
        "privesc-sageMakerCreateNotebookPassRole",
        "sagemaker:CreateNotebookInstance",
    ),
    (
        "privesc-sageMakerCreatePresignedNotebookURL",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
    ),
    (
        "privesc-sageMakerCreateProcessingJobPassRole",
        "sagemaker:CreateProcessingJob",
    ),
    (
        "privesc-sageMakerCreateTrainingJobPassRole",
        "sagemaker:CreateTrainingJob",
    ),
    ("privesc-sre", "iam:AttachUserPolicy"),
    ("privesc-ssmSendCommand", "ssm:SendCommand"),
    ("privesc-ssmStartSession", "ssm:StartSession"),
];

/// The methods an escalation finding names: its title and every alternative first step.
fn methods(finding: &Finding) -> String {
    format!("{} {}", finding.title, finding.evidence["methods"])
}

#[test]
fn cloudsplaining_lab_every_escalation_is_found_with_its_method() {
    let Some(path) = corpus("cloudsplaining-example-authorization-details.json") else {
        return;
    };
    let inventory = scan(&[path]);
    let findings = analyse(
        &inventory,
        &AnalysisContext::new(time("2026-01-01T00:00:00Z")),
    );
    let escalation = "aws-privilege-escalation";

    for (stem, method) in METHODS {
        for suffix in ["-user", "-role"] {
            let name = format!("{stem}{suffix}");
            let found = about(&findings, escalation, &name);
            assert_eq!(found.len(), 1, "{name}: one escalation finding expected");
            assert!(
                methods(found[0]).contains(method),
                "{name}: {method} not named in {}",
                methods(found[0])
            );
        }
    }
    // The AssumeRole chain: starting -> intermediate -> ending (allowed * on *). Trust policies
    // that name a role need no sts:AssumeRole permission of the caller in the same account.
    let start = about(&findings, escalation, "privesc-AssumeRole-starting-role");
    assert_eq!(start.len(), 1);
    assert_eq!(start[0].evidence["steps"].as_array().unwrap().len(), 2);
    assert!(start[0].title.contains("sts:AssumeRole"));
    assert_eq!(
        about(
            &findings,
            escalation,
            "privesc-AssumeRole-intermediate-role"
        )
        .len(),
        1
    );
    // Already admin: reported as such, not as escalation.
    for admin in [
        "privesc-AssumeRole-ending-role",
        "privesc-high-priv-service-role",
    ] {
        assert_eq!(
            about(&findings, "aws-admin-equivalent", admin).len(),
            1,
            "{admin}"
        );
        assert!(about(&findings, escalation, admin).is_empty(), "{admin}");
    }
    // Nothing to escalate with: the start user holds no policy and no trust policy names it; the
    // permissive-trust role holds no permission (it is a target, reached from the account root).
    for idle in [
        "privesc-AssumeRole-start-user",
        "privesc-permissive-role-trust",
    ] {
        assert!(about(&findings, escalation, idle).is_empty(), "{idle}");
    }

    // The false negatives Cloudsplaining misses are found; fn2 and fn3 on their own policy.
    for (name, method) in [
        ("fn1-privesc3-partial", "iam:PassRole + ec2:RunInstances"),
        (
            "fn2-exploitableResourceConstraint",
            "iam:CreatePolicyVersion on its own policy",
        ),
        (
            "fn3-exploitableConditionConstraint",
            "iam:CreatePolicyVersion on its own policy",
        ),
        (
            "fn4-exploitableNotAction",
            "iam:PutUserPolicy|iam:PutRolePolicy",
        ),
    ] {
        for suffix in ["-user", "-role"] {
            let found = about(&findings, escalation, &format!("{name}{suffix}"));
            assert_eq!(found.len(), 1, "{name}{suffix}");
            let named = methods(found[0]);
            assert!(
                method.split('|').any(|m| named.contains(m)),
                "{name}{suffix}: {named}"
            );
        }
    }
    // The false positives stay quiet: denied allows, AWS-managed policy ARNs, expired conditions.
    for name in [
        "fp1-allow-and-deny",
        "fp2-allow-and-deny-multiple-policies",
        "fp3-deny-iam",
        "fp4-nonExploitableResourceConstraint",
        "fp5-nonExploitableConditionConstraint",
    ] {
        for suffix in ["-user", "-role"] {
            let name = format!("{name}{suffix}");
            for rule in [
                escalation,
                "aws-admin-equivalent",
                "aws-wildcard-permission",
            ] {
                assert!(
                    about(&findings, rule, &name).is_empty(),
                    "{name}: {rule} fired"
                );
            }
        }
    }
    // Service-linked roles are AWS's to define: never reported for their permissions.
    assert!(about(&findings, escalation, "AWSServiceRoleForAmazonSSM").is_empty());
}

#[test]
fn cloudmapper_demo_findings_judged_at_report_time() {
    let files = [
        "cloudmapper-demo-account-authorization-details.json",
        "cloudmapper-demo-credential-report.json",
        "cloudmapper-demo-credential-report.csv",
    ];
    let paths: Option<Vec<PathBuf>> = files.iter().map(|f| corpus(f)).collect();
    let Some(paths) = paths else { return };
    let inventory = scan(&paths);
    // The API JSON and the CSV hold the same report: their keys merge, not double.
    assert_eq!(inventory.credentials.len(), 4);
    let findings = analyse(
        &inventory,
        &AnalysisContext::new(time("2019-05-07T15:40:22Z")),
    );
    let rule = |id: &str| findings.iter().filter(|f| f.rule == id).collect::<Vec<_>>();

    let root_keys = rule("aws-root-access-key");
    assert_eq!(root_keys.len(), 1);
    assert!(root_keys[0].subjects[0].ends_with(":root#1"));

    let unused = rule("aws-access-key-unused");
    assert!(unused.iter().any(
        |f| f.subjects[0].ends_with("user/auditor_tmp#1") && f.evidence["last_used"].is_null()
    ));
    let idle: Vec<_> = unused
        .iter()
        .filter(|f| f.evidence["idle_days"].as_i64().is_some_and(|d| d > 90))
        .collect();
    assert!(
        idle.iter().any(|f| f.subjects[0].ends_with("user/user#2")),
        "{idle:?}"
    );

    let two = rule("aws-user-two-active-keys");
    assert_eq!(two.len(), 1);
    assert_eq!(
        two[0].subjects[0],
        "aws:user:arn:aws:iam::123456789012:user/user"
    );

    assert_eq!(
        about(&findings, "aws-console-password-without-mfa", "user").len(),
        1
    );
    assert_eq!(
        about(&findings, "aws-machine-user-console-password", "user").len(),
        1
    );

    let admin = about(&findings, "aws-admin-equivalent", "bad_role");
    assert_eq!(admin.len(), 1);
    assert_eq!(admin[0].evidence["custom_policy"], true);
    assert!(admin[0].title.contains("dostuff"));
    assert_eq!(
        about(&findings, "aws-role-trusts-anyone", "bad_role").len(),
        1
    );

    // Judged at the report's time, the key created minutes before it is not old.
    assert!(rule("aws-access-key-not-rotated")
        .iter()
        .all(|f| !f.subjects[0].contains("auditor_tmp")));
    // Judged today, the report's own generation time still rules.
    let today = analyse(
        &inventory,
        &AnalysisContext::new(time("2026-01-01T00:00:00Z")),
    );
    assert!(today
        .iter()
        .filter(|f| f.rule == "aws-access-key-not-rotated")
        .all(|f| !f.subjects[0].contains("auditor_tmp")));
}
