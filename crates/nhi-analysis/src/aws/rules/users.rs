//! Rules about how AWS principals are used: identities nobody uses, machine users that can log in
//! to the console, and console passwords without MFA.

use super::super::examples::{access_key, at, inventory_with, role, trust, user, with_console};
use super::super::principal::{attr, flag, is_human, PrincipalKind};
use super::{days_between, identity_finding, judged_at, label, principals, STALE_DAYS};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{
    CredentialKind, CredentialStatus, Finding, Identity, Inventory, OwaspNhi, RuleMeta, Severity,
};
use serde_json::json;
use std::collections::HashMap;

/// Name parts that mark an account as a service's.
const SERVICE_WORDS: &[&str] = &[
    "svc",
    "service",
    "bot",
    "ci",
    "cd",
    "deploy",
    "deployer",
    "automation",
    "jenkins",
    "terraform",
    "api",
    "app",
    "batch",
    "cron",
    "job",
    "integration",
    "sync",
    "backup",
    "github",
    "gitlab",
    "pipeline",
    "etl",
    "robot",
    "system",
];

fn service_like(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| SERVICE_WORDS.contains(&word))
}

/// Active access keys per identity.
fn active_key_counts(inventory: &Inventory) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for key in inventory.credentials.values() {
        if key.kind == CredentialKind::AccessKey && key.status == CredentialStatus::Active {
            if let Some(owner) = key.identity.as_deref() {
                *counts.entry(owner).or_insert(0) += 1;
            }
        }
    }
    counts
}

fn is_root(identity: &Identity) -> bool {
    flag(identity, attr::ROOT) == Some(true) || identity.id.ends_with(":root")
}

/// A user or role with no recorded activity for 90 days.
pub(crate) struct IdentityUnused;

static UNUSED: RuleMeta = risk(
    "aws-identity-unused",
    "AWS identity unused for 90 days",
    Severity::Low,
    &[OwaspNhi::NHI1],
    "An IAM user or role older than 90 days that has not been used for 90 days (or ever), by the \
     credential report or the role's last-used record: likely left behind.",
    "Confirm with the owner, then remove the identity's permissions and delete it (for users, \
     their access keys and console password first).",
);

impl RiskRule for IdentityUnused {
    fn meta(&self) -> &RuleMeta {
        &UNUSED
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        principals(inventory)
            .filter(|(i, _)| {
                !is_human(i) && !is_root(i) && flag(i, attr::SERVICE_LINKED) != Some(true)
            })
            .filter(|(i, _)| flag(i, attr::LAST_USED_KNOWN) == Some(true))
            .filter_map(|(identity, _)| {
                let now = judged_at(ctx, &identity.attributes);
                let created = identity.created?;
                if days_between(created, now) <= STALE_DAYS {
                    return None;
                }
                let title = match identity.last_used {
                    None => format!("{} has never been used", label(identity)),
                    Some(used) if days_between(used, now) > STALE_DAYS => {
                        format!(
                            "{} has not been used for {} days",
                            label(identity),
                            days_between(used, now)
                        )
                    }
                    Some(_) => return None,
                };
                let evidence =
                    json!({"created": created, "last_used": identity.last_used, "judged_at": now});
                Some(identity_finding(&UNUSED, identity, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let known = |mut i: Identity, used: Option<&str>| {
            i.created = Some(at("2024-01-01T00:00:00Z"));
            i.last_used = used.map(at);
            i.attributes
                .insert(attr::LAST_USED_KNOWN.into(), true.into());
            i
        };
        let lambda = trust(json!({"Service": "lambda.amazonaws.com"}));
        vec![
            RuleExample {
                name: "role never used since 2024",
                inventory: inventory_with(
                    vec![known(role("old-etl", lambda.clone()), None)],
                    vec![],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "role used last week",
                inventory: inventory_with(
                    vec![known(
                        role("etl", lambda.clone()),
                        Some("2025-12-24T00:00:00Z"),
                    )],
                    vec![],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "usage not recorded by the source",
                inventory: inventory_with(vec![role("etl", lambda)], vec![], vec![]),
                fires: false,
            },
        ]
    }
}

/// A user that looks like a service yet has a console password.
pub(crate) struct MachineUserConsolePassword;

static MACHINE_CONSOLE: RuleMeta = risk(
    "aws-machine-user-console-password",
    "Machine user can log in to the console",
    Severity::Medium,
    &[OwaspNhi::NHI10],
    "An IAM user that looks like a machine identity (access keys and no MFA, or a service-like \
     name) also has a console password: people can log in as the service, and its actions can no \
     longer be told apart from theirs.",
    "Delete the user's login profile (console password); people should log in as themselves \
     (IAM Identity Center) and automation should authenticate with keys or, better, roles.",
);

impl RiskRule for MachineUserConsolePassword {
    fn meta(&self) -> &RuleMeta {
        &MACHINE_CONSOLE
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let keys = active_key_counts(inventory);
        principals(inventory)
            .filter(|(i, kind)| *kind == PrincipalKind::User && !is_root(i))
            .filter(|(i, _)| flag(i, attr::PASSWORD_ENABLED) == Some(true))
            .filter_map(|(identity, _)| {
                let key_count = keys.get(identity.id.as_str()).copied().unwrap_or(0);
                let no_mfa = flag(identity, attr::MFA_ACTIVE) == Some(false);
                let why = if no_mfa && key_count > 0 {
                    format!("{key_count} active access key(s) and no MFA")
                } else if service_like(&identity.name) {
                    "a service-like name".to_string()
                } else {
                    return None;
                };
                let title = format!("{} has a console password and {why}", label(identity));
                let evidence = json!({"active_access_keys": key_count, "mfa_active": !no_mfa, "service_like_name": service_like(&identity.name)});
                Some(identity_finding(&MACHINE_CONSOLE, identity, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let with_key = |u: Identity| {
            let key = access_key(&u, 1, "2025-12-01T00:00:00Z", None);
            inventory_with(vec![u], vec![key], vec![])
        };
        vec![
            RuleExample {
                name: "password, keys, no MFA",
                inventory: with_key(with_console(user("reporting"), true, false)),
                fires: true,
            },
            RuleExample {
                name: "service name with a password",
                inventory: inventory_with(
                    vec![with_console(user("jenkins-deploy"), true, true)],
                    vec![],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "person with password and MFA",
                inventory: with_key(with_console(user("alice"), true, true)),
                fires: false,
            },
            RuleExample {
                name: "keys only, no password",
                inventory: with_key(with_console(user("ci-runner"), false, false)),
                fires: false,
            },
        ]
    }
}

/// Console password without MFA.
pub(crate) struct ConsolePasswordWithoutMfa;

static NO_MFA: RuleMeta = risk(
    "aws-console-password-without-mfa",
    "Console login without MFA",
    Severity::High,
    &[OwaspNhi::NHI4],
    "An IAM user (or the root user) that can log in to the console with a password alone: one \
     phished or reused password is enough.",
    "Enable MFA for the user (or remove the console password if nobody should log in as it); \
     enforce MFA with a policy that denies everything but MFA setup when aws:MultiFactorAuthPresent \
     is false.",
);

impl RiskRule for ConsolePasswordWithoutMfa {
    fn meta(&self) -> &RuleMeta {
        &NO_MFA
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        principals(inventory)
            .filter(|(_, kind)| *kind == PrincipalKind::User)
            .filter(|(i, _)| flag(i, attr::MFA_ACTIVE) == Some(false))
            .filter(|(i, _)| flag(i, attr::PASSWORD_ENABLED) == Some(true) || is_root(i))
            .map(|(identity, _)| {
                let who = if is_root(identity) {
                    "The root user".to_string()
                } else {
                    label(identity)
                };
                let title = format!("{who} can log in to the console without MFA");
                identity_finding(
                    &NO_MFA,
                    identity,
                    title,
                    json!({"password_enabled": true, "mfa_active": false}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            RuleExample {
                name: "password without MFA",
                inventory: inventory_with(
                    vec![with_console(user("bob"), true, false)],
                    vec![],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "password with MFA",
                inventory: inventory_with(
                    vec![with_console(user("alice"), true, true)],
                    vec![],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "no password",
                inventory: inventory_with(
                    vec![with_console(user("ci"), false, false)],
                    vec![],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}
