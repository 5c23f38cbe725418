//! Small inventories for the GCP rules' examples, shaped as the `gcp` sources shape them (same ids,
//! same attributes), in a project `larkspur-prod` numbered 604218337194.

use nhi_model::{Credential, CredentialKind, Grant, Identity, IdentityKind, Location};
use serde_json::Value;

pub(super) const PROJECT: &str = "projects/larkspur-prod";

/// The email of a service account `name` of the example project.
pub(super) fn email(name: &str) -> String {
    format!("{name}@larkspur-prod.iam.gserviceaccount.com")
}

/// A service account of the example project, with extra attributes.
pub(super) fn account(email: &str, attributes: &[(&str, Value)]) -> Identity {
    let mut identity = Identity::new(
        format!("{}{email}", super::SERVICE_ACCOUNT),
        IdentityKind::ServiceAccount,
        "gcp",
        email,
    );
    identity
        .attributes
        .insert("project".into(), "larkspur-prod".into());
    for (key, value) in attributes {
        identity.attributes.insert(key.to_string(), value.clone());
    }
    identity
}

/// The Compute Engine default service account of the example project.
pub(super) fn compute_default() -> Identity {
    account(
        "604218337194-compute@developer.gserviceaccount.com",
        &[
            ("project_number", "604218337194".into()),
            ("default_account", "compute-engine".into()),
        ],
    )
}

/// An enabled key `id` of the account `email`, created at `created`, with extra attributes
/// (`key_type` is `USER_MANAGED` unless overridden).
pub(super) fn key(
    id: &str,
    email: &str,
    created: &str,
    attributes: &[(&str, Value)],
) -> Credential {
    let credential_id = format!("gcp-sa-key:{id}");
    let mut credential = Credential::new(
        &credential_id,
        CredentialKind::AccessKey,
        format!("fp1:{id}"),
    );
    credential.identity = Some(format!("{}{email}", super::SERVICE_ACCOUNT));
    credential.created = chrono::DateTime::parse_from_rfc3339(created)
        .ok()
        .map(|t| t.to_utc());
    credential
        .locations
        .push(Location::file("gcp/keys.json", Some(3)));
    credential
        .attributes
        .insert("key_type".into(), "USER_MANAGED".into());
    credential
        .attributes
        .insert("disabled".into(), false.into());
    for (name, value) in attributes {
        credential
            .attributes
            .insert(name.to_string(), value.clone());
    }
    credential
}

/// A binding of `role` to `member` on `resource`, from an IAM policy file.
pub(super) fn binding(member: &str, role: &str, resource: &str) -> Grant {
    Grant {
        identity: member.to_string(),
        effect: "allow".into(),
        actions: vec![role.to_string()],
        resources: vec![resource.to_string()],
        conditions: None,
        source: Some(format!("gcp:iam-policy:{resource}")),
        access_level: None,
        location: Some(Location::file("gcp/iam-policy.json", Some(4))),
    }
}
