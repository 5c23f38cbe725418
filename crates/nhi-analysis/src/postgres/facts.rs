//! Reading a role identity's recorded facts, and telling service roles from people.

use nhi_model::{Identity, IdentityKind, Timestamp};
use serde_json::Value;

/// Client programs people type into; sessions from them say nothing about applications.
const INTERACTIVE_CLIENTS: &[&str] = &["psql", "pgadmin", "dbeaver", "datagrip", "pgcli", "nhi"];

/// The database roles in an inventory that can log in.
pub(crate) fn login_roles<'a>(
    identities: impl Iterator<Item = &'a Identity>,
) -> impl Iterator<Item = &'a Identity> {
    identities.filter(|i| i.kind == IdentityKind::DatabaseRole && flag(i, "can_login"))
}

/// A boolean attribute, false when absent.
pub(crate) fn flag(identity: &Identity, key: &str) -> bool {
    identity
        .attributes
        .get(key)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// A list attribute, empty when absent.
pub(crate) fn list<'a>(identity: &'a Identity, key: &str) -> &'a [Value] {
    identity
        .attributes
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Whether a session's client program is one people type into.
pub(crate) fn is_interactive(application_name: &str) -> bool {
    let name = application_name.to_ascii_lowercase();
    INTERACTIVE_CLIENTS
        .iter()
        .any(|client| name.starts_with(client))
}

/// Distinct application names of the role's non-interactive sessions.
pub(crate) fn applications(identity: &Identity) -> Vec<&str> {
    let mut names: Vec<&str> = list(identity, "sessions")
        .iter()
        .filter_map(|s| s.get("application_name").and_then(Value::as_str))
        .filter(|name| !name.is_empty() && !is_interactive(name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Distinct client addresses of the role's sessions (Unix-socket sessions have none).
pub(crate) fn client_addresses(identity: &Identity) -> Vec<&str> {
    let mut addresses: Vec<&str> = list(identity, "sessions")
        .iter()
        .filter_map(|s| s.get("client_addr").and_then(Value::as_str))
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    addresses
}

/// Whether a login role belongs to a service rather than a person: it is used by an application,
/// or its name is not a person's (people's roles carry dots or `@`: `alice.smith`,
/// `bob@corp.example`). The bootstrap superuser counts only when an application uses it.
pub(crate) fn is_service_role(identity: &Identity) -> bool {
    if !applications(identity).is_empty() {
        return true;
    }
    let name = identity.name.as_str();
    !flag(identity, "bootstrap_superuser") && !name.contains('.') && !name.contains('@')
}

/// Since when the store has watched this role (`observed_since`, carried forward by the scan).
pub(crate) fn observed_since(identity: &Identity) -> Option<Timestamp> {
    let text = identity.attributes.get("observed_since")?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}
