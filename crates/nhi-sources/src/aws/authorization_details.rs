//! `aws iam get-account-authorization-details`: users, roles, groups and managed policies with
//! every policy document, attached or inline, trust policies, boundaries and instance profiles.
//!
//! Users become `aws:user:<arn>` and roles `aws:role:<arn>` with their policies (own inline and
//! managed, default version) in `aws_policies`; a user's groups are listed in `aws_groups`, and
//! each group's policies ride on `bound-to` edges from `aws:group:<arn>`. Every statement is also
//! a [`Grant`] for display (`NotAction`/`NotResource` entries carry a leading `!`). Policy
//! documents may be objects or URL-encoded JSON text; a bad one is reported by JSON path and the
//! rest of the file still counts.

use super::{account_of, json_with_any, location, parse_json, parse_time, tags};
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use nhi_model::{Edge, EdgeKind, Grant, Identity, IdentityKind, Location};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// Reads `get-account-authorization-details` output.
pub(crate) struct AuthorizationDetails;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Export {
    user_detail_list: Vec<UserDetail>,
    group_detail_list: Vec<GroupDetail>,
    role_detail_list: Vec<RoleDetail>,
    policies: Vec<ManagedPolicy>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct UserDetail {
    path: String,
    user_name: String,
    user_id: String,
    arn: String,
    create_date: Option<String>,
    user_policy_list: Vec<InlinePolicy>,
    group_list: Vec<String>,
    attached_managed_policies: Vec<AttachedPolicy>,
    permissions_boundary: Option<Boundary>,
    tags: Vec<Tag>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct GroupDetail {
    group_name: String,
    arn: String,
    group_policy_list: Vec<InlinePolicy>,
    attached_managed_policies: Vec<AttachedPolicy>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct RoleDetail {
    path: String,
    role_name: String,
    role_id: String,
    arn: String,
    create_date: Option<String>,
    assume_role_policy_document: Option<Value>,
    instance_profile_list: Vec<InstanceProfile>,
    role_policy_list: Vec<InlinePolicy>,
    attached_managed_policies: Vec<AttachedPolicy>,
    permissions_boundary: Option<Boundary>,
    tags: Vec<Tag>,
    role_last_used: Option<RoleLastUsed>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct InlinePolicy {
    policy_name: String,
    policy_document: Value,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct AttachedPolicy {
    policy_name: String,
    policy_arn: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Boundary {
    permissions_boundary_arn: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Tag {
    key: String,
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct InstanceProfile {
    arn: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct RoleLastUsed {
    last_used_date: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ManagedPolicy {
    arn: String,
    default_version_id: Option<String>,
    policy_version_list: Vec<PolicyVersion>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct PolicyVersion {
    document: Value,
    version_id: String,
    is_default_version: bool,
}

impl Source for AuthorizationDetails {
    fn name(&self) -> &'static str {
        "aws-authorization-details"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        json_with_any(
            file,
            &[
                "\"UserDetailList\"",
                "\"RoleDetailList\"",
                "\"GroupDetailList\"",
            ],
        )
    }

    fn read(&self, file: &SourceFile, _ctx: &SourceContext, out: &mut Discovery) {
        match parse_json::<Export>(file, "authorization details") {
            Ok(export) => Reader::new(file, &export, out).read_all(&export),
            Err(error) => out.errors.push(error),
        }
    }
}

/// The managed policies of the export by ARN: (default version id, document, version count).
type PolicyIndex<'e> = HashMap<&'e str, (&'e str, &'e Value, usize)>;

struct Reader<'f, 'e, 'o> {
    file: &'f SourceFile<'f>,
    policies: PolicyIndex<'e>,
    /// Group name -> ARN, to turn a user's `GroupList` into ARNs.
    groups: HashMap<&'e str, &'e str>,
    /// Managed policies decoded so far, by ARN: a policy attached to thousands of principals is
    /// decoded once.
    decoded: HashMap<&'e str, Result<Decoded, String>>,
    out: &'o mut Discovery,
}

/// A managed policy's default document, parsed (for grants) and as compact JSON text (for the
/// `aws_policies` entries of every principal that attaches it).
#[derive(Clone)]
struct Decoded {
    document: Rc<Value>,
    text: Value,
}

/// A policy of a principal, ready for its `aws_policies` entry and its grants.
struct PolicyEntry {
    entry: Value,
    document: Option<Rc<Value>>,
    label: String,
}

impl<'f, 'e, 'o> Reader<'f, 'e, 'o> {
    fn new(file: &'f SourceFile<'f>, export: &'e Export, out: &'o mut Discovery) -> Self {
        let policies = export
            .policies
            .iter()
            .filter_map(|p| {
                let default = p.policy_version_list.iter().find(|v| {
                    v.is_default_version || Some(&v.version_id) == p.default_version_id.as_ref()
                })?;
                Some((
                    p.arn.as_str(),
                    (
                        default.version_id.as_str(),
                        &default.document,
                        p.policy_version_list.len(),
                    ),
                ))
            })
            .collect();
        let groups = export
            .group_detail_list
            .iter()
            .map(|g| (g.group_name.as_str(), g.arn.as_str()))
            .collect();
        Reader {
            file,
            policies,
            groups,
            decoded: HashMap::new(),
            out,
        }
    }

    /// The default document of the managed policy `arn`, decoded once.
    fn managed(&mut self, arn: &'e str, raw: &'e Value) -> Result<Decoded, String> {
        self.decoded
            .entry(arn)
            .or_insert_with(|| {
                let document = decode_document(raw)?;
                let text = Value::String(document.to_string());
                Ok(Decoded {
                    document: Rc::new(document),
                    text,
                })
            })
            .clone()
    }

    fn read_all(mut self, export: &'e Export) {
        for (i, group) in export.group_detail_list.iter().enumerate() {
            self.group(i, group);
        }
        for (i, user) in export.user_detail_list.iter().enumerate() {
            self.user(i, user);
        }
        for (i, role) in export.role_detail_list.iter().enumerate() {
            self.role(i, role);
        }
    }

    fn user(&mut self, index: usize, user: &'e UserDetail) {
        let path = format!("UserDetailList[{index}]");
        let mut identity = self.principal(
            "user",
            &user.arn,
            &user.user_name,
            IdentityKind::CloudUser,
            &user.tags,
            user.create_date.as_deref(),
        );
        identity
            .attributes
            .insert("user_id".into(), user.user_id.clone().into());
        identity
            .attributes
            .insert("path".into(), user.path.clone().into());
        let groups: Vec<String> = user
            .group_list
            .iter()
            .map(|name| match self.groups.get(name.as_str()) {
                Some(arn) => arn.to_string(),
                None => format!("arn:aws:iam::{}:group/{name}", account_of(&user.arn)),
            })
            .collect();
        for group in &groups {
            let edge = Edge {
                from: identity.id.clone(),
                to: format!("aws:group:{group}"),
                kind: EdgeKind::MemberOf,
                attributes: Default::default(),
            };
            self.out.inventory.edges.push(edge);
        }
        identity
            .attributes
            .insert("aws_groups".into(), json!(groups));
        let policies = self.policies_of(
            &path,
            "UserPolicyList",
            &user.user_policy_list,
            &user.attached_managed_policies,
        );
        self.finish(identity, policies, user.permissions_boundary.as_ref());
    }

    fn role(&mut self, index: usize, role: &'e RoleDetail) {
        let path = format!("RoleDetailList[{index}]");
        let mut identity = self.principal(
            "role",
            &role.arn,
            &role.role_name,
            IdentityKind::CloudRole,
            &role.tags,
            role.create_date.as_deref(),
        );
        let attrs = &mut identity.attributes;
        attrs.insert("role_id".into(), role.role_id.clone().into());
        attrs.insert("path".into(), role.path.clone().into());
        attrs.insert(
            "aws_service_linked".into(),
            role.path.starts_with("/aws-service-role/").into(),
        );
        let profiles: Vec<&str> = role
            .instance_profile_list
            .iter()
            .map(|p| p.arn.as_str())
            .collect();
        attrs.insert("aws_instance_profiles".into(), json!(profiles));
        if let Some(last_used) = &role.role_last_used {
            // The record is there: no date means never used in the period AWS tracks.
            attrs.insert("last_used_known".into(), true.into());
            identity.last_used = last_used.last_used_date.as_deref().and_then(parse_time);
        }
        if let Some(trust) = &role.assume_role_policy_document {
            match decode_document(trust) {
                Ok(document) => {
                    identity
                        .attributes
                        .insert("aws_trust_policy".into(), document);
                }
                Err(message) => self.error(&format!("{path}.AssumeRolePolicyDocument"), &message),
            }
        }
        let policies = self.policies_of(
            &path,
            "RolePolicyList",
            &role.role_policy_list,
            &role.attached_managed_policies,
        );
        self.finish(identity, policies, role.permissions_boundary.as_ref());
    }

    /// A group: `bound-to` edges to each of its policies (with the policy entry as attributes).
    fn group(&mut self, index: usize, group: &'e GroupDetail) {
        let path = format!("GroupDetailList[{index}]");
        let from = format!("aws:group:{}", group.arn);
        for policy in self.policies_of(
            &path,
            "GroupPolicyList",
            &group.group_policy_list,
            &group.attached_managed_policies,
        ) {
            let to = match policy.entry.get("arn").and_then(Value::as_str) {
                Some(arn) => format!("aws:policy:{arn}"),
                None => format!(
                    "aws:policy:{}/inline/{}",
                    group.arn,
                    policy.entry["name"].as_str().unwrap_or("")
                ),
            };
            if let Some(document) = &policy.document {
                let grants = self.grants(&from, &policy.label, document);
                self.out.inventory.grants.extend(grants);
            }
            let attributes = match policy.entry {
                Value::Object(map) => map.into_iter().collect(),
                _ => Default::default(),
            };
            self.out.inventory.edges.push(Edge {
                from: from.clone(),
                to,
                kind: EdgeKind::BoundTo,
                attributes,
            });
        }
    }

    fn principal(
        &self,
        kind: &str,
        arn: &str,
        name: &str,
        identity_kind: IdentityKind,
        tags: &[Tag],
        created: Option<&str>,
    ) -> Identity {
        let mut identity = Identity::new(format!("aws:{kind}:{arn}"), identity_kind, "aws", name);
        identity.tags = tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect::<BTreeMap<_, _>>();
        identity.owner = tags::owner(&identity.tags);
        identity.environment = tags::environment(&identity.tags);
        identity.created = created.and_then(parse_time);
        identity.attributes.insert("arn".into(), arn.into());
        identity
            .attributes
            .insert("account".into(), account_of(arn).into());
        identity
    }

    /// Inline policies then attached managed policies (default version, from `Policies`).
    fn policies_of(
        &mut self,
        path: &str,
        inline_key: &str,
        inline: &[InlinePolicy],
        attached: &'e [AttachedPolicy],
    ) -> Vec<PolicyEntry> {
        let mut entries = Vec::new();
        for (i, policy) in inline.iter().enumerate() {
            match decode_document(&policy.policy_document) {
                Ok(document) => entries.push(PolicyEntry {
                    entry: json!({"name": policy.policy_name, "kind": "inline", "document": document}),
                    label: format!("inline policy {}", policy.policy_name),
                    document: Some(Rc::new(document)),
                }),
                Err(message) => self.error(&format!("{path}.{inline_key}[{i}].PolicyDocument"), &message),
            }
        }
        for policy in attached {
            let mut entry =
                json!({"name": policy.policy_name, "kind": "managed", "arn": policy.policy_arn});
            let label = format!("managed policy {}", policy.policy_name);
            let Some(&(version, raw, versions)) = self.policies.get(policy.policy_arn.as_str())
            else {
                // Not in this export's Policies list: the attachment is known, the document is not.
                entries.push(PolicyEntry {
                    entry,
                    document: None,
                    label,
                });
                continue;
            };
            entry["version"] = version.into();
            entry["versions"] = versions.into();
            match self.managed(&policy.policy_arn, raw) {
                Ok(decoded) => {
                    entry["document"] = decoded.text;
                    entries.push(PolicyEntry {
                        entry,
                        document: Some(decoded.document),
                        label,
                    });
                }
                Err(message) => self.error(
                    &format!(
                        "Policies[{}].PolicyVersionList[{version}].Document",
                        policy.policy_arn
                    ),
                    &message,
                ),
            }
        }
        entries
    }

    fn finish(
        &mut self,
        mut identity: Identity,
        policies: Vec<PolicyEntry>,
        boundary: Option<&'e Boundary>,
    ) {
        for policy in &policies {
            if let Some(document) = &policy.document {
                let grants = self.grants(&identity.id, &policy.label, document);
                self.out.inventory.grants.extend(grants);
            }
        }
        let entries: Vec<Value> = policies.into_iter().map(|p| p.entry).collect();
        identity
            .attributes
            .insert("aws_policies".into(), Value::Array(entries));
        if let Some(boundary) = boundary.filter(|b| !b.permissions_boundary_arn.is_empty()) {
            let arn = boundary.permissions_boundary_arn.as_str();
            let mut value = json!({"arn": arn});
            if let Some(&(_, raw, _)) = self.policies.get(arn) {
                if let Ok(decoded) = self.managed(arn, raw) {
                    value["document"] = decoded.text;
                }
            }
            identity
                .attributes
                .insert("aws_permissions_boundary".into(), value);
        }
        self.out.inventory.add_identity(identity);
    }

    /// One grant per statement of a policy document.
    fn grants(&self, identity: &str, label: &str, document: &Value) -> Vec<Grant> {
        let statements = match document.get("Statement") {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => Vec::new(),
        };
        let account = identity.split(':').nth(6).unwrap_or("");
        let location: Location = location(self.file, None, account);
        statements
            .into_iter()
            .map(|statement| Grant {
                identity: identity.to_string(),
                effect: statement
                    .get("Effect")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase(),
                actions: listed(statement, "Action", "NotAction"),
                resources: match (statement.get("Resource"), statement.get("NotResource")) {
                    (None, None) => vec!["*".into()],
                    _ => listed(statement, "Resource", "NotResource"),
                },
                conditions: statement.get("Condition").cloned(),
                source: Some(label.to_string()),
                access_level: None,
                location: Some(location.clone()),
            })
            .collect()
    }

    fn error(&mut self, json_path: &str, message: &str) {
        self.out.errors.push(SourceError::new(
            self.file.path,
            None,
            format!("{json_path}: {message}"),
        ));
    }
}

/// The entries of `positive`, or those of `negative` with a leading `!`.
fn listed(statement: &Value, positive: &str, negative: &str) -> Vec<String> {
    let strings = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(list) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    };
    match (statement.get(positive), statement.get(negative)) {
        (Some(v), _) => strings(v),
        (None, Some(v)) => strings(v).into_iter().map(|s| format!("!{s}")).collect(),
        (None, None) => Vec::new(),
    }
}

/// A policy document as an object: given as one, or as (URL-encoded) JSON text.
fn decode_document(raw: &Value) -> Result<Value, String> {
    let document = match raw {
        Value::Object(_) => return Ok(raw.clone()),
        Value::String(text) => {
            let decoded = if text.trim_start().starts_with('{') {
                text.clone()
            } else {
                percent_decode(text)?
            };
            serde_json::from_str::<Value>(&decoded)
                .map_err(|e| format!("policy document is not valid JSON: {e}"))?
        }
        _ => return Err("policy document is neither an object nor text".into()),
    };
    if document.is_object() {
        Ok(document)
    } else {
        Err("policy document is not a JSON object".into())
    }
}

/// RFC 3986 percent-decoding (IAM's API returns documents this way).
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                None => {
                    return Err(format!(
                        "bad percent-escape at byte {i} of the policy document"
                    ))
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "policy document is not UTF-8 after percent-decoding".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_decode_from_objects_and_url_encoded_text() {
        let object = json!({"Statement": []});
        assert_eq!(decode_document(&object).unwrap(), object);
        let encoded = Value::String("%7B%22Statement%22%3A%5B%5D%7D".into());
        assert_eq!(decode_document(&encoded).unwrap(), object);
        let plain = Value::String("{\"Statement\": []}".into());
        assert_eq!(decode_document(&plain).unwrap(), object);
        assert!(decode_document(&Value::String("%7Bnope".into())).is_err());
        assert!(decode_document(&Value::String("%ZZ".into())).is_err());
        assert!(decode_document(&json!(3)).is_err());
    }

    #[test]
    fn negated_lists_are_marked() {
        let s = json!({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"});
        assert_eq!(listed(&s, "Action", "NotAction"), vec!["!iam:*"]);
        assert_eq!(listed(&s, "Resource", "NotResource"), vec!["*"]);
    }
}
