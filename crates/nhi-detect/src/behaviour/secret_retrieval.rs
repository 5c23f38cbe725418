//! Bulk retrieval of secrets: one identity reading many distinct secrets within minutes (Secrets
//! Manager values, decrypted SSM parameters, EC2 Windows passwords, EC2 user data), or sweeping
//! them by filter or path in one call. Refused attempts count: the intent is the signal. State:
//! per identity and kind of secret, one short window of the names read.

use super::state::DistinctWindow;
use super::{aws, rule, Detector, Family, Hit, Seen};
use crate::normalise::Record;
use chrono::TimeDelta;
use foldhash::HashMap;
use nhi_model::{OwaspNhi, RuleMeta, Severity};
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};

const WINDOW: TimeDelta = TimeDelta::minutes(10);
const WINDOW_CAP: usize = 1024;
/// Distinct secrets read within the window that make a bulk retrieval.
const DISTINCT_SECRETS: usize = 10;

/// What one call retrieved: named secrets, or a sweep of every secret matching a filter or path.
#[derive(Default)]
struct Retrieved {
    names: Vec<String>,
    sweep: Option<String>,
}

/// A kind of secret store and how its calls name what they read.
struct SecretKind {
    rule: RuleMeta,
    noun: &'static str,
    calls: &'static [&'static str],
    read: fn(&Record) -> Retrieved,
}

const SECRETS_MANAGER: SecretKind = SecretKind {
    rule: rule(
        "aws-secrets-manager-bulk-retrieval",
        "Secrets Manager secrets retrieved in bulk",
        Severity::High,
        &[OwaspNhi::NHI2, OwaspNhi::NHI5],
        "One identity retrieves the values of many distinct Secrets Manager secrets within minutes, or every secret matching a filter in one batch call: secrets are being harvested.",
        "Confirm the identity's job needs these secrets; if not, rotate every secret it read, revoke its credential and narrow its secretsmanager:GetSecretValue permission to its own secrets.",
    ),
    noun: "secrets",
    calls: &["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
    read: secrets_manager,
};

const SSM_PARAMETERS: SecretKind = SecretKind {
    rule: rule(
        "aws-ssm-parameter-bulk-decryption",
        "SSM SecureString parameters decrypted in bulk",
        Severity::High,
        &[OwaspNhi::NHI2, OwaspNhi::NHI5],
        "One identity decrypts many distinct SSM parameters within minutes, or every parameter under a path: SecureString secrets are being harvested.",
        "Confirm the identity's job needs these parameters; if not, rotate every secret they hold, revoke its credential and narrow ssm:GetParameter* and kms:Decrypt to its own parameters.",
    ),
    noun: "decrypted parameters",
    calls: &["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
    read: ssm_parameters,
};

const PASSWORD_DATA: SecretKind = SecretKind {
    rule: rule(
        "aws-ec2-password-data-bulk-retrieval",
        "EC2 Windows passwords retrieved in bulk",
        Severity::High,
        &[OwaspNhi::NHI2],
        "One identity asks for the encrypted administrator password data of many EC2 instances within minutes: someone holding the launch key pair can decrypt them and log in.",
        "Check why this identity needs instance passwords; rotate the local administrator passwords of the instances asked for and remove ec2:GetPasswordData from identities that do not launch Windows hosts.",
    ),
    noun: "instance passwords",
    calls: &["ec2:GetPasswordData"],
    read: instance_target,
};

const USER_DATA: SecretKind = SecretKind {
    rule: rule(
        "aws-ec2-user-data-bulk-read",
        "EC2 user data read in bulk",
        Severity::Medium,
        &[OwaspNhi::NHI2],
        "One identity reads the user data of many EC2 instances within minutes: bootstrap scripts often carry credentials, and reading them across a fleet is credential harvesting.",
        "Check why this identity reads user data; move any secret out of user data (into Secrets Manager or SSM), rotate those exposed, and restrict ec2:DescribeInstanceAttribute.",
    ),
    noun: "instances' user data",
    calls: &["ec2:DescribeInstanceAttribute"],
    read: user_data,
};

static KINDS: [SecretKind; 4] = [SECRETS_MANAGER, SSM_PARAMETERS, PASSWORD_DATA, USER_DATA];

/// The kinds' rules, in the same order.
static RULES: [&RuleMeta; 4] = [
    &KINDS[0].rule,
    &KINDS[1].rule,
    &KINDS[2].rule,
    &KINDS[3].rule,
];

pub(super) static FAMILY: Family = Family {
    patterns: &[],
    rules: &RULES,
    build: Some(|| Box::<BulkRetrieval>::default()),
};

fn secrets_manager(record: &Record) -> Retrieved {
    let mut names: Vec<String> = aws::param_str(record, "secretId")
        .into_iter()
        .chain(
            aws::param(record, "secretIdList")
                .map(aws::strings)
                .into_iter()
                .flatten(),
        )
        .map(str::to_string)
        .collect();
    names.dedup();
    let sweep = aws::param(record, "filters")
        .filter(|filters| {
            filters
                .as_array()
                .is_some_and(|filters| !filters.is_empty())
        })
        .map(|filters| format!("every secret matching {}", compact(filters)));
    Retrieved { names, sweep }
}

fn ssm_parameters(record: &Record) -> Retrieved {
    if aws::param(record, "withDecryption").and_then(Value::as_bool) != Some(true) {
        return Retrieved::default();
    }
    let names = aws::param_str(record, "name")
        .into_iter()
        .chain(
            aws::param(record, "names")
                .map(aws::strings)
                .into_iter()
                .flatten(),
        )
        .map(str::to_string)
        .collect();
    let sweep = aws::param_str(record, "path").map(|path| format!("every parameter under {path}"));
    Retrieved { names, sweep }
}

fn instance_target(record: &Record) -> Retrieved {
    Retrieved {
        names: aws::param_str(record, "instanceId")
            .map(str::to_string)
            .into_iter()
            .collect(),
        sweep: None,
    }
}

fn user_data(record: &Record) -> Retrieved {
    if aws::param_str(record, "attribute") != Some("userData") {
        return Retrieved::default();
    }
    instance_target(record)
}

/// A short JSON rendering of a request value for summaries.
fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

#[derive(Default)]
struct BulkRetrieval {
    windows: HashMap<(String, usize), DistinctWindow<String>>,
}

impl Detector for BulkRetrieval {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        if !aws::is_cloudtrail(record) {
            return;
        }
        let api = aws::api(&record.event.action);
        let Some((slot, kind)) = KINDS
            .iter()
            .enumerate()
            .find(|(_, kind)| kind.calls.contains(&api))
        else {
            return;
        };
        let retrieved = (kind.read)(record);
        if let Some(sweep) = retrieved.sweep {
            hits.push(Hit::on(
                RULES[slot],
                seen,
                format!("{api} retrieved {sweep}"),
            ));
            return;
        }
        if retrieved.names.is_empty() {
            return;
        }
        let window = self
            .windows
            .entry((seen.principal().to_string(), slot))
            .or_insert_with(|| DistinctWindow::new(WINDOW, WINDOW_CAP));
        for name in retrieved.names {
            window.push(seen.time(), name, seen.event_ref());
        }
        if window.distinct() >= DISTINCT_SECRETS {
            let detail = format!(
                "{} distinct {} read within {} min",
                window.distinct(),
                kind.noun,
                WINDOW.num_minutes()
            );
            hits.push(Hit {
                events: window.events(),
                ..Hit::on(RULES[slot], seen, detail)
            });
            window.clear();
        }
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user};
    use serde_json::{json, Value};
    let thief = user("thief");
    let app = user("app");
    let each =
        |caller: &super::testlog::Caller, call: &str, count: i64, params: &dyn Fn(i64) -> Value| {
            (0..count)
                .map(|i| ct(i * 5, caller, call).params(params(i)).done())
                .collect::<Vec<_>>()
        };
    let secret = |i: i64| json!({"secretId": format!("prod/db-{i}")});
    let same_secret = |_| json!({"secretId": "prod/db"});
    let parameter = |decrypt: bool| move |i: i64| json!({"names": [format!("/app/key-{i}"), format!("/app/token-{i}")], "withDecryption": decrypt});
    let instance = |i: i64| json!({"instanceId": format!("i-0000000000000{i:04}")});
    let user_data = |attribute: &'static str| move |i: i64| json!({"attribute": attribute, "instanceId": format!("i-0000000000000{i:04}")});
    vec![
        Example::new(
            SECRETS_MANAGER.rule.id.as_ref(),
            each(&thief, "secretsmanager:GetSecretValue", 12, &secret),
            each(&app, "secretsmanager:GetSecretValue", 200, &same_secret),
        ),
        Example::new(
            SECRETS_MANAGER.rule.id.as_ref(),
            vec![ct(0, &thief, "secretsmanager:BatchGetSecretValue")
                .params(json!({"filters": [{"key": "tag-key", "values": ["prod"]}]}))
                .done()],
            vec![ct(0, &app, "secretsmanager:BatchGetSecretValue")
                .params(json!({"secretIdList": ["a", "b"]}))
                .done()],
        ),
        Example::new(
            SSM_PARAMETERS.rule.id.as_ref(),
            each(&thief, "ssm:GetParameters", 6, &parameter(true)),
            each(&app, "ssm:GetParameters", 6, &parameter(false)),
        ),
        Example::new(
            PASSWORD_DATA.rule.id.as_ref(),
            each(&thief, "ec2:GetPasswordData", 10, &|i| instance(i)),
            each(&app, "ec2:GetPasswordData", 3, &|i| instance(i)),
        ),
        Example::new(
            USER_DATA.rule.id.as_ref(),
            each(
                &thief,
                "ec2:DescribeInstanceAttribute",
                10,
                &user_data("userData"),
            ),
            each(
                &app,
                "ec2:DescribeInstanceAttribute",
                10,
                &user_data("instanceType"),
            ),
        ),
    ]
}
