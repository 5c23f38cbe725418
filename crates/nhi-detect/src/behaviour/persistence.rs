//! Persistence through new ways in: role trust policies opened to other accounts, IAM Roles
//! Anywhere trust anchors (any certificate of a foreign CA becomes a credential), federation
//! tokens (sessions that outlive the key that made them), Lambda layers slipped into functions
//! and Lambda code replaced. Single-record patterns.

use super::patterns::Pattern;
use super::{aws, rule, Family};
use crate::normalise::{LogSource, Record};
use nhi_model::{OwaspNhi, RuleMeta, Severity};

const TRUST_BACKDOOR: RuleMeta = rule(
    "aws-role-trust-backdoor",
    "Role trust opened to another account",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A role is created or its trust policy rewritten so that another AWS account (or anyone) may assume it: a backdoor that survives the rotation of every credential in this account.",
    "Restore the trust policy to its approved principals, revoke the role's sessions issued since, and check whether the outside account assumed it.",
);

const TRUST_ANCHOR: RuleMeta = rule(
    "aws-rolesanywhere-trust-anchor-created",
    "IAM Roles Anywhere trust anchor created or changed",
    Severity::High,
    &[OwaspNhi::NHI7],
    "A Roles Anywhere trust anchor is created or repointed: whoever holds a certificate from its CA can obtain role credentials from anywhere, without any AWS key.",
    "Confirm the CA is your own PKI; otherwise delete the trust anchor and its profiles and review sessions obtained through them.",
);

const FEDERATION_TOKEN: RuleMeta = rule(
    "aws-federation-token-created",
    "Federation token created by an IAM user",
    Severity::Medium,
    &[OwaspNhi::NHI7],
    "An IAM user obtains a federation token: the temporary session lives on (up to 36 hours) even after the user's access key is deleted, a known way to keep access during incident response.",
    "Check why the user needs federation tokens; when responding to a leaked key, also deny sts:GetFederationToken and revoke active federated sessions.",
);

const LAMBDA_LAYER: RuleMeta = rule(
    "aws-lambda-layer-attached",
    "Lambda layer added to a function",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "A function's configuration gets layers: code in a layer (or an extension) runs inside the function with its role and sees its requests and secrets.",
    "Check the layers are your own published versions; a layer from another account is a strong sign of tampering.",
);

const LAMBDA_CODE: RuleMeta = rule(
    "aws-lambda-code-updated",
    "Lambda function code replaced",
    Severity::Low,
    &[OwaspNhi::NHI5],
    "A function's code is replaced outside of a deployment: backdoored code runs with the function's role on every invocation.",
    "Check that the update came from your deployment pipeline's identity; otherwise restore the previous version and review the role's activity.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: TRUST_BACKDOOR,
            source: LogSource::CloudTrail,
            actions: &["iam:UpdateAssumeRolePolicy", "iam:CreateRole"],
            attempts: false,
            test: trust_backdoor,
        },
        Pattern {
            rule: TRUST_ANCHOR,
            source: LogSource::CloudTrail,
            actions: &[
                "rolesanywhere:CreateTrustAnchor",
                "rolesanywhere:UpdateTrustAnchor",
            ],
            attempts: true,
            test: |record| {
                let name = aws::param_str(record, "name")
                    .or_else(|| aws::param_str(record, "trustAnchorId"))
                    .unwrap_or("?");
                let source = aws::param_str(record, "source.sourceType")
                    .unwrap_or("a certificate authority");
                Some(format!(
                    "trust anchor {name} now accepts certificates from {source}"
                ))
            },
        },
        Pattern {
            rule: FEDERATION_TOKEN,
            source: LogSource::CloudTrail,
            actions: &["sts:GetFederationToken"],
            attempts: false,
            test: federation_token,
        },
        Pattern {
            rule: LAMBDA_LAYER,
            source: LogSource::CloudTrail,
            actions: &[
                "lambda:UpdateFunctionConfiguration",
                "lambda:CreateFunction",
            ],
            attempts: false,
            test: lambda_layer,
        },
        Pattern {
            rule: LAMBDA_CODE,
            source: LogSource::CloudTrail,
            actions: &["lambda:UpdateFunctionCode"],
            attempts: false,
            test: |record| {
                Some(format!(
                    "replaced the code of function {}",
                    function_name(record)
                ))
            },
        },
    ],
    rules: &[],
    build: None,
};

fn function_name(record: &Record) -> &str {
    let name = aws::param_str(record, "functionName").unwrap_or("?");
    name.rsplit(':').next().unwrap_or(name)
}

fn trust_backdoor(record: &Record) -> Option<String> {
    let document = aws::param(record, "policyDocument")
        .or_else(|| aws::param(record, "assumeRolePolicyDocument"))
        .and_then(aws::policy)?;
    let outsiders = aws::foreign_principals(&document, aws::own_account(record));
    if outsiders.is_empty() {
        return None;
    }
    let role = aws::param_str(record, "roleName").unwrap_or("?");
    let who: Vec<String> = outsiders
        .iter()
        .map(|outsider| {
            if outsider == "*" {
                "anyone".to_string()
            } else {
                format!("account {outsider}")
            }
        })
        .collect();
    Some(format!(
        "role {role} may now be assumed by {}",
        who.join(", ")
    ))
}

fn federation_token(record: &Record) -> Option<String> {
    let name = aws::param_str(record, "name").unwrap_or("?");
    let broad = aws::param(record, "policy")
        .and_then(aws::policy)
        .is_some_and(|policy| policy.to_string().contains("\"Action\":\"*\""));
    let scope = if broad {
        " with a session policy allowing every action"
    } else {
        ""
    };
    Some(format!("created federated user session {name}{scope}"))
}

fn lambda_layer(record: &Record) -> Option<String> {
    let layers: Vec<&str> = aws::param(record, "layers")
        .map(aws::strings)
        .into_iter()
        .flatten()
        .collect();
    if layers.is_empty() {
        return None;
    }
    let own = aws::own_account(record);
    let foreign = layers
        .iter()
        .filter_map(|layer| layer.split(':').nth(4))
        .any(|account| Some(account) != own);
    let note = if foreign {
        " (from another account)"
    } else {
        ""
    };
    let names: Vec<&str> = layers
        .iter()
        .map(|layer| layer.split(":layer:").nth(1).unwrap_or(layer))
        .collect();
    Some(format!(
        "function {} now loads layer(s) {}{note}",
        function_name(record),
        names.join(", ")
    ))
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user, ACCOUNT, FOREIGN_ACCOUNT};
    use serde_json::{json, Value};
    let admin = user("admin");
    let call = |action: &str, params: Value| ct(0, &admin, action).params(params).done();
    let trust = |principal: &str| {
        json!({"roleName": "r", "policyDocument": json!({"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]}).to_string()})
    };
    let layer = |account: &str| json!({"functionName": "f", "layers": [format!("arn:aws:lambda:eu-west-1:{account}:layer:ext:1")]});
    vec![
        Example::new(
            TRUST_BACKDOOR.id.as_ref(),
            vec![call(
                "iam:UpdateAssumeRolePolicy",
                trust(&format!("arn:aws:iam::{FOREIGN_ACCOUNT}:root")),
            )],
            vec![call(
                "iam:UpdateAssumeRolePolicy",
                trust(&format!("arn:aws:iam::{ACCOUNT}:role/ci")),
            )],
        ),
        Example::new(
            TRUST_ANCHOR.id.as_ref(),
            vec![call(
                "rolesanywhere:CreateTrustAnchor",
                json!({"name": "a", "source": {"sourceType": "CERTIFICATE_BUNDLE"}}),
            )],
            vec![call("rolesanywhere:ListTrustAnchors", json!({}))],
        ),
        Example::new(
            FEDERATION_TOKEN.id.as_ref(),
            vec![call("sts:GetFederationToken", json!({"name": "x"}))],
            vec![call("sts:GetSessionToken", json!({}))],
        ),
        Example::new(
            LAMBDA_LAYER.id.as_ref(),
            vec![call(
                "lambda:UpdateFunctionConfiguration20150331v2",
                layer(FOREIGN_ACCOUNT),
            )],
            vec![call(
                "lambda:UpdateFunctionConfiguration20150331v2",
                json!({"functionName": "f", "timeout": 30}),
            )],
        ),
        Example::new(
            LAMBDA_CODE.id.as_ref(),
            vec![call(
                "lambda:UpdateFunctionCode20150331v2",
                json!({"functionName": "f"}),
            )],
            vec![call(
                "lambda:GetFunction20150331v2",
                json!({"functionName": "f"}),
            )],
        ),
    ]
}
