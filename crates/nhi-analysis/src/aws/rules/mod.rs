//! The AWS risk rules, by family: access keys, console users, permissions (admin, wildcards,
//! escalation paths) and trust policies. What they share: which identities are AWS principals,
//! the time ages are judged at, and how an identity becomes a finding.
//!
//! Invariant: ages are judged at the earlier of `ctx.now` and the credential report's generation
//! time, so an old report re-analysed today says what it proved when it was taken.

mod escalation;
mod keys;
mod permissions;
mod trust;
mod users;

pub(crate) use escalation::PrivilegeEscalation;
pub(crate) use keys::{AccessKeyNotRotated, AccessKeyUnused, RootAccessKey, TwoActiveKeys};
pub(crate) use permissions::{AdminEquivalent, ServiceWildcard};
pub(crate) use trust::{
    RoleTrustsAnyone, RoleTrustsExternalAccount, RoleWebIdentityWithoutSubject,
};
pub(crate) use users::{ConsolePasswordWithoutMfa, IdentityUnused, MachineUserConsolePassword};

use super::principal::{account_of, arn_of, attr, aws_kind, flag, is_human, PrincipalKind};
use crate::AnalysisContext;
use nhi_model::{Attributes, Finding, Identity, Inventory, Location, RuleMeta, Timestamp};
use serde_json::Value;

/// Credentials and identities unused or unrotated for this long are stale.
const STALE_DAYS: i64 = 90;

/// Whether the permission rules judge this identity: not a person, not the root user, not a
/// service-linked role (AWS defines and maintains those).
fn judged(identity: &Identity) -> bool {
    let root = flag(identity, attr::ROOT) == Some(true) || identity.id.ends_with(":root");
    !is_human(identity) && !root && flag(identity, attr::SERVICE_LINKED) != Some(true)
}

/// Every AWS user and role of the inventory.
fn principals(inventory: &Inventory) -> impl Iterator<Item = (&Identity, PrincipalKind)> {
    inventory
        .identities
        .values()
        .filter_map(|i| aws_kind(i).map(|k| (i, k)))
}

/// The time ages are judged at: `ctx.now`, or the credential report's generation time when the
/// record carries an earlier one.
fn judged_at(ctx: &AnalysisContext, attributes: &Attributes) -> Timestamp {
    let report = attributes
        .get(attr::REPORT_GENERATED)
        .and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    report.map_or(ctx.now, |r| r.min(ctx.now))
}

/// Whole days from `then` to `now`.
fn days_between(then: Timestamp, now: Timestamp) -> i64 {
    (now - then).num_days()
}

/// `user alice` / `role deploy`, for titles.
fn label(identity: &Identity) -> String {
    let kind = if identity.id.starts_with("aws:role:") {
        "role"
    } else {
        "user"
    };
    format!("{kind} {}", identity.name)
}

/// A finding about one identity, located at its account.
fn identity_finding(
    meta: &RuleMeta,
    identity: &Identity,
    title: String,
    evidence: Value,
) -> Finding {
    let account = account_of(arn_of(identity));
    let location = (!account.is_empty()).then(|| Location {
        account: Some(account.to_string()),
        ..Location::default()
    });
    Finding::new(meta, title, vec![identity.id.clone()], location, evidence)
}
