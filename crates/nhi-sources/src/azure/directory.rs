//! Entra ID directory objects: `az ad sp list --all` (service principals) and
//! `az ad app list --all` (application registrations), as arrays or as the Graph REST shape
//! `{"value": [...]}`. Each record is told apart by its fields, so one file may even hold both.
//!
//! Invariants: an application and the service principal with the same `appId` are one identity
//! (the application holds the secrets and certificates a tenant's own app signs in with); a
//! service principal of type `ManagedIdentity` is the managed identity, and its certificates are
//! Azure's own rotating ones, so they are not inventoried.

use super::credentials::{Holder, KeyCredential, ObjectCredentials, PasswordCredential};
use super::{managed_identity_id, service_principal_id, PROVIDER};
use crate::cloud_export::{looks_like, Export, LineCursor};
use crate::{Discovery, Source, SourceContext, SourceFile};
use nhi_model::{Identity, IdentityKind};
use serde::Deserialize;
use serde_json::Value;

/// Reads service principal and application listings.
pub(crate) struct DirectoryObjects;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirectoryObject {
    /// The directory object id.
    id: Option<String>,
    app_id: Option<String>,
    display_name: Option<String>,
    /// Present on service principals only: `Application`, `ManagedIdentity`, `Legacy`, ...
    service_principal_type: Option<String>,
    service_principal_names: Option<Vec<String>>,
    /// The tenant that registered the application (service principals only).
    app_owner_organization_id: Option<String>,
    account_enabled: Option<bool>,
    tags: Option<Vec<String>>,
    created_date_time: Option<String>,
    sign_in_audience: Option<String>,
    publisher_domain: Option<String>,
    /// Managed identities: the ARM resource id among other names.
    alternative_names: Option<Vec<String>>,
    password_credentials: Option<Vec<PasswordCredential>>,
    key_credentials: Option<Vec<KeyCredential>>,
}

#[derive(Deserialize)]
struct GraphPage {
    #[serde(default)]
    value: Vec<DirectoryObject>,
}

impl DirectoryObject {
    fn is_service_principal(&self) -> bool {
        self.service_principal_type.is_some() || self.service_principal_names.is_some()
    }
}

impl Source for DirectoryObjects {
    fn name(&self) -> &'static str {
        "azure-directory"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        looks_like(file, &["\"appId\"", "\"passwordCredentials\""])
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let export = match Export::new(file, "Entra ID service principal or application list") {
            Ok(export) => export,
            Err(err) => return out.errors.push(err),
        };
        let objects = if export.is_array() {
            export.parse::<Vec<DirectoryObject>>()
        } else {
            export.parse::<GraphPage>().map(|page| page.value)
        };
        let objects = match objects {
            Ok(objects) => objects,
            Err(err) => return out.errors.push(err),
        };
        let mut lines = export.lines();
        for object in objects {
            read_object(object, &export, &mut lines, ctx, out);
        }
    }
}

fn read_object(
    object: DirectoryObject,
    export: &Export,
    lines: &mut LineCursor,
    ctx: &SourceContext,
    out: &mut Discovery,
) {
    let Some(app_id) = object.app_id.clone().filter(|a| !a.is_empty()) else {
        let name = object.display_name.as_deref().unwrap_or("an object");
        return out
            .errors
            .push(export.error(None, format!("{name} has no appId")));
    };
    let line = lines.seek(&app_id);
    let is_service_principal = object.is_service_principal();
    let is_managed = object.service_principal_type.as_deref() == Some("ManagedIdentity");
    let object_id = object.id.as_deref().map(str::to_ascii_lowercase);
    let name = object
        .display_name
        .clone()
        .unwrap_or_else(|| app_id.clone());

    let mut identity = match (is_managed, &object_id) {
        (true, Some(object_id)) => Identity::new(
            managed_identity_id(object_id),
            IdentityKind::ManagedIdentity,
            PROVIDER,
            name,
        ),
        (true, None) => {
            return out
                .errors
                .push(export.error(line, format!("managed identity {app_id} has no id")))
        }
        (false, _) => Identity::new(
            service_principal_id(&app_id),
            IdentityKind::ServicePrincipal,
            PROVIDER,
            name,
        ),
    };
    identity.created = export.time(
        object.created_date_time.as_deref(),
        "createdDateTime",
        line,
        &mut out.errors,
    );
    let attributes = &mut identity.attributes;
    attributes.insert("app_id".into(), Value::from(app_id.to_ascii_lowercase()));
    let object_id_attribute = if is_service_principal {
        "object_id"
    } else {
        "application_object_id"
    };
    if let Some(object_id) = &object_id {
        attributes.insert(object_id_attribute.into(), Value::from(object_id.as_str()));
    }
    if let Some(enabled) = object.account_enabled {
        attributes.insert("enabled".into(), Value::Bool(enabled));
    }
    if let Some(tags) = object.tags.filter(|t| !t.is_empty()) {
        attributes.insert("tags".into(), Value::from(tags));
    }
    let resource_id = object
        .alternative_names
        .unwrap_or_default()
        .into_iter()
        .find(|name| name.starts_with("/subscriptions/"));
    let owner_tenant = object
        .app_owner_organization_id
        .map(|t| t.to_ascii_lowercase());
    let named = [
        ("service_principal_type", object.service_principal_type),
        ("app_owner_tenant", owner_tenant),
        ("sign_in_audience", object.sign_in_audience),
        ("publisher_domain", object.publisher_domain),
        ("resource_id", resource_id),
    ];
    for (attribute, value) in named {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            attributes.insert(attribute.into(), Value::from(value));
        }
    }
    let identity_id = identity.id.clone();
    out.inventory.add_identity(identity);
    if is_managed {
        return;
    }
    let credentials = ObjectCredentials {
        identity: &identity_id,
        holder: if is_service_principal {
            Holder::ServicePrincipal
        } else {
            Holder::Application
        },
        passwords: object.password_credentials.unwrap_or_default(),
        keys: object.key_credentials.unwrap_or_default(),
    };
    credentials.read_into(export, lines, ctx, out);
}
