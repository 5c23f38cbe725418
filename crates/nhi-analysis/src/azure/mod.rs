//! Azure risk rules over what the `azure` sources discover: client secrets and certificates of
//! applications and service principals, and role assignments of service principals.
//!
//! The contract with the sources: `azure:serviceprincipal:<appId>` (an application and its service
//! principal) and `azure:managedidentity:<principalId>` carry `object_id`, service principals also
//! `app_owner_tenant`, applications `application_object_id`, managed identities `tenant_id`;
//! secrets are `azure-client-secret:<keyId>` and certificates `azure-certificate:<keyId>` with
//! `object` (`application` or `service-principal`); a role assignment is a grant of the role name
//! on the scope, to `azure:principal:<objectId>` for service principals.

mod credentials;
mod examples;
mod roles;

pub(crate) use credentials::{ClientSecretLongLived, CredentialExpired, ServicePrincipalPassword};
pub(crate) use roles::{ForeignAppPrivilegedRole, PrivilegedServicePrincipal};

use nhi_model::{Attributes, Grant, Identity, IdentityKind, Inventory};
use std::collections::{BTreeSet, HashMap};

/// Grants to a service principal not (yet) resolved to its identity.
const UNRESOLVED_PRINCIPAL: &str = "azure:principal:";

fn text<'a>(attributes: &'a Attributes, key: &str) -> Option<&'a str> {
    attributes.get(key).and_then(serde_json::Value::as_str)
}

/// The estate's directory: service principals and managed identities by object id, and the
/// tenants the estate is at home in.
struct Directory<'a> {
    by_object_id: HashMap<&'a str, &'a Identity>,
    /// Tenants of the estate's own managed identities and of the applications it registered
    /// (`az ad app list` lists only the tenant's own registrations): empty when no input tells.
    home_tenants: BTreeSet<&'a str>,
}

impl<'a> Directory<'a> {
    fn of(inventory: &'a Inventory) -> Self {
        let mut directory = Directory {
            by_object_id: HashMap::new(),
            home_tenants: BTreeSet::new(),
        };
        for identity in inventory
            .identities
            .values()
            .filter(|i| i.provider == "azure")
        {
            let attributes = &identity.attributes;
            if let Some(object_id) = text(attributes, "object_id") {
                directory.by_object_id.insert(object_id, identity);
            }
            let home = match identity.kind {
                IdentityKind::ManagedIdentity => text(attributes, "tenant_id"),
                _ if attributes.contains_key("application_object_id") => {
                    text(attributes, "app_owner_tenant")
                }
                _ => None,
            };
            directory.home_tenants.extend(home);
        }
        directory
    }

    /// The identity a grant belongs to, resolving object ids.
    fn holder(&self, grant: &Grant) -> Option<&'a Identity> {
        let object_id = grant.identity.strip_prefix(UNRESOLVED_PRINCIPAL)?;
        self.by_object_id.get(object_id).copied()
    }

    /// The id to report a grant under: the resolved identity's, else the grant's own.
    fn holder_id(&self, grant: &Grant) -> String {
        self.holder(grant)
            .map_or_else(|| grant.identity.clone(), |i| i.id.clone())
    }
}

/// How far up the management hierarchy a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ScopeLevel {
    Resource,
    ResourceGroup,
    Subscription,
    ManagementGroup,
    /// `/`: the whole tenant.
    Root,
}

impl ScopeLevel {
    fn of(scope: &str) -> ScopeLevel {
        let parts: Vec<String> = scope
            .trim_end_matches('/')
            .split('/')
            .skip(1)
            .map(str::to_ascii_lowercase)
            .collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        match parts.as_slice() {
            [] => ScopeLevel::Root,
            ["providers", "microsoft.management", "managementgroups", _] => {
                ScopeLevel::ManagementGroup
            }
            ["subscriptions", _] => ScopeLevel::Subscription,
            ["subscriptions", _, "resourcegroups", _] => ScopeLevel::ResourceGroup,
            _ => ScopeLevel::Resource,
        }
    }
}

/// Grants of one of `roles` at subscription scope or above.
fn broad_grants<'a>(
    inventory: &'a Inventory,
    roles: &'a [&str],
) -> impl Iterator<Item = &'a Grant> {
    inventory.grants.iter().filter(move |g| {
        g.identity.starts_with("azure:")
            && g.actions
                .iter()
                .any(|a| roles.iter().any(|r| a.eq_ignore_ascii_case(r)))
            && g.resources
                .iter()
                .any(|r| ScopeLevel::of(r) >= ScopeLevel::Subscription)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_have_levels() {
        assert_eq!(ScopeLevel::of("/"), ScopeLevel::Root);
        assert_eq!(ScopeLevel::of("/subscriptions/s"), ScopeLevel::Subscription);
        assert_eq!(
            ScopeLevel::of("/subscriptions/s/"),
            ScopeLevel::Subscription
        );
        assert_eq!(
            ScopeLevel::of("/subscriptions/s/resourceGroups/rg"),
            ScopeLevel::ResourceGroup
        );
        assert_eq!(
            ScopeLevel::of("/providers/Microsoft.Management/managementGroups/larkspur"),
            ScopeLevel::ManagementGroup
        );
        assert_eq!(
            ScopeLevel::of(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v"
            ),
            ScopeLevel::Resource
        );
    }
}
