//! Small inventories for the Azure rules' examples, shaped as the `azure` sources shape them, in a
//! tenant `home` with a subscription `sub`.

use nhi_model::{Credential, CredentialKind, Grant, Identity, IdentityKind, Location};
use serde_json::Value;

pub(super) const HOME_TENANT: &str = "5b0c3f9e-0000-4000-8000-000000000001";
pub(super) const OTHER_TENANT: &str = "9d2e7a41-0000-4000-8000-000000000002";
pub(super) const SUBSCRIPTION: &str = "/subscriptions/8f14e45f-0000-4000-8000-000000000003";

/// A service principal `app_id` with directory object id `object_id`, registered by `owner_tenant`.
pub(super) fn service_principal(app_id: &str, object_id: &str, owner_tenant: &str) -> Identity {
    let mut identity = Identity::new(
        format!("azure:serviceprincipal:{app_id}"),
        IdentityKind::ServicePrincipal,
        "azure",
        app_id,
    );
    let attributes = &mut identity.attributes;
    attributes.insert("object_id".into(), object_id.into());
    attributes.insert("app_owner_tenant".into(), owner_tenant.into());
    identity
}

/// The same, also registered as an application of the home tenant (so the tenant is known).
pub(super) fn own_application(app_id: &str, object_id: &str) -> Identity {
    let mut identity = service_principal(app_id, object_id, HOME_TENANT);
    identity.attributes.insert(
        "application_object_id".into(),
        Value::from(format!("app-{object_id}")),
    );
    identity
}

/// A credential of `identity` on `object` (`application` or `service-principal`).
pub(super) fn credential(
    key_id: &str,
    kind: CredentialKind,
    identity: &str,
    object: &str,
    start: &str,
    end: &str,
) -> Credential {
    let family = match kind {
        CredentialKind::Password => "azure-client-secret",
        _ => "azure-certificate",
    };
    let id = format!("{family}:{key_id}");
    let time = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.to_utc())
    };
    let mut credential = Credential::new(&id, kind, format!("fp1:{key_id}"));
    credential.identity = Some(identity.to_string());
    credential.created = time(start);
    credential.expires = time(end);
    credential
        .locations
        .push(Location::file("azure/applications.json", Some(7)));
    credential.attributes.insert("object".into(), object.into());
    credential
}

/// A role assignment of `role` on `scope` to the principal with directory object id `object_id`.
pub(super) fn assignment(object_id: &str, role: &str, scope: &str) -> Grant {
    Grant {
        identity: format!("{}{object_id}", super::UNRESOLVED_PRINCIPAL),
        effect: "allow".into(),
        actions: vec![role.to_string()],
        resources: vec![scope.to_string()],
        conditions: None,
        source: Some(format!(
            "{scope}/providers/Microsoft.Authorization/roleAssignments/{object_id}"
        )),
        access_level: None,
        location: Some(Location::file("azure/role-assignments.json", Some(2))),
    }
}

/// A SAML signing certificate on the service principal of `identity` and the password Entra
/// pairs with it (same custom key identifier), both valid 2024..2099.
pub(super) fn saml_pair(identity: &str) -> Vec<Credential> {
    let (start, end) = ("2024-02-01T00:00:00Z", "2099-12-31T00:00:00Z");
    let mut pair = vec![
        credential(
            "c1",
            CredentialKind::X509Certificate,
            identity,
            "service-principal",
            start,
            end,
        ),
        credential(
            "p1",
            CredentialKind::Password,
            identity,
            "service-principal",
            start,
            end,
        ),
    ];
    for credential in &mut pair {
        credential
            .attributes
            .insert("custom_key_identifier".into(), "E3A1".into());
    }
    pair
}
