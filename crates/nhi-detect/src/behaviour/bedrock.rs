//! Amazon Bedrock abuse ("LLMjacking"): model access switched on (use-case form, agreements,
//! entitlements), and model invocation by an identity with a settled baseline that never invoked
//! a model before. State: per identity, whether it ever invoked a model.

use super::patterns::Pattern;
use super::state::IdMap;
use super::{aws, rule, Detector, Family, Hit, Seen};
use crate::normalise::LogSource;
use nhi_model::{OwaspNhi, RuleMeta, Severity};

/// Calls that run a model.
const INVOCATIONS: [&str; 4] = [
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "bedrock:Converse",
    "bedrock:ConverseStream",
];

const MODEL_ACCESS: RuleMeta = rule(
    "aws-bedrock-model-access-enabled",
    "Bedrock model access enabled",
    Severity::Medium,
    &[OwaspNhi::NHI2, OwaspNhi::NHI5],
    "An identity submits the Bedrock use-case form, accepts a model agreement or takes a model entitlement: the steps to unlock foundation models, which attackers take with stolen keys to run models at the victim's expense.",
    "Check that enabling this model was planned; otherwise revoke the identity's credential and restrict bedrock:PutFoundationModelEntitlement and the marketplace subscription actions.",
);

static NEW_INVOKER: RuleMeta = rule(
    "aws-bedrock-new-invoker",
    "Bedrock model invoked by a new identity",
    Severity::Medium,
    &[OwaspNhi::NHI2],
    "An identity with a settled baseline invokes a Bedrock model for the first time: a workload that never used generative AI now does, or someone is using its credential to.",
    "Confirm the workload was changed to use Bedrock; otherwise rotate the credential and deny bedrock:Invoke* to identities that do not need it.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[Pattern {
        rule: MODEL_ACCESS,
        source: LogSource::CloudTrail,
        actions: &[
            "bedrock:PutUseCaseForModelAccess",
            "bedrock:CreateFoundationModelAgreement",
            "bedrock:PutFoundationModelEntitlement",
        ],
        attempts: true,
        test: |record| {
            let model = aws::param_str(record, "modelId").unwrap_or("a model");
            Some(format!("{} for {model}", aws::api(&record.event.action)))
        },
    }],
    rules: &[&NEW_INVOKER],
    build: Some(|| Box::<NewInvoker>::default()),
};

#[derive(Default)]
struct NewInvoker {
    /// Per identity: whether it ever invoked a model.
    invoked: IdMap<bool>,
}

impl Detector for NewInvoker {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        let invocation =
            aws::is_cloudtrail(record) && INVOCATIONS.contains(&aws::api(&record.event.action));
        let invoked = self.invoked.entry(seen.identity, || false);
        if invocation && !*invoked && seen.mature {
            let model = aws::param_str(record, "modelId").unwrap_or("a model");
            hits.push(Hit::on(
                &NEW_INVOKER,
                seen,
                format!("first invocation, of {model}"),
            ));
        }
        *invoked |= invocation;
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, role};
    use serde_json::json;
    let app = role("support-bot", "task");
    let invoke = |second| {
        ct(second, &app, "bedrock:InvokeModel")
            .params(json!({"modelId": "anthropic.claude-3-sonnet"}))
            .done()
    };
    let routine = |action: &str| {
        (0..4)
            .map(|i| ct(i * 1200, &app, action).done())
            .collect::<Vec<_>>()
    };
    let mut fires = routine("dynamodb:GetItem");
    fires.push(invoke(4000));
    let mut quiet = routine("dynamodb:GetItem");
    quiet.push(invoke(100));
    quiet.push(invoke(4000));
    vec![
        Example::new(
            MODEL_ACCESS.id.as_ref(),
            vec![ct(0, &app, "bedrock:PutFoundationModelEntitlement")
                .params(json!({"modelId": "m"}))
                .done()],
            vec![ct(0, &app, "bedrock:ListFoundationModels").done()],
        ),
        Example::new(NEW_INVOKER.id.as_ref(), fires, quiet),
    ]
}
