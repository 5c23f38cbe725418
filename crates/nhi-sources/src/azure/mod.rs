//! Microsoft Entra ID and Azure RBAC from `az` CLI exports: service principals and application
//! registrations (`az ad sp list --all`, `az ad app list --all`), user-assigned managed identities
//! (`az identity list`) and role assignments (`az role assignment list --all`).
//!
//! Invariants: an application and its service principal are one identity,
//! `azure:serviceprincipal:<appId>`; a managed identity is `azure:managedidentity:<principalId>`;
//! both carry their directory object id as `object_id`, since role assignments name principals
//! only by it. Every GUID is lowercased so that exports of any casing merge.

mod credentials;
mod directory;
mod managed_identities;
mod role_assignments;

pub(crate) use directory::DirectoryObjects;
pub(crate) use managed_identities::ManagedIdentities;
pub(crate) use role_assignments::RoleAssignments;

/// Provider name of every Azure identity.
const PROVIDER: &str = "azure";

/// The identity id of the service principal (and application) with this application id.
fn service_principal_id(app_id: &str) -> String {
    format!("azure:serviceprincipal:{}", app_id.to_ascii_lowercase())
}

/// The identity id of the managed identity with this principal (object) id.
fn managed_identity_id(principal_id: &str) -> String {
    format!(
        "azure:managedidentity:{}",
        principal_id.to_ascii_lowercase()
    )
}

/// The subscription id of an ARM id or scope (`/subscriptions/<id>/...`).
fn subscription_of(resource: &str) -> Option<String> {
    let rest = resource.strip_prefix("/subscriptions/")?;
    let id = rest.split('/').next().filter(|id| !id.is_empty())?;
    Some(id.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_come_from_scopes() {
        assert_eq!(
            subscription_of("/subscriptions/ABC/resourceGroups/rg").as_deref(),
            Some("abc")
        );
        assert_eq!(
            subscription_of("/subscriptions/abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            subscription_of("/providers/Microsoft.Management/managementGroups/mg"),
            None
        );
        assert_eq!(subscription_of("/subscriptions/"), None);
    }
}
