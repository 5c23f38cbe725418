//! Defence evasion: CloudTrail stopped, deleted or narrowed, network logs (VPC flow logs, DNS
//! query logs) deleted, security services (GuardDuty, Security Hub, Config, Access Analyzer,
//! Macie, Detective, Bedrock invocation logging) disabled, and an account leaving its
//! organisation. Single-record patterns; refused attempts count where the intent alone matters.

use super::patterns::Pattern;
use super::Family;
use super::{aws, rule};
use crate::normalise::{LogSource, Record};
use nhi_model::{OwaspNhi, RuleMeta, Severity};
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};

const CLOUDTRAIL: RuleMeta = rule(
    "aws-cloudtrail-tampering",
    "CloudTrail logging stopped, deleted or narrowed",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A trail is stopped or deleted, its destination or coverage changed, or its event selectors narrowed so that management events are no longer recorded: someone is blinding the audit log.",
    "Restore the trail's logging and selectors now, find who changed it and review what that identity did while logging was reduced (other trails, CloudTrail Lake or the 90-day event history).",
);

const NETWORK_LOGS: RuleMeta = rule(
    "aws-network-logging-deleted",
    "Network logging deleted",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "VPC flow logs or Route 53 resolver query logging are deleted or detached: network evidence of exfiltration or command-and-control stops being recorded.",
    "Recreate the flow logs or query logging configuration, and check the identity's other actions around that time.",
);

const MONITORING: RuleMeta = rule(
    "aws-security-monitoring-disabled",
    "Security monitoring disabled",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A security service is switched off or detached from its administrator account: GuardDuty detector, Security Hub, AWS Config recorder, IAM Access Analyzer, Macie, Detective or Bedrock invocation logging.",
    "Re-enable the service and reattach it to the administrator account; deny these calls with a service control policy and review the identity's other actions.",
);

const LEAVE_ORGANIZATION: RuleMeta = rule(
    "aws-organization-leave",
    "Account tries to leave its organisation",
    Severity::Critical,
    &[OwaspNhi::NHI5],
    "A call asks for the account to leave its AWS Organization: once out, no service control policy, organisation trail or central guardrail applies to it any more.",
    "Deny organizations:LeaveOrganization with a service control policy, and investigate the identity: this is rarely legitimate outside a planned migration.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: CLOUDTRAIL,
            source: LogSource::CloudTrail,
            actions: &[
                "cloudtrail:StopLogging",
                "cloudtrail:DeleteTrail",
                "cloudtrail:UpdateTrail",
                "cloudtrail:PutEventSelectors",
                "cloudtrail:DeleteEventDataStore",
                "cloudtrail:StopEventDataStoreIngestion",
            ],
            attempts: true,
            test: cloudtrail_tampering,
        },
        Pattern {
            rule: NETWORK_LOGS,
            source: LogSource::CloudTrail,
            actions: &[
                "ec2:DeleteFlowLogs",
                "route53resolver:DeleteResolverQueryLogConfig",
                "route53resolver:DisassociateResolverQueryLogConfig",
                "route53:DeleteQueryLoggingConfig",
            ],
            attempts: true,
            test: network_logs_deleted,
        },
        Pattern {
            rule: MONITORING,
            source: LogSource::CloudTrail,
            actions: &[
                "guardduty:DeleteDetector",
                "guardduty:UpdateDetector",
                "guardduty:DisassociateFromMasterAccount",
                "guardduty:DisassociateFromAdministratorAccount",
                "securityhub:DisableSecurityHub",
                "securityhub:BatchDisableStandards",
                "config:StopConfigurationRecorder",
                "config:DeleteConfigurationRecorder",
                "config:DeleteDeliveryChannel",
                "access-analyzer:DeleteAnalyzer",
                "macie2:DisableMacie",
                "detective:DeleteGraph",
                "bedrock:DeleteModelInvocationLoggingConfiguration",
            ],
            attempts: true,
            test: monitoring_disabled,
        },
        Pattern {
            rule: LEAVE_ORGANIZATION,
            source: LogSource::CloudTrail,
            actions: &["organizations:LeaveOrganization"],
            attempts: true,
            test: |_| Some("asked to leave the AWS Organization".to_string()),
        },
    ],
    rules: &[],
    build: None,
};

fn cloudtrail_tampering(record: &Record) -> Option<String> {
    let trail = aws::param_str(record, "name")
        .or_else(|| aws::param_str(record, "trailName"))
        .or_else(|| aws::param_str(record, "eventDataStore"))
        .unwrap_or("?");
    match aws::api(&record.event.action) {
        "cloudtrail:StopLogging" => Some(format!("stopped logging of trail {trail}")),
        "cloudtrail:DeleteTrail" => Some(format!("deleted trail {trail}")),
        "cloudtrail:UpdateTrail" => {
            trail_update(record).map(|change| format!("{change} of trail {trail}"))
        }
        "cloudtrail:PutEventSelectors" => narrowed_selectors(record)
            .map(|how| format!("narrowed event selectors of trail {trail}: {how}")),
        api => Some(format!("{} {trail}", api.trim_start_matches("cloudtrail:"))),
    }
}

/// What an UpdateTrail changes that reduces or diverts the log.
fn trail_update(record: &Record) -> Option<String> {
    let off = |field| aws::param(record, field).and_then(Value::as_bool) == Some(false);
    let mut changes = Vec::new();
    if let Some(bucket) = aws::param_str(record, "s3BucketName") {
        changes.push(format!("moved delivery to bucket {bucket}"));
    }
    for (field, what) in [
        ("isMultiRegionTrail", "limited to one region"),
        (
            "includeGlobalServiceEvents",
            "dropped global service events",
        ),
        ("enableLogFileValidation", "turned off log file validation"),
    ] {
        if off(field) {
            changes.push(what.to_string());
        }
    }
    (!changes.is_empty()).then(|| changes.join(", "))
}

/// How new event selectors stop recording management events, if they do.
fn narrowed_selectors(record: &Record) -> Option<String> {
    let basic = aws::items(aws::param(record, "eventSelectors"));
    let advanced = aws::items(aws::param(record, "advancedEventSelectors"));
    let mut reasons = Vec::new();
    for selector in basic {
        if selector
            .get("includeManagementEvents")
            .and_then(Value::as_bool)
            == Some(false)
        {
            reasons.push("management events excluded".to_string());
        }
        if let Some(kind @ ("ReadOnly" | "WriteOnly")) =
            selector.get("readWriteType").and_then(Value::as_str)
        {
            reasons.push(format!("only {kind} events"));
        }
        if selector
            .get("excludeManagementEventSources")
            .and_then(Value::as_array)
            .is_some_and(|sources| !sources.is_empty())
        {
            reasons.push("management event sources excluded".to_string());
        }
    }
    let management_selected = advanced.iter().any(|selector| {
        aws::items(selector.get("fieldSelectors"))
            .iter()
            .any(|field| {
                field.get("field").and_then(Value::as_str) == Some("eventCategory")
                    && field
                        .get("equals")
                        .map(aws::strings)
                        .into_iter()
                        .flatten()
                        .any(|value| value == "Management")
            })
    });
    if !advanced.is_empty() && !management_selected {
        reasons.push("advanced selectors without management events".to_string());
    }
    reasons.dedup();
    (!reasons.is_empty()).then(|| reasons.join(", "))
}

fn network_logs_deleted(record: &Record) -> Option<String> {
    let what = aws::param_str(record, "DeleteFlowLogsRequest.FlowLogId.content")
        .or_else(|| aws::param_str(record, "resolverQueryLogConfigId"))
        .or_else(|| aws::param_str(record, "id"))
        .unwrap_or("?");
    Some(format!("{} {what}", aws::api(&record.event.action)))
}

fn monitoring_disabled(record: &Record) -> Option<String> {
    let api = aws::api(&record.event.action);
    if api == "guardduty:UpdateDetector"
        && aws::param(record, "enable").and_then(Value::as_bool) != Some(false)
    {
        return None;
    }
    Some(format!("called {api}"))
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user};
    use serde_json::{json, Value};
    let intruder = user("intruder");
    let call = |action: &str, params: Value| ct(0, &intruder, action).params(params).done();
    vec![
        Example::new(
            CLOUDTRAIL.id.as_ref(),
            vec![
                call("cloudtrail:StopLogging", json!({"name": "org-trail"})),
                call(
                    "cloudtrail:PutEventSelectors",
                    json!({"trailName": "t", "eventSelectors": [{"includeManagementEvents": false, "readWriteType": "All"}]}),
                ),
            ],
            vec![
                call(
                    "cloudtrail:PutEventSelectors",
                    json!({"trailName": "t", "eventSelectors": [{"includeManagementEvents": true, "readWriteType": "All"}]}),
                ),
                call(
                    "cloudtrail:UpdateTrail",
                    json!({"name": "t", "isMultiRegionTrail": true}),
                ),
                call("cloudtrail:StartLogging", json!({"name": "t"})),
            ],
        ),
        Example::new(
            NETWORK_LOGS.id.as_ref(),
            vec![call(
                "ec2:DeleteFlowLogs",
                json!({"DeleteFlowLogsRequest": {"FlowLogId": {"content": "fl-1"}}}),
            )],
            vec![call("ec2:CreateFlowLogs", json!({}))],
        ),
        Example::new(
            MONITORING.id.as_ref(),
            vec![call(
                "guardduty:UpdateDetector",
                json!({"detectorId": "d", "enable": false}),
            )],
            vec![call(
                "guardduty:UpdateDetector",
                json!({"detectorId": "d", "enable": true}),
            )],
        ),
        Example::new(
            LEAVE_ORGANIZATION.id.as_ref(),
            vec![ct(0, &intruder, "organizations:LeaveOrganization")
                .denied()
                .done()],
            vec![ct(0, &intruder, "organizations:DescribeOrganization").done()],
        ),
    ]
}
