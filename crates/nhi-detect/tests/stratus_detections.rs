//! A hunt (shipped Sigma rules and every behavioural detector, default settings) over each
//! Stratus Red Team detonation log: the table pins, per technique, every detector and rule that
//! raises an alert, and which of them is the specific detection of what the technique does.

mod common;

use common::{corpus, files, read_log};
use nhi_detect::{BehaviourConfig, Hunt, LogSource, SigmaEngine, SHIPPED_SIGMA_RULES};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

/// Sigma rules that fire in this corpus, by id.
const ASSUME_ROLE_MISUSE: &str = "sigma:905d389b-b853-46d0-9d3d-dea0d3a3cd49";
const SSM_MISUSE: &str = "sigma:38e7f511-3f74-41d4-836e-f57dfa18eead";
const TRAIL_CHANGE: &str = "sigma:4db60cc0-36fb-42b7-9b58-a5b53019fb74";
const FLOW_LOGS_DELETED: &str = "sigma:e386b9b5-af12-450e-afff-761730fb8a98";
const SECURITY_GROUP_CHANGE: &str = "sigma:6fb77778-040f-4015-9440-572aa9b6b580";
const SNAPSHOT_EXFILTRATION: &str = "sigma:abae8fec-57bd-4f87-aff6-6e3db989843d";
const CONSOLE_WITHOUT_MFA: &str = "sigma:77caf516-34e5-4df9-b4db-20744fea0a60";
const BACKDOOR_USER_KEYS: &str = "sigma:0a5177f4-6ca9-44c2-aacf-d3f3d8b6e4d2";
const LAMBDA_LAYER: &str = "sigma:97fbabf8-8e1b-47a2-b7d5-a418d2b95e3d";
const LOGIN_PROFILE: &str = "sigma:055fb148-60f8-462d-ad16-26926ce050f1";

/// Per technique: the specific detection (a detector named for what the technique does), then
/// every detector and rule that fires on its log.
const TABLE: &[(&str, &str, &[&str])] = &[
    (
        "aws.credential-access.ec2-get-password-data",
        "aws-ec2-password-data-bulk-retrieval",
        &[ASSUME_ROLE_MISUSE],
    ),
    (
        "aws.credential-access.ec2-steal-instance-credentials",
        "aws-instance-credentials-exfiltration",
        &["aws-ssm-send-command", SSM_MISUSE, ASSUME_ROLE_MISUSE],
    ),
    (
        "aws.credential-access.secretsmanager-batch-retrieve-secrets",
        "aws-secrets-manager-bulk-retrieval",
        &[],
    ),
    (
        "aws.credential-access.secretsmanager-retrieve-secrets",
        "aws-secrets-manager-bulk-retrieval",
        &[],
    ),
    (
        "aws.credential-access.ssm-retrieve-securestring-parameters",
        "aws-ssm-parameter-bulk-decryption",
        &[],
    ),
    (
        "aws.defense-evasion.cloudtrail-delete",
        "aws-cloudtrail-tampering",
        &[TRAIL_CHANGE],
    ),
    (
        "aws.defense-evasion.cloudtrail-event-selectors",
        "aws-cloudtrail-tampering",
        &[],
    ),
    (
        "aws.defense-evasion.cloudtrail-stop",
        "aws-cloudtrail-tampering",
        &[TRAIL_CHANGE],
    ),
    (
        "aws.defense-evasion.dns-delete-logs",
        "aws-network-logging-deleted",
        &[],
    ),
    (
        "aws.defense-evasion.organizations-leave",
        "aws-organization-leave",
        &[ASSUME_ROLE_MISUSE],
    ),
    (
        "aws.defense-evasion.vpc-remove-flow-logs",
        "aws-network-logging-deleted",
        &[FLOW_LOGS_DELETED],
    ),
    (
        "aws.discovery.ec2-download-user-data",
        "aws-ec2-user-data-bulk-read",
        &[ASSUME_ROLE_MISUSE],
    ),
    (
        "aws.execution.ec2-launch-unusual-instances",
        "aws-ec2-unusual-instance-launch",
        &[ASSUME_ROLE_MISUSE],
    ),
    (
        "aws.execution.ec2-user-data",
        "aws-ec2-user-data-modified",
        &[],
    ),
    (
        "aws.execution.ssm-send-command",
        "aws-ssm-send-command",
        &[SSM_MISUSE],
    ),
    (
        "aws.execution.ssm-start-session",
        "aws-ssm-start-session",
        &[],
    ),
    (
        "aws.exfiltration.ec2-security-group-open-port-22-ingress",
        "aws-security-group-open-to-internet",
        &[SECURITY_GROUP_CHANGE],
    ),
    (
        "aws.exfiltration.ec2-share-ami",
        "aws-ami-shared-externally",
        &[],
    ),
    (
        "aws.exfiltration.ec2-share-ebs-snapshot",
        "aws-ebs-snapshot-shared-externally",
        &[SNAPSHOT_EXFILTRATION],
    ),
    (
        "aws.exfiltration.rds-share-snapshot",
        "aws-rds-snapshot-shared-externally",
        &[],
    ),
    (
        "aws.impact.bedrock-invoke-model",
        "aws-bedrock-model-access-enabled",
        &[ASSUME_ROLE_MISUSE],
    ),
    (
        "aws.initial-access.console-login-without-mfa",
        "aws-console-login-without-mfa",
        &[CONSOLE_WITHOUT_MFA],
    ),
    (
        "aws.lateral-movement.ec2-instance-connect",
        "aws-ec2-instance-connect-key-pushed",
        &[],
    ),
    (
        "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
        "aws-ec2-serial-console-access",
        &[ASSUME_ROLE_MISUSE],
    ),
    (
        "aws.persistence.iam-backdoor-role",
        "aws-role-trust-backdoor",
        &[],
    ),
    (
        "aws.persistence.iam-backdoor-user",
        "aws-access-key-created-for-other-user",
        &[BACKDOOR_USER_KEYS],
    ),
    (
        "aws.persistence.iam-create-admin-user",
        "aws-admin-policy-attached",
        &["aws-access-key-created-for-other-user", BACKDOOR_USER_KEYS],
    ),
    (
        "aws.persistence.iam-create-backdoor-role",
        "aws-role-trust-backdoor",
        &["aws-admin-policy-attached"],
    ),
    (
        "aws.persistence.iam-create-user-login-profile",
        "aws-login-profile-for-other-user",
        &[],
    ),
    (
        "aws.persistence.lambda-backdoor-function",
        "aws-lambda-public-access",
        &[],
    ),
    (
        "aws.persistence.lambda-layer-extension",
        "aws-lambda-layer-attached",
        &[LAMBDA_LAYER],
    ),
    (
        "aws.persistence.lambda-overwrite-code",
        "aws-lambda-code-updated",
        &[],
    ),
    (
        "aws.persistence.rolesanywhere-create-trust-anchor",
        "aws-rolesanywhere-trust-anchor-created",
        &[],
    ),
    (
        "aws.persistence.sts-federation-token",
        "aws-federation-token-created",
        &[],
    ),
    (
        "aws.privilege-escalation.iam-update-user-login-profile",
        "aws-login-profile-for-other-user",
        &[LOGIN_PROFILE],
    ),
];

fn stem(path: &Path) -> String {
    path.file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

fn shipped_engine() -> SigmaEngine {
    let mut builder = SigmaEngine::builder();
    for (path, text) in SHIPPED_SIGMA_RULES {
        builder.add_yaml(path, text);
    }
    let (engine, errors) = builder.build();
    assert!(errors.is_empty(), "{errors:#?}");
    engine
}

#[test]
fn every_stratus_technique_gets_its_specific_detection() {
    let Some(stratus) = corpus("cloudtrail/stratus-red-team") else {
        return;
    };
    let engine = shipped_engine();
    let logs = files(&stratus, "json");
    assert_eq!(logs.len(), TABLE.len());
    let mut specific = 0;
    for log in logs {
        let technique = stem(&log);
        let Some((_, detection, others)) = TABLE.iter().find(|(name, _, _)| *name == technique)
        else {
            panic!("{technique} is not in the table");
        };
        let mut records = read_log(&log, LogSource::CloudTrail);
        records.sort_by_key(|record| record.event.time);
        let ids: HashSet<&str> = records
            .iter()
            .map(|record| record.event.id.as_str())
            .collect();
        let mut hunt = Hunt::new(Some(&engine), BehaviourConfig::default());
        for (index, record) in records.iter().enumerate() {
            hunt.push(index, record);
        }
        let alerts = hunt.finish();
        let fired: BTreeSet<&str> = alerts.iter().map(|alert| alert.detector.as_str()).collect();
        let expected: BTreeSet<&str> = others.iter().copied().chain([*detection]).collect();
        println!("{technique:<60} {detection:<40} {fired:?}");
        assert_eq!(fired, expected, "{technique}");
        specific += usize::from(fired.contains(detection));
        for alert in &alerts {
            assert!(alert.events.iter().all(|id| ids.contains(id.as_str())));
            if alert.detector.starts_with("sigma:") {
                assert!(
                    alert.summary.contains(", by "),
                    "no author: {}",
                    alert.summary
                );
            } else {
                assert!(!alert.owasp.is_empty(), "{}", alert.detector);
            }
        }
    }
    assert_eq!(specific, TABLE.len());
}

#[test]
fn alerts_name_the_instance_and_the_commander_in_credential_theft() {
    let Some(stratus) = corpus("cloudtrail/stratus-red-team") else {
        return;
    };
    let log = stratus.join("aws.credential-access.ec2-steal-instance-credentials.json");
    let mut records = read_log(&log, LogSource::CloudTrail);
    records.sort_by_key(|record| record.event.time);
    let mut hunt = Hunt::new(None, BehaviourConfig::default());
    for (index, record) in records.iter().enumerate() {
        hunt.push(index, record);
    }
    let alerts = hunt.finish();
    let theft = alerts
        .iter()
        .find(|alert| alert.detector == "aws-instance-credentials-exfiltration")
        .expect("theft detected");
    assert_eq!(
        theft.principal,
        "aws:role:arn:aws:iam::017622104382:role/stratus-red-team-ec2-steal-credentials-role"
    );
    assert!(
        theft.summary.contains("i-786a3A8B5C0d92eF4"),
        "{}",
        theft.summary
    );
    assert!(
        theft.summary.contains("user/christophe"),
        "{}",
        theft.summary
    );
    // The SendCommand that reached the instance, then the stolen credentials' calls.
    assert_eq!(theft.events.len(), 3);
}
