//! The AWS principals of an inventory, read back from what the AWS sources recorded: users and
//! roles with their parsed policies (own and their groups'), trust policy and boundary, and the
//! groups themselves (from `bound-to` edges, since groups are not identities).
//!
//! The attribute contract with `nhi-sources/src/aws` (keys below) is the only thing the two sides
//! share. Invariant: each managed policy document is parsed once per load, however many
//! principals attach it.

use super::eval::Permissions;
use super::policy::{Policy, PolicyKind, PolicySource};
use nhi_model::{EdgeKind, Identity, Inventory, Timestamp};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Identity attribute keys written by the AWS sources.
pub(crate) mod attr {
    pub const ARN: &str = "arn";
    pub const ACCOUNT: &str = "account";
    /// `[{name, kind: inline|managed, arn?, version?, versions?, document}]`; a managed
    /// policy's `document` is compact JSON text (one string, not a tree per principal that
    /// attaches it), an inline one's an object.
    pub const POLICIES: &str = "aws_policies";
    /// Group ARNs of a user.
    pub const GROUPS: &str = "aws_groups";
    pub const TRUST_POLICY: &str = "aws_trust_policy";
    /// `{arn, document?}`, the document as JSON text.
    pub const BOUNDARY: &str = "aws_permissions_boundary";
    pub const INSTANCE_PROFILES: &str = "aws_instance_profiles";
    pub const SERVICE_LINKED: &str = "aws_service_linked";
    pub const HUMAN: &str = "human";
    pub const ROOT: &str = "root";
    pub const PASSWORD_ENABLED: &str = "password_enabled";
    pub const MFA_ACTIVE: &str = "mfa_active";
    pub const REPORT_GENERATED: &str = "credential_report_generated";
    /// Set when the source knows usage (credential report, `RoleLastUsed`): a missing
    /// `last_used` then means never used.
    pub const LAST_USED_KNOWN: &str = "last_used_known";
}

/// IAM user or role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalKind {
    User,
    Role,
}

/// One IAM user or role, ready for evaluation.
#[derive(Debug)]
pub(crate) struct Principal<'a> {
    pub identity: &'a Identity,
    pub kind: PrincipalKind,
    pub arn: &'a str,
    pub account: String,
    /// Own policies plus those of the user's groups, and the boundary.
    pub permissions: Permissions,
    pub trust: Option<Policy>,
    /// Group ARNs (users).
    pub groups: Vec<String>,
    /// Customer-managed policies attached to the principal or its groups.
    pub custom_managed: Vec<String>,
    pub has_instance_profile: bool,
    pub root: bool,
    pub service_linked: bool,
}

impl Principal<'_> {
    /// The IAM user name (`${aws:username}`), for users.
    pub(crate) fn user_name(&self) -> Option<&str> {
        (self.kind == PrincipalKind::User).then_some(self.identity.name.as_str())
    }
}

/// An IAM group: not an identity, but its policies apply to its members and can be edited.
#[derive(Debug)]
pub(crate) struct Group {
    /// Graph node id, `aws:group:<arn>`.
    pub id: String,
    pub arn: String,
    pub account: String,
    pub permissions: Permissions,
    pub custom_managed: Vec<String>,
}

/// Everything AWS in an inventory.
#[derive(Debug, Default)]
pub(crate) struct AwsModel<'a> {
    pub principals: Vec<Principal<'a>>,
    pub groups: Vec<Group>,
    /// The newest time the inventory shows: the export was taken at or after it.
    pub not_before: Option<Timestamp>,
}

/// Whether an identity is an AWS IAM user or role.
pub(crate) fn aws_kind(identity: &Identity) -> Option<PrincipalKind> {
    if identity.provider != "aws" {
        return None;
    }
    if identity.id.starts_with("aws:user:") {
        Some(PrincipalKind::User)
    } else if identity.id.starts_with("aws:role:") {
        Some(PrincipalKind::Role)
    } else {
        None
    }
}

/// A human by the credential report's evidence: console password and MFA.
pub(crate) fn is_human(identity: &Identity) -> bool {
    flag(identity, attr::HUMAN) == Some(true)
}

/// A boolean attribute.
pub(crate) fn flag(identity: &Identity, key: &str) -> Option<bool> {
    identity.attributes.get(key).and_then(Value::as_bool)
}

/// The ARN of an AWS identity: its attribute, or the id without its prefix.
pub(crate) fn arn_of(identity: &Identity) -> &str {
    identity
        .attributes
        .get(attr::ARN)
        .and_then(Value::as_str)
        .unwrap_or_else(|| identity.id.splitn(3, ':').nth(2).unwrap_or(""))
}

/// The account id field of an ARN (`arn:aws:iam::123:role/x` -> `123`).
pub(crate) fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("")
}

/// Parses documents once per (ARN, version).
#[derive(Default)]
struct PolicyCache {
    managed: HashMap<(String, String), Arc<Policy>>,
}

impl PolicyCache {
    fn policy(&mut self, entry: &Value, default_kind: PolicyKind) -> Option<Arc<Policy>> {
        let document = entry.get("document")?;
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("unnamed")
            .to_string();
        let arn = entry.get("arn").and_then(Value::as_str).map(str::to_string);
        let kind = match entry.get("kind").and_then(Value::as_str) {
            Some("inline") => PolicyKind::Inline,
            Some("managed") => PolicyKind::Managed,
            _ => default_kind,
        };
        let source = PolicySource {
            name,
            kind,
            arn: arn.clone(),
        };
        match arn {
            Some(arn) if kind != PolicyKind::Inline => {
                let version = entry
                    .get("version")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                Some(
                    self.managed
                        .entry((arn, version))
                        .or_insert_with(|| Arc::new(Policy::parse(source, document)))
                        .clone(),
                )
            }
            _ => Some(Arc::new(Policy::parse(source, document))),
        }
    }

    fn list(&mut self, value: Option<&Value>) -> (Vec<Arc<Policy>>, Vec<String>) {
        let mut policies = Vec::new();
        let mut custom_managed = Vec::new();
        for entry in value.and_then(Value::as_array).into_iter().flatten() {
            if let Some(policy) = self.policy(entry, PolicyKind::Inline) {
                if policy.source.kind == PolicyKind::Managed && policy.source.is_custom() {
                    custom_managed.extend(policy.source.arn.clone());
                }
                policies.push(policy);
            }
        }
        (policies, custom_managed)
    }
}

impl<'a> AwsModel<'a> {
    /// Read every AWS user, role and group of the inventory.
    pub(crate) fn load(inventory: &'a Inventory) -> AwsModel<'a> {
        AwsModel::load_where(inventory, |_| true)
    }

    /// Like [`load`](Self::load), parsing only the users and roles `keep` selects (groups are
    /// always read: members need them).
    pub(crate) fn load_where(
        inventory: &'a Inventory,
        keep: impl Fn(&Identity) -> bool,
    ) -> AwsModel<'a> {
        let mut cache = PolicyCache::default();
        let groups = load_groups(inventory, &mut cache);
        let by_arn: HashMap<&str, &Group> = groups.iter().map(|g| (g.arn.as_str(), g)).collect();
        let mut principals = Vec::new();
        let mut not_before: Option<Timestamp> = None;
        for identity in inventory.identities.values() {
            let Some(kind) = aws_kind(identity) else {
                continue;
            };
            not_before = not_before.max(newest_time(identity));
            if !keep(identity) {
                continue;
            }
            principals.push(load_principal(identity, kind, &by_arn, &mut cache));
        }
        for credential in inventory
            .credentials
            .values()
            .filter(|c| c.id.starts_with("aws-"))
        {
            not_before = not_before.max(credential.last_used).max(credential.created);
        }
        AwsModel {
            principals,
            groups,
            not_before,
        }
    }
}

fn load_principal<'a>(
    identity: &'a Identity,
    kind: PrincipalKind,
    groups: &HashMap<&str, &Group>,
    cache: &mut PolicyCache,
) -> Principal<'a> {
    let attrs = &identity.attributes;
    let arn = arn_of(identity);
    let (mut policies, mut custom_managed) = cache.list(attrs.get(attr::POLICIES));
    let member_of: Vec<String> = attrs
        .get(attr::GROUPS)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    for group in member_of.iter().filter_map(|g| groups.get(g.as_str())) {
        policies.extend(group.permissions.policies.iter().cloned());
        custom_managed.extend(group.custom_managed.iter().cloned());
    }
    custom_managed.sort();
    custom_managed.dedup();
    let boundary = attrs.get(attr::BOUNDARY).and_then(|b| {
        let entry = serde_json::json!({
            "name": b.get("arn").and_then(Value::as_str).unwrap_or("boundary"),
            "arn": b.get("arn"),
            "kind": "boundary",
            "document": b.get("document")?,
        });
        cache.policy(&entry, PolicyKind::Boundary)
    });
    let trust = attrs.get(attr::TRUST_POLICY).map(|doc| {
        let source = PolicySource {
            name: format!("{} trust policy", identity.name),
            kind: PolicyKind::Trust,
            arn: None,
        };
        Policy::parse(source, doc)
    });
    Principal {
        identity,
        kind,
        arn,
        account: attrs
            .get(attr::ACCOUNT)
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| account_of(arn).to_string()),
        permissions: Permissions { policies, boundary },
        trust,
        groups: member_of,
        custom_managed,
        has_instance_profile: attrs
            .get(attr::INSTANCE_PROFILES)
            .and_then(Value::as_array)
            .is_some_and(|l| !l.is_empty()),
        root: flag(identity, attr::ROOT) == Some(true) || arn.ends_with(":root"),
        service_linked: flag(identity, attr::SERVICE_LINKED) == Some(true),
    }
}

/// Groups come from `bound-to` edges `aws:group:<arn>` -> policy, whose attributes hold the
/// policy entry.
fn load_groups(inventory: &Inventory, cache: &mut PolicyCache) -> Vec<Group> {
    let mut entries: BTreeMap<&str, Vec<&nhi_model::Edge>> = BTreeMap::new();
    for edge in &inventory.edges {
        if edge.kind == EdgeKind::BoundTo && edge.from.starts_with("aws:group:") {
            entries.entry(edge.from.as_str()).or_default().push(edge);
        }
    }
    entries
        .into_iter()
        .map(|(id, edges)| {
            let arn = id.trim_start_matches("aws:group:").to_string();
            let mut policies = Vec::new();
            let mut custom_managed = Vec::new();
            for edge in edges {
                let entry = Value::Object(edge.attributes.clone().into_iter().collect());
                if let Some(policy) = cache.policy(&entry, PolicyKind::Inline) {
                    if policy.source.kind == PolicyKind::Managed && policy.source.is_custom() {
                        custom_managed.extend(policy.source.arn.clone());
                    }
                    policies.push(policy);
                }
            }
            Group {
                id: id.to_string(),
                account: account_of(&arn).to_string(),
                arn,
                permissions: Permissions {
                    policies,
                    boundary: None,
                },
                custom_managed,
            }
        })
        .collect()
}

fn newest_time(identity: &Identity) -> Option<Timestamp> {
    let report = identity
        .attributes
        .get(attr::REPORT_GENERATED)
        .and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    identity.created.max(identity.last_used).max(report)
}
