//! Execution on and access into EC2 instances through the control plane: SSM commands and
//! sessions, EC2 Instance Connect and serial-console keys, user data rewritten (code that runs at
//! the next boot), and launches of GPU or other unusual instance types (crypto-mining).
//! Single-record patterns; refused launches and commands count as attempts.

use super::patterns::Pattern;
use super::{aws, rule, Family};
use crate::normalise::{LogSource, Record};
use nhi_model::{OwaspNhi, RuleMeta, Severity};
use sonic_rs::{JsonValueTrait, Value};

/// Instance families with GPUs or other accelerators, favoured by crypto-miners and model thieves.
const ACCELERATED_FAMILIES: [&str; 12] = [
    "p2", "p3", "p4", "p5", "g3", "g4", "g5", "g6", "inf", "trn", "dl1", "f1",
];
/// Instances asked for in one call that make a launch unusual whatever their type.
const MANY_INSTANCES: i64 = 20;

const SEND_COMMAND: RuleMeta = rule(
    "aws-ssm-send-command",
    "Commands run on instances through SSM",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "An identity runs a shell or PowerShell document on instances through SSM Run Command: code runs on the hosts, with their instance role, without any network access to them.",
    "Check that the identity runs commands as part of its job (patching, deployment); otherwise review the command output and the instances, and restrict ssm:SendCommand to approved documents.",
);

const START_SESSION: RuleMeta = rule(
    "aws-ssm-start-session",
    "Interactive SSM session opened on an instance",
    Severity::Medium,
    &[OwaspNhi::NHI10],
    "An identity opens an interactive shell on an instance through SSM Session Manager.",
    "Check who opened the session and why; sessions should come from people's own identities, with session logging enabled.",
);

const INSTANCE_CONNECT: RuleMeta = rule(
    "aws-ec2-instance-connect-key-pushed",
    "SSH key pushed to an instance through EC2 Instance Connect",
    Severity::Medium,
    &[OwaspNhi::NHI10],
    "An identity pushes a temporary SSH public key to an instance with EC2 Instance Connect, to log in over SSH as the named OS user.",
    "Confirm the login was expected; restrict ec2-instance-connect:SendSSHPublicKey to the people and instances that need it.",
);

const SERIAL_CONSOLE: RuleMeta = rule(
    "aws-ec2-serial-console-access",
    "EC2 serial console access",
    Severity::High,
    &[OwaspNhi::NHI10],
    "Serial console access is enabled for the account, or an SSH key is pushed to an instance's serial console: a way into instances that bypasses network controls.",
    "Disable serial console access unless needed for recovery (ec2:DisableSerialConsoleAccess) and review who used it.",
);

const USER_DATA_MODIFIED: RuleMeta = rule(
    "aws-ec2-user-data-modified",
    "EC2 user data rewritten",
    Severity::High,
    &[OwaspNhi::NHI5],
    "An instance's user data is changed: the new script runs as root at the next start, often after the attacker stops and starts the instance.",
    "Compare the user data with the approved version, restore it, and review the instance if it was restarted since.",
);

const UNUSUAL_LAUNCH: RuleMeta = rule(
    "aws-ec2-unusual-instance-launch",
    "Unusual EC2 instances launched",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "GPU or accelerator instances, or a large number of instances at once, are launched (or tried): the usual sign of crypto-mining with stolen credentials.",
    "Confirm the launch was planned; otherwise terminate the instances, rotate the identity's credential and cap instance types with a service control policy.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: SEND_COMMAND,
            source: LogSource::CloudTrail,
            actions: &["ssm:SendCommand"],
            attempts: true,
            test: send_command,
        },
        Pattern {
            rule: START_SESSION,
            source: LogSource::CloudTrail,
            actions: &["ssm:StartSession"],
            attempts: true,
            test: |record| {
                let target = aws::param_str(record, "target").unwrap_or("?");
                Some(format!("opened a session on {target}"))
            },
        },
        Pattern {
            rule: INSTANCE_CONNECT,
            source: LogSource::CloudTrail,
            actions: &["ec2-instance-connect:SendSSHPublicKey"],
            attempts: true,
            test: |record| {
                let instance = aws::param_str(record, "instanceId").unwrap_or("?");
                let os_user = aws::param_str(record, "instanceOSUser").unwrap_or("?");
                Some(format!("pushed an SSH key for {os_user} to {instance}"))
            },
        },
        Pattern {
            rule: SERIAL_CONSOLE,
            source: LogSource::CloudTrail,
            actions: &[
                "ec2:EnableSerialConsoleAccess",
                "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
            ],
            attempts: true,
            test: |record| match aws::param_str(record, "instanceId") {
                Some(instance) => Some(format!(
                    "pushed an SSH key to the serial console of {instance}"
                )),
                None => Some("enabled serial console access for the account".to_string()),
            },
        },
        Pattern {
            rule: USER_DATA_MODIFIED,
            source: LogSource::CloudTrail,
            actions: &["ec2:ModifyInstanceAttribute"],
            attempts: true,
            test: user_data_modified,
        },
        Pattern {
            rule: UNUSUAL_LAUNCH,
            source: LogSource::CloudTrail,
            actions: &["ec2:RunInstances"],
            attempts: true,
            test: unusual_launch,
        },
    ],
    rules: &[],
    build: None,
};

fn send_command(record: &Record) -> Option<String> {
    let document = aws::param_str(record, "documentName").unwrap_or("a document");
    let targets: Vec<&str> = aws::param(record, "instanceIds")
        .map(aws::strings)
        .into_iter()
        .flatten()
        .collect();
    let on = if targets.is_empty() {
        "targets chosen by tag".to_string()
    } else {
        format!("{} instance(s): {}", targets.len(), targets.join(", "))
    };
    Some(format!("ran {document} on {on}"))
}

fn user_data_modified(record: &Record) -> Option<String> {
    let changed = aws::param(record, "userData").is_some()
        || aws::param_str(record, "attribute") == Some("userData");
    let instance = aws::param_str(record, "instanceId").unwrap_or("?");
    changed.then(|| format!("changed the user data of {instance}"))
}

fn unusual_launch(record: &Record) -> Option<String> {
    let kind = aws::param_str(record, "instanceType").unwrap_or("");
    let family = kind.split('.').next().unwrap_or("");
    let accelerated = ACCELERATED_FAMILIES
        .iter()
        .any(|prefix| family.starts_with(prefix));
    let count = aws::items(aws::param(record, "instancesSet"))
        .iter()
        .filter_map(|item| item.get("maxCount").and_then(Value::as_i64))
        .max()
        .unwrap_or(1);
    if accelerated {
        Some(format!(
            "asked for up to {count} {kind} (GPU/accelerator) instance(s)"
        ))
    } else if count >= MANY_INSTANCES {
        Some(format!("asked for up to {count} {kind} instances at once"))
    } else {
        None
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user};
    use serde_json::{json, Value};
    let admin = user("admin");
    let call = |action: &str, params: Value| ct(0, &admin, action).params(params).done();
    let launch = |kind: &str, count: i64| {
        call(
            "ec2:RunInstances",
            json!({"instanceType": kind, "instancesSet": {"items": [{"imageId": "ami-1", "maxCount": count}]}}),
        )
    };
    vec![
        Example::new(
            SEND_COMMAND.id.as_ref(),
            vec![call(
                "ssm:SendCommand",
                json!({"documentName": "AWS-RunShellScript", "instanceIds": ["i-0123456789abcdef0"]}),
            )],
            vec![call("ssm:ListCommands", json!({}))],
        ),
        Example::new(
            START_SESSION.id.as_ref(),
            vec![call(
                "ssm:StartSession",
                json!({"target": "i-0123456789abcdef0"}),
            )],
            vec![call("ssm:DescribeSessions", json!({}))],
        ),
        Example::new(
            INSTANCE_CONNECT.id.as_ref(),
            vec![call(
                "ec2-instance-connect:SendSSHPublicKey",
                json!({"instanceId": "i-1", "instanceOSUser": "ec2-user"}),
            )],
            vec![call("ec2:DescribeInstances", json!({}))],
        ),
        Example::new(
            SERIAL_CONSOLE.id.as_ref(),
            vec![call("ec2:EnableSerialConsoleAccess", json!({}))],
            vec![call("ec2:GetSerialConsoleAccessStatus", json!({}))],
        ),
        Example::new(
            USER_DATA_MODIFIED.id.as_ref(),
            vec![call(
                "ec2:ModifyInstanceAttribute",
                json!({"instanceId": "i-1", "userData": "<sensitiveDataRemoved>"}),
            )],
            vec![call(
                "ec2:ModifyInstanceAttribute",
                json!({"instanceId": "i-1", "instanceType": {"value": "t3.large"}}),
            )],
        ),
        Example::new(
            UNUSUAL_LAUNCH.id.as_ref(),
            vec![launch("p3.8xlarge", 1), launch("t3.micro", 50)],
            vec![launch("t3.micro", 2), launch("gp2.fake", 1)],
        ),
    ]
}
