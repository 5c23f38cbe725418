//! Builders for the AWS rule examples: users, roles, policies and access keys shaped as the AWS
//! sources record them (see [`attr`]), in the example account `111122223333`.

use super::principal::attr;
use nhi_model::{
    Credential, CredentialKind, CredentialStatus, Edge, EdgeKind, Identity, IdentityKind, Timestamp,
};
use serde_json::{json, Value};

pub(crate) const ACCOUNT: &str = "111122223333";

/// A time in the examples' calendar (they are judged at 2026-01-01).
pub(crate) fn at(rfc3339: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

fn principal(kind: &str, name: &str) -> Identity {
    let arn = format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}");
    let identity_kind = if kind == "role" {
        IdentityKind::CloudRole
    } else {
        IdentityKind::CloudUser
    };
    let mut identity = Identity::new(format!("aws:{kind}:{arn}"), identity_kind, "aws", name);
    identity.attributes.insert(attr::ARN.into(), arn.into());
    identity
        .attributes
        .insert(attr::ACCOUNT.into(), ACCOUNT.into());
    identity
}

/// An IAM user.
pub(crate) fn user(name: &str) -> Identity {
    principal("user", name)
}

/// An IAM role with a trust policy.
pub(crate) fn role(name: &str, trust: Value) -> Identity {
    let mut role = principal("role", name);
    role.attributes.insert(attr::TRUST_POLICY.into(), trust);
    role
}

/// A trust policy letting `principal` (a `Principal` value) assume the role.
pub(crate) fn trust(principal: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})
}

/// A one-statement identity policy document.
pub(crate) fn allow(actions: Value, resources: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]})
}

/// Attach an inline policy.
pub(crate) fn with_policy(mut identity: Identity, name: &str, document: Value) -> Identity {
    let entry = json!({"name": name, "kind": "inline", "document": document});
    match identity
        .attributes
        .get_mut(attr::POLICIES)
        .and_then(Value::as_array_mut)
    {
        Some(list) => list.push(entry),
        None => {
            identity
                .attributes
                .insert(attr::POLICIES.into(), json!([entry]));
        }
    }
    identity
}

/// Set credential-report facts on a user.
pub(crate) fn with_console(mut identity: Identity, password: bool, mfa: bool) -> Identity {
    identity
        .attributes
        .insert(attr::PASSWORD_ENABLED.into(), password.into());
    identity
        .attributes
        .insert(attr::MFA_ACTIVE.into(), mfa.into());
    identity
        .attributes
        .insert(attr::HUMAN.into(), (password && mfa).into());
    identity
}

/// An access key of `user` in a credential-report slot, created at `created`.
pub(crate) fn access_key(
    user: &Identity,
    slot: u8,
    created: &str,
    last_used: Option<&str>,
) -> Credential {
    let mut key = Credential::new(
        format!(
            "aws-access-key:{}#{slot}",
            user.id.trim_start_matches("aws:user:")
        ),
        CredentialKind::AccessKey,
        "fp1:example",
    );
    key.identity = Some(user.id.clone());
    key.status = CredentialStatus::Active;
    key.created = Some(at(created));
    key.last_used = last_used.map(at);
    key.attributes
        .insert("source".into(), "credential-report".into());
    key.attributes.insert("slot".into(), slot.into());
    key.attributes.insert("last_used_known".into(), true.into());
    key
}

/// An inventory with these identities and credentials plus edges.
pub(crate) fn inventory_with(
    identities: Vec<Identity>,
    credentials: Vec<Credential>,
    edges: Vec<Edge>,
) -> nhi_model::Inventory {
    let mut inventory = crate::example::inventory(identities, credentials, vec![]);
    inventory.edges = edges;
    inventory
}

/// A group holding one inline policy (a `bound-to` edge), and the `member-of` edge of `user`.
pub(crate) fn group_with_member(group: &str, document: Value, user: &mut Identity) -> Vec<Edge> {
    let arn = format!("arn:aws:iam::{ACCOUNT}:group/{group}");
    user.attributes.insert(attr::GROUPS.into(), json!([arn]));
    let mut bound = Edge {
        from: format!("aws:group:{arn}"),
        to: format!("aws:policy:{arn}/inline/{group}-policy"),
        kind: EdgeKind::BoundTo,
        attributes: Default::default(),
    };
    bound
        .attributes
        .insert("name".into(), format!("{group}-policy").into());
    bound.attributes.insert("kind".into(), "inline".into());
    bound.attributes.insert("document".into(), document);
    let member = Edge {
        from: user.id.clone(),
        to: format!("aws:group:{arn}"),
        kind: EdgeKind::MemberOf,
        attributes: Default::default(),
    };
    vec![bound, member]
}
