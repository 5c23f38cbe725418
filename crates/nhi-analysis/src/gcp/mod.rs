//! Google Cloud risk rules over what the `gcp` sources discover, and the edge deriver that turns
//! impersonation roles into `can-impersonate` edges and owners into admins.
//!
//! The contract with the sources: service accounts are `gcp:serviceaccount:<email>` with the
//! attributes `project`, `project_number`, `default_account`, `google_managed` and `disabled`;
//! keys are `gcp-sa-key:<id>` with `key_type`, `disabled` and `never_expires`; IAM bindings are
//! grants with `source` `gcp:iam-policy:<resource>`, the role as action and the resource
//! (`projects/<id>`, `folders/<id>`, `organizations/<id>` or another resource name).

mod examples;
mod graph;
mod keys;
mod roles;

pub(crate) use graph::ImpersonationEdges;
pub(crate) use keys::{KeyNoExpiry, KeyOnDisabledAccount, KeyUnrotated, KeyUserManaged};
pub(crate) use roles::{BasicRole, ProjectWideImpersonation, PublicBinding};

use nhi_model::{Attributes, Grant, Inventory};

const SERVICE_ACCOUNT: &str = "gcp:serviceaccount:";
const OWNER: &str = "roles/owner";
const EDITOR: &str = "roles/editor";
/// Roles that let their holder act as (`serviceAccountUser`) or mint tokens for
/// (`serviceAccountTokenCreator`) every service account of the resource they are granted on.
const IMPERSONATION_ROLES: [&str; 2] = [
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountUser",
];

/// Grants that come from a GCP IAM policy.
fn policy_grants(inventory: &Inventory) -> impl Iterator<Item = &Grant> {
    inventory.grants.iter().filter(|g| {
        g.source
            .as_deref()
            .is_some_and(|s| s.starts_with("gcp:iam-policy:"))
    })
}

fn holds(grant: &Grant, role: &str) -> bool {
    grant.actions.iter().any(|a| a == role)
}

fn flag(attributes: &Attributes, key: &str) -> bool {
    attributes.get(key).and_then(serde_json::Value::as_bool) == Some(true)
}

fn text<'a>(attributes: &'a Attributes, key: &str) -> Option<&'a str> {
    attributes.get(key).and_then(serde_json::Value::as_str)
}

/// How a member is named in titles: an account by its email, anyone else as GCP writes members
/// (`group:devs@example.com`, `allUsers`); ids from other providers stay whole.
fn member_name(id: &str) -> &str {
    id.strip_prefix(SERVICE_ACCOUNT)
        .or_else(|| id.strip_prefix("gcp:public:"))
        .or_else(|| id.strip_prefix("gcp:"))
        .unwrap_or(id)
}

/// Where a grant applies.
#[derive(Debug, PartialEq, Eq)]
enum Scope<'a> {
    /// A project by id or number (`-` when the source could not tell).
    Project(&'a str),
    Folder,
    Organization,
    /// One service account, by email.
    ServiceAccount(&'a str),
    Other,
}

impl<'a> Scope<'a> {
    fn of(resource: &'a str) -> Scope<'a> {
        let parts: Vec<&str> = resource.split('/').collect();
        match parts.as_slice() {
            ["projects", id] => Scope::Project(id),
            ["folders", _] => Scope::Folder,
            ["organizations", _] => Scope::Organization,
            ["projects", _, "serviceAccounts", email] => Scope::ServiceAccount(email),
            _ => Scope::Other,
        }
    }

    /// Whether the scope is a node of the resource hierarchy, so that a role there reaches every
    /// service account below it.
    fn is_hierarchy(&self) -> bool {
        matches!(
            self,
            Scope::Project(_) | Scope::Folder | Scope::Organization
        )
    }
}

/// The scopes of a grant.
fn scopes(grant: &Grant) -> impl Iterator<Item = Scope<'_>> {
    grant.resources.iter().map(|r| Scope::of(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_become_scopes() {
        assert_eq!(Scope::of("projects/p"), Scope::Project("p"));
        assert_eq!(Scope::of("folders/1"), Scope::Folder);
        assert_eq!(Scope::of("organizations/1"), Scope::Organization);
        let sa = Scope::of("projects/p/serviceAccounts/a@p.iam.gserviceaccount.com");
        assert_eq!(sa, Scope::ServiceAccount("a@p.iam.gserviceaccount.com"));
        assert_eq!(Scope::of("//storage.googleapis.com/b"), Scope::Other);
        assert!(!Scope::Other.is_hierarchy() && Scope::Folder.is_hierarchy());
    }

    #[test]
    fn members_are_named_as_gcp_writes_them() {
        assert_eq!(
            member_name("gcp:serviceaccount:a@p.iam.gserviceaccount.com"),
            "a@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            member_name("gcp:group:devs@example.com"),
            "group:devs@example.com"
        );
        assert_eq!(member_name("gcp:public:allUsers"), "allUsers");
        assert_eq!(
            member_name("k8s:serviceaccount:ns/sa"),
            "k8s:serviceaccount:ns/sa"
        );
    }
}
