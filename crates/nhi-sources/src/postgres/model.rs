//! Turning catalog facts into identities (one per role) and credentials (one per stored
//! password), with the facts analysis needs as attributes.

use super::catalog::{Facts, HbaRule, RoleRow};
use crate::SourceContext;
use nhi_model::{
    Credential, CredentialKind, CredentialStatus, Grant, Identity, IdentityKind, Inventory,
    Location,
};
use serde_json::{json, Value};

/// The oid of the bootstrap superuser created by `initdb`.
const BOOTSTRAP_SUPERUSER_OID: u32 = 10;

/// The identity id of a role on a server.
pub(crate) fn role_id(server: &str, role: &str) -> String {
    format!("postgres:role:{server}/{role}")
}

pub(crate) fn build(server: &str, facts: &Facts, ctx: &SourceContext, inventory: &mut Inventory) {
    let location = Location {
        account: Some(format!("postgres://{server}")),
        ..Location::default()
    };
    for role in &facts.roles {
        let id = role_id(server, &role.name);
        let mut identity = Identity::new(&id, IdentityKind::DatabaseRole, "postgres", &role.name);
        identity.attributes = role_attributes(server, role, facts);
        if facts.sessions.iter().any(|s| s.role == role.name) {
            identity.last_used = facts.server_now;
        }
        inventory.add_identity(identity);

        if let Some(hash) = password_hash(facts, &role.name) {
            let mut credential = Credential::new(
                format!("postgres-password:{server}/{}", role.name),
                CredentialKind::Password,
                ctx.fingerprinter.fingerprint(hash.as_bytes()),
            );
            credential.identity = Some(id.clone());
            credential.redacted = Some(format!(
                "{}$****",
                hash.split('$').next().unwrap_or("password")
            ));
            credential.expires = valid_until(role);
            credential.status = CredentialStatus::Active;
            credential.locations.push(location.clone());
            inventory.add_credential(credential);
        }
        for privilege in facts.privileges.iter().filter(|p| p.grantee == role.name) {
            inventory.grants.push(Grant {
                identity: id.clone(),
                effect: "allow".into(),
                actions: vec![privilege.privilege.clone()],
                resources: vec![format!("{}:{}", privilege.object_kind, privilege.object)],
                conditions: (privilege.object_kind == "tables")
                    .then(|| json!({"relations": privilege.count})),
                source: Some(format!("postgres://{server}")),
                access_level: None,
                location: Some(location.clone()),
            });
        }
    }
}

fn password_hash<'a>(facts: &'a Facts, role: &str) -> Option<&'a str> {
    facts
        .password_hashes
        .as_ref()?
        .iter()
        .find(|(name, _)| name == role)
        .map(|(_, hash)| hash.as_str())
}

/// `VALID UNTIL` as a time; `infinity` and unset mean never.
fn valid_until(role: &RoleRow) -> Option<nhi_model::Timestamp> {
    let text = role.valid_until.as_deref()?;
    chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%#z")
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn role_attributes(server: &str, role: &RoleRow, facts: &Facts) -> nhi_model::Attributes {
    let member_of: Vec<&str> = facts
        .memberships
        .iter()
        .filter(|(member, _, _)| *member == role.name)
        .map(|(_, group, _)| group.as_str())
        .collect();
    let sessions: Vec<Value> = facts
        .sessions
        .iter()
        .filter(|s| s.role == role.name)
        .map(|s| json!({"application_name": s.application_name, "client_addr": s.client_addr, "database": s.database}))
        .collect();
    let password_set = facts
        .password_hashes
        .as_ref()
        .map(|hashes| hashes.iter().any(|(name, _)| *name == role.name));
    let auth_rules: Option<Vec<Value>> = facts.hba_rules.as_ref().map(|rules| {
        rules
            .iter()
            .filter(|rule| role.can_login && hba_applies(rule, &role.name, &member_of))
            .map(|rule| {
                json!({"line": rule.line, "type": rule.connection_type, "databases": rule.databases,
                       "address": rule.address, "method": rule.method})
            })
            .collect()
    });
    let mut attributes = nhi_model::Attributes::new();
    let mut set = |key: &str, value: Value| {
        attributes.insert(key.to_string(), value);
    };
    set("server", json!(server));
    if let Some(version) = &facts.version {
        set("server_version", json!(version));
    }
    set("can_login", json!(role.can_login));
    set("superuser", json!(role.superuser));
    set(
        "bootstrap_superuser",
        json!(role.oid == BOOTSTRAP_SUPERUSER_OID),
    );
    set("create_role", json!(role.create_role));
    set("create_db", json!(role.create_db));
    set("replication", json!(role.replication));
    set("bypass_rls", json!(role.bypass_rls));
    set("inherit", json!(role.inherit));
    set("connection_limit", json!(role.connection_limit));
    set("valid_until", json!(role.valid_until));
    set("password_set", json!(password_set));
    set("member_of", json!(member_of));
    set("sessions", json!(sessions));
    set("auth_rules", json!(auth_rules));
    attributes
}

/// Whether a `pg_hba.conf` line covers `role`: `all`, the role's own name, or `+group` for a
/// group it belongs to.
fn hba_applies(rule: &HbaRule, role: &str, member_of: &[&str]) -> bool {
    rule.users.iter().any(|user| {
        user == "all"
            || user == role
            || user
                .strip_prefix('+')
                .is_some_and(|group| member_of.contains(&group))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(valid_until: Option<&str>) -> RoleRow {
        RoleRow {
            oid: 16384,
            name: "app".into(),
            superuser: false,
            inherit: true,
            create_role: false,
            create_db: false,
            can_login: true,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            valid_until: valid_until.map(str::to_string),
        }
    }

    #[test]
    fn valid_until_parses_server_text_and_infinity_means_never() {
        assert!(valid_until(&role(Some("infinity"))).is_none());
        assert!(valid_until(&role(None)).is_none());
        let t = valid_until(&role(Some("2030-01-01 00:00:00+00"))).unwrap();
        assert_eq!(t.to_rfc3339(), "2030-01-01T00:00:00+00:00");
    }

    #[test]
    fn hba_lines_match_all_names_and_groups() {
        let rule = |users: &[&str]| HbaRule {
            line: 1,
            connection_type: "host".into(),
            databases: vec!["all".into()],
            users: users.iter().map(|s| s.to_string()).collect(),
            address: None,
            method: "trust".into(),
        };
        assert!(hba_applies(&rule(&["all"]), "app", &[]));
        assert!(hba_applies(&rule(&["+services"]), "app", &["services"]));
        assert!(!hba_applies(&rule(&["+services"]), "app", &["humans"]));
        assert!(!hba_applies(&rule(&["other"]), "app", &[]));
    }
}
