//! Human tooling on machine identities (OWASP NHI10): an identity whose settled baseline shows
//! only programs (SDKs, infrastructure tools, controllers) suddenly signs in to a console, calls
//! from a browser or from an interactive CLI. Also console sign-ins without MFA. State: the
//! kinds of client each identity used, at most [`ToolKind::ALL`] of them.

use super::patterns::Pattern;
use super::state::{Baseline, IdMap};
use super::{aws, rule, Detector, Family, Hit, Seen};
use crate::normalise::{LogSource, Record};
use nhi_model::{OwaspNhi, RuleMeta, Severity};
use sonic_rs::JsonValueTrait;

/// What sort of client made a call, from its user agent and the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ToolKind {
    Console,
    Browser,
    Cli,
    Program,
}

impl ToolKind {
    const ALL: usize = 4;

    fn of(seen: &Seen<'_>) -> ToolKind {
        let record = seen.record;
        let agent = record.event.user_agent.as_deref().unwrap_or("");
        let console = aws::api(&record.event.action) == "signin:ConsoleLogin"
            || record.caller.console_session
            // Every console host names Amazon: one search rules most agents out.
            || agent.contains("amazon")
                && [
                    "console.amazonaws.com",
                    "signin.amazonaws.com",
                    "console.aws.amazon.com",
                ]
                .iter()
                .any(|host| agent.contains(host));
        if console {
            ToolKind::Console
        } else if agent.starts_with("Mozilla/") {
            ToolKind::Browser
        } else if ["aws-cli/", "kubectl/", "aws-shell/", "gcloud/", "az-cli/"]
            .iter()
            .any(|cli| agent.starts_with(cli))
        {
            ToolKind::Cli
        } else {
            ToolKind::Program
        }
    }

    fn is_human(self) -> bool {
        self != ToolKind::Program
    }

    fn describe(self) -> &'static str {
        match self {
            ToolKind::Console => "the web console",
            ToolKind::Browser => "a web browser",
            ToolKind::Cli => "an interactive command-line tool",
            ToolKind::Program => "a program",
        }
    }
}

static HUMAN_TOOLING: RuleMeta = rule(
    "machine-identity-human-tooling",
    "Machine identity used with human tooling",
    Severity::High,
    &[OwaspNhi::NHI10],
    "An identity that so far was only used by programs (SDKs, infrastructure tools, controllers) is now used from a console, a browser or an interactive CLI: a person is using a machine identity's credentials.",
    "Find who used the credential and why; give people their own identities, rotate the machine credential and restrict it to where the workload runs (source network or VPC conditions).",
);

const CONSOLE_WITHOUT_MFA: RuleMeta = rule(
    "aws-console-login-without-mfa",
    "Console sign-in without MFA",
    Severity::Medium,
    &[OwaspNhi::NHI4],
    "An IAM user or the root user signed in to the AWS console with a password alone, without multi-factor authentication.",
    "Require MFA for console access (an IAM policy denying everything without aws:MultiFactorAuthPresent), and check whether this user should have a console password at all.",
);

fn console_without_mfa(record: &Record) -> Option<String> {
    let user_kind = aws::raw_str(record, "userIdentity.type")?;
    if !matches!(user_kind, "IAMUser" | "Root") {
        return None;
    }
    let succeeded =
        aws::response(record, "ConsoleLogin").and_then(|v| v.as_str()) == Some("Success");
    let mfa = aws::raw_str(record, "additionalEventData.MFAUsed");
    (succeeded && mfa == Some("No")).then(|| {
        let from = record
            .event
            .source_ip
            .as_deref()
            .unwrap_or("an unknown address");
        format!("{user_kind} signed in to the console from {from} without MFA")
    })
}

pub(super) static FAMILY: Family = Family {
    patterns: &[Pattern {
        rule: CONSOLE_WITHOUT_MFA,
        source: LogSource::CloudTrail,
        actions: &["signin:ConsoleLogin"],
        attempts: false,
        test: console_without_mfa,
    }],
    rules: &[&HUMAN_TOOLING],
    build: Some(|| Box::<HumanTooling>::default()),
};

#[derive(Default)]
struct HumanTooling {
    tools: IdMap<Baseline<ToolKind>>,
}

impl Detector for HumanTooling {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let kind = ToolKind::of(seen);
        let tools = self
            .tools
            .entry(seen.identity, || Baseline::new(ToolKind::ALL));
        if !seen.mature {
            tools.learn(kind);
            return;
        }
        let machine_only = !tools.is_empty() && tools.iter().all(|tool| !tool.is_human());
        if machine_only && kind.is_human() {
            let agent = seen
                .record
                .event
                .user_agent
                .as_deref()
                .unwrap_or("no user agent");
            let agent: String = agent.chars().take(60).collect();
            let detail = format!(
                "{} ({}, {agent})",
                kind.describe(),
                seen.record.event.action
            );
            hits.push(Hit::on(&HUMAN_TOOLING, seen, detail));
        }
        tools.learn(kind);
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, role, user};
    use serde_json::json;
    let app = role("billing-app", "task-1");
    let sdk = |second| ct(second, &app, "dynamodb:GetItem").done();
    let mut fires: Vec<_> = (0..4).map(|i| sdk(i * 1200)).collect();
    fires.push(
        ct(4000, &app, "dynamodb:Scan")
            .agent("aws-cli/2.15.0 Python/3.11.6 Linux/6.5 exe/x86_64 prompt/off command/dynamodb.scan")
            .done(),
    );
    let mut quiet: Vec<_> = (0..4).map(|i| sdk(i * 1200)).collect();
    quiet.push(
        ct(10, &app, "s3:ListBuckets")
            .agent("aws-cli/2.15.0 Python/3.11.6")
            .done(),
    );
    quiet.push(
        ct(4000, &app, "dynamodb:Scan")
            .agent("aws-cli/2.15.0")
            .done(),
    );
    let person = user("alice");
    let login = |mfa: &str| {
        ct(0, &person, "signin:ConsoleLogin")
            .agent("Mozilla/5.0")
            .response(json!({"ConsoleLogin": "Success"}))
            .with("additionalEventData", json!({"MFAUsed": mfa}))
            .done()
    };
    vec![
        Example::new(HUMAN_TOOLING.id.as_ref(), fires, quiet),
        Example::new(
            CONSOLE_WITHOUT_MFA.id.as_ref(),
            vec![login("No")],
            vec![login("Yes")],
        ),
    ]
}
