//! All published SigmaHQ CloudTrail and Kubernetes audit rules load, and give the expected hits
//! on the Stratus Red Team detonation logs and on Falco's audit traces. Expected hits were
//! worked out by reading each rule against each log.

mod common;

use common::{corpus, files, load_rules, read_log};
use nhi_detect::{group_alerts, normalise, LogSource, SigmaEngine};
use std::collections::BTreeMap;
use std::path::Path;

const ASSUME_ROLE: &str = "AWS STS AssumeRole Misuse";
const SSM: &str = "Potential Malicious Usage of CloudTrail System Manager";
const TRAIL: &str = "AWS CloudTrail Important Change";
const BACKDOOR_KEYS: &str = "AWS IAM Backdoor Users Keys";

/// Per Stratus technique file: rule title -> number of matching records. Files not listed have
/// no hit. `AssumeRole Misuse` fires on every call made with an assumed role;
/// `Backdoor Users Keys` on every CreateAccessKey (it compares with a field name as a literal).
const STRATUS_HITS: &[(&str, &[(&str, usize)])] = &[
    (
        "aws.credential-access.ec2-get-password-data",
        &[(ASSUME_ROLE, 30)],
    ),
    (
        "aws.credential-access.ec2-steal-instance-credentials",
        &[(ASSUME_ROLE, 2), (SSM, 1)],
    ),
    ("aws.defense-evasion.cloudtrail-delete", &[(TRAIL, 1)]),
    ("aws.defense-evasion.cloudtrail-stop", &[(TRAIL, 1)]),
    (
        "aws.defense-evasion.organizations-leave",
        &[(ASSUME_ROLE, 1)],
    ),
    (
        "aws.defense-evasion.vpc-remove-flow-logs",
        &[("AWS VPC Flow Logs Deleted", 1)],
    ),
    ("aws.discovery.ec2-download-user-data", &[(ASSUME_ROLE, 15)]),
    (
        "aws.execution.ec2-launch-unusual-instances",
        &[(ASSUME_ROLE, 1)],
    ),
    ("aws.execution.ssm-send-command", &[(SSM, 1)]),
    (
        "aws.exfiltration.ec2-security-group-open-port-22-ingress",
        &[("Ingress/Egress Security Group Modification", 1)],
    ),
    (
        "aws.exfiltration.ec2-share-ebs-snapshot",
        &[("AWS Snapshot Backup Exfiltration", 1)],
    ),
    ("aws.impact.bedrock-invoke-model", &[(ASSUME_ROLE, 15)]),
    (
        "aws.initial-access.console-login-without-mfa",
        &[("AWS Successful Console Login Without MFA", 1)],
    ),
    (
        "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
        &[(ASSUME_ROLE, 4)],
    ),
    ("aws.persistence.iam-backdoor-user", &[(BACKDOOR_KEYS, 1)]),
    (
        "aws.persistence.iam-create-admin-user",
        &[(BACKDOOR_KEYS, 1)],
    ),
    (
        "aws.persistence.lambda-layer-extension",
        &[("AWS New Lambda Layer Attached", 1)],
    ),
    (
        "aws.privilege-escalation.iam-update-user-login-profile",
        &[("AWS User Login Profile Was Modified", 1)],
    ),
];

/// Per Falco trace file: the Sigma rules that fire (each on the file's one event).
const FALCO_HITS: &[(&str, &str)] = &[
    (
        "attach_cluster_admin_role",
        "Kubernetes Rolebinding Modification",
    ),
    (
        "create_clusterrolebinding",
        "Kubernetes Rolebinding Modification",
    ),
    (
        "delete_clusterrolebinding",
        "Kubernetes Rolebinding Modification",
    ),
    (
        "create_kube_system_secret",
        "Kubernetes Secrets Modified or Deleted",
    ),
    ("create_secret", "Kubernetes Secrets Modified or Deleted"),
    (
        "create_service_account_token_secret",
        "Kubernetes Secrets Modified or Deleted",
    ),
    ("delete_secret", "Kubernetes Secrets Modified or Deleted"),
    (
        "create_nginx_pod_sensitive_mount",
        "Container With A hostPath Mount Created",
    ),
    (
        "create_nginx_pod_sensitive_mount_2nd_container",
        "Container With A hostPath Mount Created",
    ),
    (
        "create_pod_kube_system_namespace",
        "Creation Of Pod In System Namespace",
    ),
    (
        "create_serviceaccount",
        "New Kubernetes Service Account Created",
    ),
    (
        "create_serviceaccount_kube_public_namespace",
        "New Kubernetes Service Account Created",
    ),
    (
        "create_serviceaccount_kube_system_namespace",
        "New Kubernetes Service Account Created",
    ),
    (
        "delete_deployment",
        "Deployment Deleted From Kubernetes Cluster",
    ),
    (
        "exec_pod",
        "Potential Remote Command Execution In Pod Container",
    ),
];

fn stem(path: &Path) -> String {
    path.file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

fn hit_table(engine: &SigmaEngine, records: &[nhi_detect::Record]) -> BTreeMap<String, usize> {
    let mut hits = BTreeMap::new();
    for hit in engine.scan(records) {
        *hits.entry(hit.title).or_default() += 1;
    }
    hits
}

#[test]
fn every_published_cloudtrail_and_kubernetes_rule_loads() {
    let (Some(aws), Some(k8s)) = (
        corpus("sigma/rules/cloud/aws/cloudtrail"),
        corpus("sigma/rules/application/kubernetes/audit"),
    ) else {
        return;
    };
    let (engine, errors, files) = load_rules(&[aws, k8s]);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(files, 73);
    assert_eq!(engine.len(), 73);
    let metas = engine.rules();
    assert!(metas
        .iter()
        .all(|meta| meta.id.starts_with("sigma:") && !meta.description.is_empty()));
}

#[test]
fn stratus_red_team_techniques_give_the_hits_the_rules_describe() {
    let (Some(aws), Some(stratus)) = (
        corpus("sigma/rules/cloud/aws/cloudtrail"),
        corpus("cloudtrail/stratus-red-team"),
    ) else {
        return;
    };
    let (engine, errors, _) = load_rules(&[aws]);
    assert!(errors.is_empty(), "{errors:#?}");
    let logs = files(&stratus, "json");
    assert_eq!(logs.len(), 35);
    let mut record_count = 0;
    for log in logs {
        let records = read_log(&log, LogSource::CloudTrail);
        record_count += records.len();
        let hits = hit_table(&engine, &records);
        println!("{:<60} {:>3} records  {hits:?}", stem(&log), records.len());
        let expected: BTreeMap<String, usize> = STRATUS_HITS
            .iter()
            .find(|(technique, _)| *technique == stem(&log))
            .map(|(_, hits)| {
                hits.iter()
                    .map(|(title, count)| (title.to_string(), *count))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(hits, expected, "{}", stem(&log));
    }
    assert_eq!(record_count, 310);
}

#[test]
fn stop_logging_alert_names_the_user_and_the_event() {
    let (Some(aws), Some(stratus)) = (
        corpus("sigma/rules/cloud/aws/cloudtrail"),
        corpus("cloudtrail/stratus-red-team"),
    ) else {
        return;
    };
    let (engine, _, _) = load_rules(&[aws]);
    let records = read_log(
        &stratus.join("aws.defense-evasion.cloudtrail-stop.json"),
        LogSource::CloudTrail,
    );
    let alerts = group_alerts(&engine.scan(&records));
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.detector, "sigma:4db60cc0-36fb-42b7-9b58-a5b53019fb74");
    assert_eq!(
        alert.principal,
        "aws:user:arn:aws:iam::143434273843:user/christophe"
    );
    assert_eq!(alert.events, vec!["10163ed2-2253-469d-a5ee-cbc6651f8934"]);
    assert_eq!(alert.severity, nhi_model::Severity::Medium);
    assert!(
        alert.summary.contains("ATT&CK attack.defense-impairment"),
        "{}",
        alert.summary
    );
}

#[test]
fn falco_kubernetes_audit_traces_give_the_hits_the_rules_describe() {
    let (Some(k8s), Some(falco)) = (
        corpus("sigma/rules/application/kubernetes/audit"),
        corpus("k8s-audit/falco/trace_files"),
    ) else {
        return;
    };
    let (engine, errors, _) = load_rules(&[k8s]);
    assert!(errors.is_empty(), "{errors:#?}");
    for trace in files(&falco, "json") {
        let bytes = std::fs::read(&trace).expect("readable trace");
        let normalised = normalise(
            &trace.display().to_string(),
            &bytes,
            Some(LogSource::K8sAudit),
        );
        let hits = hit_table(&engine, &normalised.records);
        let expected: BTreeMap<String, usize> = FALCO_HITS
            .iter()
            .filter(|(file, _)| *file == stem(&trace))
            .map(|(_, title)| (title.to_string(), 1))
            .collect();
        assert_eq!(hits, expected, "{}", stem(&trace));
    }
}

#[test]
fn rules_only_see_their_own_log_source() {
    let (Some(aws), Some(k8s), Some(falco)) = (
        corpus("sigma/rules/cloud/aws/cloudtrail"),
        corpus("sigma/rules/application/kubernetes/audit"),
        corpus("k8s-audit/falco/trace_files"),
    ) else {
        return;
    };
    let (aws_only, _, _) = load_rules(&[aws]);
    let (k8s_only, _, _) = load_rules(&[k8s]);
    let records = read_log(&falco.join("create_secret.json"), LogSource::K8sAudit);
    assert!(aws_only.scan(&records).is_empty());
    assert_eq!(k8s_only.scan(&records).len(), 1);
}
