//! Rules about IAM access keys: age, use, how many a user keeps active, and the root user's.
//! Only active keys are judged: an inactive key cannot sign requests.

use super::super::examples::{access_key, inventory_with, user};
use super::{days_between, judged_at, STALE_DAYS};
use crate::rules::credential_facts::{finding_about, risk};
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{
    Credential, CredentialKind, CredentialStatus, Finding, Identity, Inventory, OwaspNhi, RuleMeta,
    Severity,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Active AWS access keys.
fn active_keys(inventory: &Inventory) -> impl Iterator<Item = &Credential> {
    inventory.credentials.values().filter(|c| {
        c.kind == CredentialKind::AccessKey
            && c.id.starts_with("aws-access-key:")
            && c.status == CredentialStatus::Active
    })
}

/// `access key 1 of user ci` / `access key AKIA****ABCD of user ci`.
fn key_label(inventory: &Inventory, key: &Credential) -> String {
    let which = match key.attributes.get("slot").and_then(Value::as_u64) {
        Some(slot) => format!("access key {slot}"),
        None => format!(
            "access key {}",
            key.redacted
                .as_deref()
                .unwrap_or(key.id.trim_start_matches("aws-access-key:"))
        ),
    };
    format!("{which} of {}", owner_label(inventory, key))
}

fn owner_label(inventory: &Inventory, key: &Credential) -> String {
    let identity = key
        .identity
        .as_deref()
        .and_then(|id| inventory.identities.get(id));
    match (
        identity,
        key.attributes.get("user_name").and_then(Value::as_str),
    ) {
        (Some(identity), _) if is_root(identity) => "the root user".to_string(),
        (Some(identity), _) => format!("user {}", identity.name),
        (None, Some(name)) => format!("user {name}"),
        (None, None) => "an unknown user".to_string(),
    }
}

fn is_root(identity: &Identity) -> bool {
    identity.id.ends_with(":root")
}

/// Active key created (or last rotated) more than 90 days ago.
pub(crate) struct AccessKeyNotRotated;

static NOT_ROTATED: RuleMeta = risk(
    "aws-access-key-not-rotated",
    "AWS access key not rotated for 90 days",
    Severity::Medium,
    &[OwaspNhi::NHI7],
    "An active IAM access key created or last rotated more than 90 days ago: a long-lived secret \
     that has had months to leak.",
    "Rotate the key (create a second key, deploy it, deactivate then delete the old one), or better \
     replace it with a role the workload assumes (instance profile, IRSA, OIDC federation).",
);

impl RiskRule for AccessKeyNotRotated {
    fn meta(&self) -> &RuleMeta {
        &NOT_ROTATED
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        active_keys(inventory)
            .filter_map(|key| {
                let now = judged_at(ctx, &key.attributes);
                let created = key.created?;
                let age = days_between(created, now);
                (age > STALE_DAYS).then(|| {
                    let title = format!(
                        "{} was last rotated {age} days ago",
                        key_label(inventory, key)
                    );
                    let evidence = json!({"created": created, "age_days": age, "judged_at": now});
                    finding_about(&NOT_ROTATED, key, None, title, evidence)
                })
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let ci = user("ci");
        vec![
            RuleExample {
                name: "key created a year ago",
                inventory: inventory_with(
                    vec![ci.clone()],
                    vec![access_key(&ci, 1, "2025-01-01T00:00:00Z", None)],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "key rotated last month",
                inventory: inventory_with(
                    vec![ci.clone()],
                    vec![access_key(&ci, 1, "2025-12-01T00:00:00Z", None)],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// Active key never used, or unused for 90 days.
pub(crate) struct AccessKeyUnused;

static UNUSED: RuleMeta = risk(
    "aws-access-key-unused",
    "AWS access key unused",
    Severity::Medium,
    &[OwaspNhi::NHI1],
    "An active IAM access key that was never used, or not for more than 90 days: nobody needs it, \
     yet it still opens the account.",
    "Deactivate the key, wait for anything that breaks, then delete it; delete the user too if it \
     has no other use.",
);

impl RiskRule for AccessKeyUnused {
    fn meta(&self) -> &RuleMeta {
        &UNUSED
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        active_keys(inventory)
            .filter(|key| {
                key.attributes
                    .get("last_used_known")
                    .and_then(Value::as_bool)
                    == Some(true)
            })
            .filter_map(|key| {
                let now = judged_at(ctx, &key.attributes);
                let (title, evidence) = match key.last_used {
                    None => (
                        format!("{} has never been used", key_label(inventory, key)),
                        json!({"last_used": null, "created": key.created, "judged_at": now}),
                    ),
                    Some(used) if days_between(used, now) > STALE_DAYS => {
                        let idle = days_between(used, now);
                        (
                            format!(
                                "{} has not been used for {idle} days",
                                key_label(inventory, key)
                            ),
                            json!({"last_used": used, "idle_days": idle, "judged_at": now}),
                        )
                    }
                    Some(_) => return None,
                };
                Some(finding_about(&UNUSED, key, None, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let ci = user("ci");
        let key = |used: Option<&str>| access_key(&ci, 1, "2025-06-01T00:00:00Z", used);
        vec![
            RuleExample {
                name: "key never used",
                inventory: inventory_with(vec![ci.clone()], vec![key(None)], vec![]),
                fires: true,
            },
            RuleExample {
                name: "key last used half a year ago",
                inventory: inventory_with(
                    vec![ci.clone()],
                    vec![key(Some("2025-06-30T00:00:00Z"))],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "key used yesterday",
                inventory: inventory_with(
                    vec![ci.clone()],
                    vec![key(Some("2025-12-31T00:00:00Z"))],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// A user with both access-key slots active.
pub(crate) struct TwoActiveKeys;

static TWO_KEYS: RuleMeta = risk(
    "aws-user-two-active-keys",
    "AWS user has two active access keys",
    Severity::Low,
    &[OwaspNhi::NHI7],
    "An IAM user with two active access keys: outside a short rotation window one of them is \
     forgotten, and both are long-lived secrets.",
    "Find which key is in use (last used date), deactivate and delete the other; keep two only \
     for the minutes of a rotation.",
);

impl RiskRule for TwoActiveKeys {
    fn meta(&self) -> &RuleMeta {
        &TWO_KEYS
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        // Count per user and per source, so that a key seen in both a credential report and a
        // list-access-keys output (which names the user but not its account) counts once. Users
        // are told apart by name: the one thing every source gives.
        let mut keys: BTreeMap<String, BTreeMap<String, Vec<&Credential>>> = BTreeMap::new();
        for key in active_keys(inventory) {
            let name = key
                .attributes
                .get("user_name")
                .and_then(Value::as_str)
                .map(str::to_string);
            let Some(owner) = name.or_else(|| key.identity.clone()) else {
                continue;
            };
            let source = key
                .attributes
                .get("source")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            keys.entry(owner)
                .or_default()
                .entry(source)
                .or_default()
                .push(key);
        }
        keys.into_values()
            .filter_map(|by_source| {
                let all: Vec<&Credential> = by_source.values().flatten().copied().collect();
                let most = by_source.into_values().max_by_key(Vec::len)?;
                (most.len() >= 2).then(|| {
                    let mut subjects: Vec<String> = all
                        .iter()
                        .find_map(|k| k.identity.clone())
                        .into_iter()
                        .collect();
                    subjects.extend(most.iter().map(|k| k.id.clone()));
                    let title = format!(
                        "{} has {} active access keys",
                        owner_label(inventory, most[0]),
                        most.len()
                    );
                    let listed: Vec<Value> = most
                        .iter()
                        .map(
                            |k| json!({"id": k.id, "created": k.created, "last_used": k.last_used}),
                        )
                        .collect();
                    Finding::new(
                        &TWO_KEYS,
                        title,
                        subjects,
                        most[0].locations.first().cloned(),
                        json!({"keys": listed}),
                    )
                })
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let ci = user("ci");
        let one = access_key(&ci, 1, "2025-06-01T00:00:00Z", None);
        let two = access_key(&ci, 2, "2025-07-01T00:00:00Z", None);
        vec![
            RuleExample {
                name: "both slots active",
                inventory: inventory_with(vec![ci.clone()], vec![one.clone(), two.clone()], vec![]),
                fires: true,
            },
            RuleExample {
                name: "second key inactive",
                inventory: inventory_with(
                    vec![ci.clone()],
                    vec![
                        one,
                        Credential {
                            status: CredentialStatus::Inactive,
                            ..two
                        },
                    ],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// The root user has an active access key.
pub(crate) struct RootAccessKey;

static ROOT_KEY: RuleMeta = risk(
    "aws-root-access-key",
    "AWS root user has an access key",
    Severity::Critical,
    &[OwaspNhi::NHI7, OwaspNhi::NHI5],
    "An active access key of the account's root user: a long-lived secret with every permission, \
     which no policy can restrict.",
    "Delete the root user's access keys (Security credentials page of the root user); give \
     automation an IAM role with the permissions it needs instead.",
);

impl RiskRule for RootAccessKey {
    fn meta(&self) -> &RuleMeta {
        &ROOT_KEY
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        active_keys(inventory)
            .filter(|key| {
                key.identity
                    .as_deref()
                    .is_some_and(|id| id.starts_with("aws:user:") && id.ends_with(":root"))
            })
            .map(|key| {
                let title = format!(
                    "The root user has an active {}",
                    key_label(inventory, key)
                        .split(" of ")
                        .next()
                        .unwrap_or("access key")
                );
                finding_about(
                    &ROOT_KEY,
                    key,
                    None,
                    title,
                    json!({"created": key.created, "last_used": key.last_used}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let mut root = user("root");
        root.id = format!(
            "aws:user:arn:aws:iam::{}:root",
            super::super::examples::ACCOUNT
        );
        let ci = user("ci");
        vec![
            RuleExample {
                name: "root key active",
                inventory: inventory_with(
                    vec![root.clone()],
                    vec![access_key(&root, 1, "2025-06-01T00:00:00Z", None)],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "ordinary user key",
                inventory: inventory_with(
                    vec![ci.clone()],
                    vec![access_key(&ci, 1, "2025-06-01T00:00:00Z", None)],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}
