//! Rules about role trust policies: who may assume a role from outside. Only `Allow` statements
//! that grant an `sts:AssumeRole*` action count.

use super::super::condition::entries;
use super::super::examples::{inventory_with, role, trust, ACCOUNT};
use super::super::index::{account_root, ASSUME_ACTIONS};
use super::super::policy::{Effect, Policy, PolicyKind, PolicySource, Statement};
use super::super::principal::{account_of, arn_of, attr, flag, PrincipalKind};
use super::{identity_finding, principals};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Identity, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Each role with its parsed trust policy's assume statements (`Allow` only).
fn trust_statements(inventory: &Inventory) -> impl Iterator<Item = (&Identity, Vec<Statement>)> {
    principals(inventory)
        .filter(|(i, kind)| {
            *kind == PrincipalKind::Role && flag(i, attr::SERVICE_LINKED) != Some(true)
        })
        .filter_map(|(identity, _)| {
            let document = identity.attributes.get(attr::TRUST_POLICY)?;
            let source = PolicySource {
                name: "trust policy".into(),
                kind: PolicyKind::Trust,
                arn: None,
            };
            let statements: Vec<Statement> = Policy::parse(source, document)
                .statements
                .into_iter()
                .filter(|s| {
                    s.effect == Effect::Allow
                        && s.principals.is_some()
                        && ASSUME_ACTIONS.iter().any(|a| s.actions.matches(a))
                })
                .collect();
            Some((identity, statements))
        })
}

/// Whether a condition block constrains one of `keys` (case-insensitive) with a value that is not
/// a bare wildcard.
fn constrains(statement: &Statement, keys: &[String]) -> bool {
    statement.condition.as_ref().is_some_and(|block| {
        entries(block).any(|e| {
            keys.iter().any(|k| e.key.eq_ignore_ascii_case(k))
                && e.strings().iter().any(|v| !is_wildcard_value(v))
        })
    })
}

/// `*`, `repo:*`, `repo:*:*`: values that let any subject through.
fn is_wildcard_value(value: &str) -> bool {
    value
        .split(':')
        .skip(usize::from(value.contains(':')))
        .all(|part| part.chars().all(|c| c == '*' || c == '/'))
}

fn statement_evidence(statement: &Statement) -> Value {
    let principals = statement.principals.as_ref();
    json!({
        "sid": statement.sid,
        "actions": statement.actions_evidence(),
        "principal_aws": principals.map(|p| p.aws.clone()).unwrap_or_default(),
        "principal_anyone": principals.is_some_and(|p| p.anyone),
        "principal_federated": principals.map(|p| p.federated.clone()).unwrap_or_default(),
        "condition": statement.condition,
    })
}

/// Trust policy lets anyone assume the role, unconditionally.
pub(crate) struct RoleTrustsAnyone;

static ANYONE: RuleMeta = risk(
    "aws-role-trusts-anyone",
    "Role assumable by anyone",
    Severity::Critical,
    &[OwaspNhi::NHI6],
    "The role's trust policy names `*` as principal with no condition: any AWS principal, in any \
     account, can assume the role and act with its permissions.",
    "Name the accounts or roles that need the role in the trust policy's Principal, or at least \
     add conditions (aws:PrincipalOrgID, sts:ExternalId).",
);

impl RiskRule for RoleTrustsAnyone {
    fn meta(&self) -> &RuleMeta {
        &ANYONE
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        trust_statements(inventory)
            .filter_map(|(identity, statements)| {
                let open = statements.iter().find(|s| {
                    s.condition.is_none()
                        && s.principals.as_ref().is_some_and(|p| p.anyone || p.negated)
                })?;
                let title = format!("role {} can be assumed by anyone", identity.name);
                Some(identity_finding(
                    &ANYONE,
                    identity,
                    title,
                    statement_evidence(open),
                ))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let conditioned = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]});
        vec![
            RuleExample {
                name: "Principal AWS *",
                inventory: inventory_with(
                    vec![role("bad_role", trust(json!({"AWS": "*"})))],
                    vec![],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "Principal * limited to the organisation",
                inventory: inventory_with(vec![role("org_role", conditioned)], vec![], vec![]),
                fires: false,
            },
            RuleExample {
                name: "service principal",
                inventory: inventory_with(
                    vec![role(
                        "fn",
                        trust(json!({"Service": "lambda.amazonaws.com"})),
                    )],
                    vec![],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// Trust policy names another account without `sts:ExternalId`.
pub(crate) struct RoleTrustsExternalAccount;

static EXTERNAL: RuleMeta = risk(
    "aws-role-external-account-without-external-id",
    "Role trusts an external account without an external id",
    Severity::Medium,
    &[OwaspNhi::NHI3],
    "The role's trust policy lets principals of an account outside the scanned accounts assume it \
     with no sts:ExternalId (or organisation) condition: if that account is a vendor's, anyone \
     able to make the vendor act on their behalf can reach the role (confused deputy).",
    "Add a Condition with sts:ExternalId set to the id the vendor gave you (or aws:PrincipalOrgID \
     for your own organisation), and name the vendor's role rather than its whole account.",
);

const EXTERNAL_ID_KEYS: [&str; 3] = [
    "sts:ExternalId",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
];

impl RiskRule for RoleTrustsExternalAccount {
    fn meta(&self) -> &RuleMeta {
        &EXTERNAL
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let known: BTreeSet<&str> = principals(inventory)
            .map(|(i, _)| account_of(arn_of(i)))
            .collect();
        let keys: Vec<String> = EXTERNAL_ID_KEYS.iter().map(|k| k.to_string()).collect();
        trust_statements(inventory)
            .filter_map(|(identity, statements)| {
                let (statement, external) = statements
                    .iter()
                    .filter(|s| !constrains(s, &keys))
                    .find_map(|s| {
                        let names = &s.principals.as_ref()?.aws;
                        let external: Vec<&str> = names
                            .iter()
                            .filter_map(|n| {
                                account_root(n)
                                    .or_else(|| Some(account_of(n)).filter(|a| !a.is_empty()))
                            })
                            .filter(|a| !known.contains(a))
                            .collect();
                        (!external.is_empty()).then_some((s, external))
                    })?;
                let title = format!(
                    "role {} trusts account {} without an external id",
                    identity.name,
                    external.join(", ")
                );
                let mut evidence = statement_evidence(statement);
                evidence["external_accounts"] = json!(external);
                Some(identity_finding(&EXTERNAL, identity, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let vendor = trust(json!({"AWS": "arn:aws:iam::999988887777:root"}));
        let with_id = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "f00d"}}}]});
        let own = trust(json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}));
        vec![
            RuleExample {
                name: "vendor account, no external id",
                inventory: inventory_with(vec![role("vendor-audit", vendor)], vec![], vec![]),
                fires: true,
            },
            RuleExample {
                name: "vendor account with external id",
                inventory: inventory_with(vec![role("vendor-audit", with_id)], vec![], vec![]),
                fires: false,
            },
            RuleExample {
                name: "own account",
                inventory: inventory_with(vec![role("ops", own)], vec![], vec![]),
                fires: false,
            },
        ]
    }
}

/// Web-identity (OIDC) trust without a subject condition.
pub(crate) struct RoleWebIdentityWithoutSubject;

static WEB_IDENTITY: RuleMeta = risk(
    "aws-role-web-identity-without-subject",
    "Role assumable by any token of an OIDC provider",
    Severity::High,
    &[OwaspNhi::NHI6, OwaspNhi::NHI3],
    "The role trusts a web-identity (OIDC) provider without constraining the token's subject: for \
     GitHub Actions (token.actions.githubusercontent.com) any workflow of any repository on GitHub \
     can assume it; for Cognito any identity of the pool.",
    "Add a StringEquals (or narrow StringLike) condition on the provider's `sub` claim, e.g. \
     `token.actions.githubusercontent.com:sub` = `repo:my-org/my-repo:ref:refs/heads/main` (for \
     Cognito, `cognito-identity.amazonaws.com:aud` = the pool id), plus the `aud` claim.",
);

/// The claim a trust on `provider` must constrain, e.g. `token.actions.githubusercontent.com:sub`.
fn subject_key(provider: &str) -> String {
    let host = provider
        .rsplit_once("oidc-provider/")
        .map_or(provider, |(_, h)| h);
    if host == "cognito-identity.amazonaws.com" {
        format!("{host}:aud")
    } else {
        format!("{host}:sub")
    }
}

impl RiskRule for RoleWebIdentityWithoutSubject {
    fn meta(&self) -> &RuleMeta {
        &WEB_IDENTITY
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        trust_statements(inventory)
            .filter_map(|(identity, statements)| {
                let (statement, provider) = statements.iter().find_map(|s| {
                    let provider = s
                        .principals
                        .as_ref()?
                        .federated
                        .iter()
                        .find(|f| !f.contains("saml-provider"))?;
                    (!constrains(s, &[subject_key(provider)])).then_some((s, provider))
                })?;
                let who = if provider.ends_with("token.actions.githubusercontent.com") {
                    "any GitHub Actions workflow".to_string()
                } else {
                    format!("any token from {provider}")
                };
                let title = format!("role {} can be assumed by {who}", identity.name);
                let mut evidence = statement_evidence(statement);
                evidence["missing_condition"] = subject_key(provider).into();
                Some(identity_finding(&WEB_IDENTITY, identity, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let github =
            format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com");
        let statement = |condition: Value| json!({"Statement": [{"Effect": "Allow", "Principal": {"Federated": github}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}]});
        let aud_only = statement(
            json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}),
        );
        let any_repo =
            statement(json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}));
        let one_repo = statement(
            json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}),
        );
        vec![
            RuleExample {
                name: "GitHub OIDC with only the audience checked",
                inventory: inventory_with(vec![role("gha-deploy", aud_only)], vec![], vec![]),
                fires: true,
            },
            RuleExample {
                name: "GitHub OIDC with sub repo:*",
                inventory: inventory_with(vec![role("gha-deploy", any_repo)], vec![], vec![]),
                fires: true,
            },
            RuleExample {
                name: "GitHub OIDC pinned to one repository and branch",
                inventory: inventory_with(vec![role("gha-deploy", one_repo)], vec![], vec![]),
                fires: false,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_subjects_are_recognised() {
        assert!(is_wildcard_value("*"));
        assert!(is_wildcard_value("repo:*"));
        assert!(is_wildcard_value("repo:*:*"));
        assert!(!is_wildcard_value("repo:acme/*"));
        assert!(!is_wildcard_value("repo:acme/app:ref:refs/heads/main"));
    }
}
