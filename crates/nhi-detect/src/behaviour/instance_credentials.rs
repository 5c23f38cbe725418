//! EC2 instance-role credentials used away from their instance (GuardDuty's
//! InstanceCredentialExfiltration): the session EC2 names after the instance (`i-...`) calls
//! from a public network the instance never called from before, or from the very network of a
//! principal that just ran a command on that instance. Calls AWS services make on the
//! instance's behalf are ignored. State: per instance, its networks and recent commanders.

use super::net::Network;
use super::state::{Baseline, IdleMap};
use super::{aws, rule, Detector, Family, Hit, Seen};
use crate::sigma::EventRef;
use chrono::TimeDelta;
use nhi_model::{OwaspNhi, RuleMeta, Severity, Timestamp};

/// Networks remembered per instance.
const NETWORKS: usize = 16;
/// Instances tracked at once, and how long an idle one is remembered.
const INSTANCES: usize = 100_000;
const INSTANCE_IDLE: TimeDelta = TimeDelta::days(7);
/// How long after a remote command a use of the instance's credentials is linked to it.
const COMMAND_LINK: TimeDelta = TimeDelta::hours(1);

/// Calls that run something on (or open a shell into) instances, and where they name them.
const REMOTE_COMMANDS: [(&str, &str); 4] = [
    ("ssm:SendCommand", "instanceIds"),
    ("ssm:StartSession", "target"),
    ("ec2-instance-connect:SendSSHPublicKey", "instanceId"),
    (
        "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
        "instanceId",
    ),
];

static EXFILTRATION: RuleMeta = rule(
    "aws-instance-credentials-exfiltration",
    "EC2 instance credentials used outside the instance",
    Severity::Critical,
    &[OwaspNhi::NHI2],
    "The role credentials EC2 delivers to one instance are used from a network the instance does not call from, or from the network of someone who just ran a command on it: they were taken off the instance.",
    "Revoke the role's active sessions (an inline deny on aws:TokenIssueTime), find how the credentials left the instance (SSRF to the metadata service, a remote command), enforce IMDSv2 and review what the calls did.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[],
    rules: &[&EXFILTRATION],
    build: Some(|| Box::new(InstanceCredentials::new())),
};

/// Someone who ran a command on an instance, and from where.
struct Commander {
    principal: String,
    network: Network,
    time: Timestamp,
    event: EventRef,
}

#[derive(Default)]
struct Instance {
    networks: Option<Baseline<Network>>,
    commanders: Vec<Commander>,
}

struct InstanceCredentials {
    instances: IdleMap<String, Instance>,
}

impl InstanceCredentials {
    fn new() -> Self {
        InstanceCredentials {
            instances: IdleMap::new(INSTANCE_IDLE, INSTANCES),
        }
    }

    fn remember_commander(&mut self, seen: &Seen<'_>, network: Network) {
        let record = seen.record;
        let api = aws::api(&record.event.action);
        let Some((_, field)) = REMOTE_COMMANDS.iter().find(|(call, _)| *call == api) else {
            return;
        };
        let Some(targets) = aws::param(record, field) else {
            return;
        };
        let now = seen.time();
        for instance in aws::strings(targets).filter(|id| aws::is_instance_id(id)) {
            let state = self.instances.touch(instance, now, Instance::default);
            state.commanders.retain(|c| c.time + COMMAND_LINK >= now);
            state.commanders.push(Commander {
                principal: seen.principal().to_string(),
                network,
                time: now,
                event: seen.event_ref(),
            });
        }
    }

    fn judge(&mut self, seen: &Seen<'_>, instance: &str, network: Network, hits: &mut Vec<Hit>) {
        let now = seen.time();
        let state = self.instances.touch(instance, now, Instance::default);
        state.commanders.retain(|c| c.time + COMMAND_LINK >= now);
        let principal = seen.principal();
        if let Some(commander) = state
            .commanders
            .iter()
            .find(|c| c.network == network && c.principal != principal)
        {
            let detail = format!(
                "credentials of instance {instance} used from {network}, where {} ran a command on it {} min earlier",
                commander.principal,
                (now - commander.time).num_minutes()
            );
            let mut hit = Hit::on(&EXFILTRATION, seen, detail);
            hit.events.insert(0, commander.event.clone());
            hits.push(hit);
            return;
        }
        let networks = state
            .networks
            .get_or_insert_with(|| Baseline::new(NETWORKS));
        let known_public = networks.iter().filter(|n| n.is_public()).count();
        let outside = network.is_public()
            && known_public > 0
            && !networks.saturated()
            && !networks.contains(&network);
        if outside {
            let usual: Vec<String> = networks.iter().map(ToString::to_string).collect();
            let detail = format!(
                "credentials of instance {instance} used from {network}; the instance called from {} before",
                usual.join(", ")
            );
            hits.push(Hit::on(&EXFILTRATION, seen, detail));
        } else {
            networks.learn(network);
        }
    }
}

impl Detector for InstanceCredentials {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        if !aws::is_cloudtrail(record) || aws::via_aws_service(record) {
            return;
        }
        let Some(network) = seen.network else {
            return;
        };
        if !network.is_client() {
            return;
        }
        match aws::instance_session(record) {
            Some(instance) => self.judge(seen, instance, network, hits),
            None if record.event.outcome == nhi_model::Outcome::Success => {
                self.remember_commander(seen, network)
            }
            None => {}
        }
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, role, user};
    use serde_json::json;
    let instance = role("web", "i-0123456789abcdef0");
    let from_instance = |second| {
        ct(second, &instance, "s3:GetObject")
            .ip("198.51.100.20")
            .done()
    };
    let stolen = vec![
        from_instance(0),
        from_instance(60),
        ct(600, &instance, "sts:GetCallerIdentity")
            .ip("203.0.113.50")
            .done(),
    ];
    let admin = user("admin");
    let commanded = vec![
        ct(0, &admin, "ssm:SendCommand")
            .ip("192.0.2.10")
            .params(json!({"instanceIds": ["i-0123456789abcdef0"], "documentName": "AWS-RunShellScript"}))
            .done(),
        ct(90, &instance, "ec2:DescribeInstances").ip("192.0.2.10").done(),
    ];
    let quiet = vec![
        from_instance(0),
        from_instance(60),
        ct(120, &instance, "s3:GetObject").ip("10.0.4.5").done(),
        ct(180, &instance, "kms:Decrypt")
            .ip("kms.amazonaws.com")
            .done(),
        ct(240, &admin, "ssm:SendCommand")
            .ip("192.0.2.10")
            .params(json!({"instanceIds": ["i-0123456789abcdef0"]}))
            .done(),
        from_instance(300),
    ];
    vec![
        Example::new(EXFILTRATION.id.as_ref(), stolen, quiet),
        Example::new(EXFILTRATION.id.as_ref(), commanded, Vec::new()),
    ]
}
