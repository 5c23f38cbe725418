//! Rules about service-account keys. Only enabled user-managed keys are judged: Google rotates the
//! system-managed ones, and a disabled key cannot sign in (keeping it is fine).

use super::examples::{account, email, key};
use super::{flag, text, SERVICE_ACCOUNT};
use crate::example::inventory;
use crate::rules::credential_facts::{finding_about, risk};
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Credential, Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// Enabled user-managed service-account keys.
fn user_managed_keys(inventory: &Inventory) -> impl Iterator<Item = &Credential> {
    inventory.credentials.values().filter(|c| {
        c.id.starts_with("gcp-sa-key:")
            && text(&c.attributes, "key_type") == Some("USER_MANAGED")
            && !flag(&c.attributes, "disabled")
    })
}

/// The email of the key's account, for titles.
fn owner(credential: &Credential) -> &str {
    let identity = credential
        .identity
        .as_deref()
        .unwrap_or("an unknown service account");
    identity.strip_prefix(SERVICE_ACCOUNT).unwrap_or(identity)
}

fn key_id(credential: &Credential) -> &str {
    credential
        .id
        .strip_prefix("gcp-sa-key:")
        .unwrap_or(&credential.id)
}

/// A user-managed key exists at all.
pub(crate) struct KeyUserManaged;

static USER_MANAGED: RuleMeta = risk(
    "gcp-sa-key-user-managed",
    "Service account has a user-managed key",
    Severity::Medium,
    &[OwaspNhi::NHI7],
    "An enabled user-managed service-account key: a long-lived private key that lives outside \
     Google, where it can be copied, leaked or forgotten.",
    "Replace the key with keyless authentication (attached service accounts, Workload Identity \
     Federation, or impersonation), then delete the key; enforce \
     iam.disableServiceAccountKeyCreation.",
);

impl RiskRule for KeyUserManaged {
    fn meta(&self) -> &RuleMeta {
        &USER_MANAGED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        user_managed_keys(inventory)
            .map(|key| {
                let title = format!("{} has user-managed key {}", owner(key), key_id(key));
                finding_about(
                    &USER_MANAGED,
                    key,
                    None,
                    title,
                    json!({"created": key.created}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let ci = email("ci-deployer");
        vec![
            RuleExample {
                name: "enabled user-managed key",
                inventory: inventory(
                    vec![account(&ci, &[])],
                    vec![key("k1", &ci, "2025-12-01T00:00:00Z", &[])],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "system-managed key",
                inventory: inventory(
                    vec![],
                    vec![key(
                        "k1",
                        &ci,
                        "2025-12-01T00:00:00Z",
                        &[("key_type", "SYSTEM_MANAGED".into())],
                    )],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "disabled user-managed key",
                inventory: inventory(
                    vec![],
                    vec![key(
                        "k1",
                        &ci,
                        "2025-12-01T00:00:00Z",
                        &[("disabled", true.into())],
                    )],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// A user-managed key valid until the end of time.
pub(crate) struct KeyNoExpiry;

static NO_EXPIRY: RuleMeta = risk(
    "gcp-sa-key-no-expiry",
    "Service-account key never expires",
    Severity::Medium,
    &[OwaspNhi::NHI7],
    "An enabled user-managed service-account key valid until 9999-12-31: nothing ever retires it.",
    "Rotate to a key with an expiry (set the constraints/iam.serviceAccountKeyExpiryHours \
     organisation policy) or, better, remove the key in favour of keyless authentication.",
);

impl RiskRule for KeyNoExpiry {
    fn meta(&self) -> &RuleMeta {
        &NO_EXPIRY
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        user_managed_keys(inventory)
            .filter(|key| flag(&key.attributes, "never_expires"))
            .map(|key| {
                let title = format!("Key {} of {} never expires", key_id(key), owner(key));
                finding_about(
                    &NO_EXPIRY,
                    key,
                    None,
                    title,
                    json!({"valid_before": "9999-12-31T23:59:59Z"}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let ci = email("ci-deployer");
        let forever = [("never_expires", true.into())];
        vec![
            RuleExample {
                name: "key valid until 9999-12-31",
                inventory: inventory(
                    vec![],
                    vec![key("k1", &ci, "2023-04-01T00:00:00Z", &forever)],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "key with an expiry",
                inventory: inventory(
                    vec![],
                    vec![key("k1", &ci, "2023-04-01T00:00:00Z", &[])],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// A user-managed key older than 90 days.
pub(crate) struct KeyUnrotated;

/// Keys older than this many days are due for rotation.
const ROTATION_DAYS: i64 = 90;

static UNROTATED: RuleMeta = risk(
    "gcp-sa-key-unrotated",
    "Service-account key older than 90 days",
    Severity::Medium,
    &[OwaspNhi::NHI7],
    "An enabled user-managed service-account key created more than 90 days ago.",
    "Create a new key, move its users to it, then disable and delete the old one; automate the \
     rotation, or remove keys altogether in favour of keyless authentication.",
);

impl RiskRule for KeyUnrotated {
    fn meta(&self) -> &RuleMeta {
        &UNROTATED
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        user_managed_keys(inventory)
            .filter_map(|key| {
                let age = (ctx.now - key.created?).num_days();
                (age > ROTATION_DAYS).then(|| {
                    let title = format!("Key {} of {} is {age} days old", key_id(key), owner(key));
                    finding_about(
                        &UNROTATED,
                        key,
                        None,
                        title,
                        json!({"created": key.created, "age_days": age}),
                    )
                })
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let ci = email("ci-deployer");
        vec![
            RuleExample {
                name: "key created in 2023",
                inventory: inventory(
                    vec![],
                    vec![key("k1", &ci, "2023-04-01T00:00:00Z", &[])],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "key created a month ago",
                inventory: inventory(
                    vec![],
                    vec![key("k1", &ci, "2025-12-01T00:00:00Z", &[])],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "old but disabled key",
                inventory: inventory(
                    vec![],
                    vec![key(
                        "k1",
                        &ci,
                        "2023-04-01T00:00:00Z",
                        &[("disabled", true.into())],
                    )],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// An enabled key whose account is disabled.
pub(crate) struct KeyOnDisabledAccount;

static ON_DISABLED_ACCOUNT: RuleMeta = risk(
    "gcp-sa-key-on-disabled-account",
    "Enabled key on a disabled service account",
    Severity::Low,
    &[OwaspNhi::NHI1],
    "A disabled service account still has an enabled user-managed key: offboarding stopped half \
     way, and re-enabling the account revives the key.",
    "Delete the account's keys (or the account itself, once nothing depends on it) instead of only \
     disabling the account.",
);

impl RiskRule for KeyOnDisabledAccount {
    fn meta(&self) -> &RuleMeta {
        &ON_DISABLED_ACCOUNT
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        user_managed_keys(inventory)
            .filter(|key| {
                let account = key
                    .identity
                    .as_deref()
                    .and_then(|id| inventory.identities.get(id));
                account.is_some_and(|a| flag(&a.attributes, "disabled"))
            })
            .map(|key| {
                let title = format!(
                    "Disabled service account {} still has enabled key {}",
                    owner(key),
                    key_id(key)
                );
                finding_about(
                    &ON_DISABLED_ACCOUNT,
                    key,
                    None,
                    title,
                    json!({"account_disabled": true}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let bridge = email("legacy-edi-bridge");
        let disabled = || account(&bridge, &[("disabled", true.into())]);
        let created = "2023-04-01T00:00:00Z";
        vec![
            RuleExample {
                name: "enabled key on a disabled account",
                inventory: inventory(
                    vec![disabled()],
                    vec![key("k1", &bridge, created, &[])],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "disabled key on a disabled account",
                inventory: inventory(
                    vec![disabled()],
                    vec![key("k1", &bridge, created, &[("disabled", true.into())])],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "enabled key on an enabled account",
                inventory: inventory(
                    vec![account(&bridge, &[("disabled", false.into())])],
                    vec![key("k1", &bridge, created, &[])],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}
