//! `az identity list` (user-assigned managed identities, an array): one identity each,
//! `azure:managedidentity:<principalId>`, with the tenant it lives in.
//!
//! Invariant: the `tenant_id` recorded here is the home tenant of the scanned estate; analysis
//! uses it to tell other tenants' applications from the estate's own.

use super::{managed_identity_id, PROVIDER};
use crate::cloud_export::{looks_like, Export};
use crate::{Discovery, Source, SourceContext, SourceFile};
use nhi_model::{Identity, IdentityKind};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads managed identity listings.
pub(crate) struct ManagedIdentities;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserAssignedIdentity {
    /// The ARM resource id.
    id: Option<String>,
    name: Option<String>,
    client_id: Option<String>,
    principal_id: String,
    tenant_id: Option<String>,
    location: Option<String>,
    resource_group: Option<String>,
    tags: Option<BTreeMap<String, Value>>,
}

impl Source for ManagedIdentities {
    fn name(&self) -> &'static str {
        "azure-managed-identities"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        looks_like(
            file,
            &[
                "\"principalId\"",
                "\"clientId\"",
                "Microsoft.ManagedIdentity",
            ],
        )
    }

    fn read(&self, file: &SourceFile, _ctx: &SourceContext, out: &mut Discovery) {
        let export = match Export::new(file, "Azure managed identity list") {
            Ok(export) => export,
            Err(err) => return out.errors.push(err),
        };
        let identities = match export.parse::<Vec<UserAssignedIdentity>>() {
            Ok(identities) => identities,
            Err(err) => return out.errors.push(err),
        };
        for mi in identities {
            let principal_id = mi.principal_id.to_ascii_lowercase();
            let name = mi.name.unwrap_or_else(|| principal_id.clone());
            let mut identity = Identity::new(
                managed_identity_id(&principal_id),
                IdentityKind::ManagedIdentity,
                PROVIDER,
                name,
            );
            for (key, value) in mi.tags.unwrap_or_default() {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                identity.tags.insert(key, text);
            }
            let subscription = mi.id.as_deref().and_then(super::subscription_of);
            let attributes = &mut identity.attributes;
            attributes.insert("object_id".into(), Value::from(principal_id));
            let named = [
                ("client_id", mi.client_id.map(|c| c.to_ascii_lowercase())),
                ("tenant_id", mi.tenant_id.map(|t| t.to_ascii_lowercase())),
                ("resource_id", mi.id),
                ("subscription", subscription),
                ("resource_group", mi.resource_group),
                ("location", mi.location),
            ];
            for (attribute, value) in named {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    attributes.insert(attribute.into(), Value::from(value));
                }
            }
            out.inventory.add_identity(identity);
        }
    }
}
