//! Discovery bursts: an identity refused on many distinct actions within minutes (someone trying
//! what a found credential can do), and an identity surveying SES sending limits and identities
//! (the first step of abusing a cloud account to send spam). State: one short window per identity.

use super::state::DistinctWindow;
use super::{aws, rule, Detector, Family, Hit, Seen};
use chrono::TimeDelta;
use foldhash::HashMap;
use nhi_model::{Outcome, OwaspNhi, RuleMeta, Severity};

const WINDOW: TimeDelta = TimeDelta::minutes(10);
/// Records a window holds at most.
const WINDOW_CAP: usize = 512;
/// Distinct refused actions that make a burst.
const DENIED_ACTIONS: usize = 10;
/// Distinct SES discovery calls that make a survey.
const SES_CALLS: usize = 3;

/// Read-only SES calls that tell an abuser how much mail the account may send, and as whom.
const SES_DISCOVERY: [&str; 10] = [
    "ses:GetSendQuota",
    "ses:GetSendStatistics",
    "ses:GetAccountSendingEnabled",
    "ses:ListIdentities",
    "ses:ListVerifiedEmailAddresses",
    "ses:GetIdentityVerificationAttributes",
    "ses:ListEmailIdentities",
    "ses:GetAccount",
    "ses:DescribeActiveReceiptRuleSet",
    "ses:ListConfigurationSets",
];

static DENIED_BURST: RuleMeta = rule(
    "access-denied-enumeration",
    "Burst of refused calls across many actions",
    Severity::Medium,
    &[OwaspNhi::NHI2, OwaspNhi::NHI5],
    "An identity is refused on ten or more distinct actions within ten minutes: someone holding its credential is probing what it may do, which its own workload never needs.",
    "Treat the credential as compromised: find where the calls came from, rotate the credential and check whether any probe succeeded.",
);

static SES_SURVEY: RuleMeta = rule(
    "aws-ses-enumeration",
    "SES sending limits and identities surveyed",
    Severity::Medium,
    &[OwaspNhi::NHI2],
    "An identity reads several SES sending quotas, settings and verified identities within minutes: attackers do this with stolen keys before using the account to send spam or phishing.",
    "Check whether this identity has any reason to look at SES; if not, rotate its credential, remove its SES permissions and watch SendEmail/SendRawEmail activity.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[],
    rules: &[&DENIED_BURST, &SES_SURVEY],
    build: Some(|| Box::<Enumeration>::default()),
};

#[derive(Default)]
struct Enumeration {
    denied: HashMap<String, DistinctWindow<String>>,
    ses: HashMap<String, DistinctWindow<&'static str>>,
}

impl Detector for Enumeration {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let event = &seen.record.event;
        if event.outcome == Outcome::Denied {
            let window = self
                .denied
                .entry(event.principal.clone())
                .or_insert_with(|| DistinctWindow::new(WINDOW, WINDOW_CAP));
            window.push(event.time, event.action.clone(), seen.event_ref());
            if window.distinct() >= DENIED_ACTIONS {
                let actions: Vec<&str> = window
                    .keys()
                    .into_iter()
                    .take(5)
                    .map(String::as_str)
                    .collect();
                let detail = format!(
                    "refused on {} distinct actions within {} min ({}, ...)",
                    window.distinct(),
                    WINDOW.num_minutes(),
                    actions.join(", ")
                );
                hits.push(burst(&DENIED_BURST, seen, window.events(), detail));
                window.clear();
            }
        }
        let api = aws::api(&event.action);
        if let Some(call) = SES_DISCOVERY.iter().find(|call| **call == api) {
            let window = self
                .ses
                .entry(event.principal.clone())
                .or_insert_with(|| DistinctWindow::new(WINDOW, WINDOW_CAP));
            window.push(event.time, call, seen.event_ref());
            if window.distinct() >= SES_CALLS {
                let calls: Vec<&str> = window.keys().into_iter().copied().collect();
                let detail = format!(
                    "called {} within {} min",
                    calls.join(", "),
                    WINDOW.num_minutes()
                );
                hits.push(burst(&SES_SURVEY, seen, window.events(), detail));
                window.clear();
            }
        }
    }
}

/// A hit on every record of a window.
fn burst(
    rule: &'static RuleMeta,
    seen: &Seen<'_>,
    events: Vec<crate::sigma::EventRef>,
    detail: String,
) -> Hit {
    Hit {
        events,
        ..Hit::on(rule, seen, detail)
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user};
    let intruder = user("leaked");
    let probes = [
        "iam:ListUsers",
        "iam:ListRoles",
        "s3:ListBuckets",
        "ec2:DescribeInstances",
        "lambda:ListFunctions",
        "rds:DescribeDBInstances",
        "secretsmanager:ListSecrets",
        "kms:ListKeys",
        "dynamodb:ListTables",
        "sns:ListTopics",
        "sqs:ListQueues",
    ];
    let denied_burst = probes
        .iter()
        .enumerate()
        .map(|(i, call)| ct(i as i64 * 20, &intruder, call).denied().done())
        .collect();
    let slow = probes
        .iter()
        .enumerate()
        .map(|(i, call)| ct(i as i64 * 3600, &intruder, call).denied().done())
        .collect();
    let ses = |calls: &[&str]| {
        calls
            .iter()
            .enumerate()
            .map(|(i, call)| ct(i as i64 * 30, &intruder, call).done())
            .collect()
    };
    vec![
        Example::new(DENIED_BURST.id.as_ref(), denied_burst, slow),
        Example::new(
            SES_SURVEY.id.as_ref(),
            ses(&[
                "ses:GetSendQuota",
                "ses:ListIdentities",
                "ses:GetAccountSendingEnabled",
            ]),
            ses(&["ses:SendEmail", "ses:GetSendQuota", "ses:SendEmail"]),
        ),
    ]
}
