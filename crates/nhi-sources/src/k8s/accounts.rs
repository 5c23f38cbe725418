//! Service accounts, their legacy token Secrets and their cloud workload identities.
//!
//! Invariant: a Secret's value is decoded only to be fingerprinted, inside `token_fingerprint`,
//! and dropped there; nothing of it but the fingerprint and a short redacted form leaves.

use super::objects::{self, Meta};
use super::{ids, Emitter, Object};
use base64::Engine;
use ids::attr;
use nhi_model::{Credential, CredentialKind, EdgeKind, Identity, IdentityKind};
use serde_json::{json, Value};

/// Secret type of the long-lived tokens Kubernetes created for service accounts before 1.24.
const TOKEN_SECRET_TYPE: &str = "kubernetes.io/service-account-token";
/// Annotation naming the service account of a token Secret.
const TOKEN_OWNER_ANNOTATION: &str = "kubernetes.io/service-account.name";

/// Workload-identity annotations: annotation, cloud identity id prefix, how it is used. GCP
/// emails and Azure client ids are lowercased, as the GCP and Azure sources write their ids.
const CLOUD_IDENTITIES: &[(&str, &str, &str)] = &[
    (
        "eks.amazonaws.com/role-arn",
        "aws:role:",
        "EKS IRSA (eks.amazonaws.com/role-arn)",
    ),
    (
        "iam.gke.io/gcp-service-account",
        "gcp:serviceaccount:",
        "GKE Workload Identity (iam.gke.io/gcp-service-account)",
    ),
    (
        "azure.workload.identity/client-id",
        "azure:managedidentity:",
        "Azure Workload Identity (azure.workload.identity/client-id)",
    ),
];

/// A service account only known by reference (a binding subject, a pod's `serviceAccountName`).
pub(super) fn referenced(namespace: &str, name: &str) -> Identity {
    let id = ids::service_account(namespace, name);
    let mut identity = Identity::new(
        id,
        IdentityKind::ServiceAccount,
        "k8s",
        format!("{namespace}/{name}"),
    );
    identity.environment = Some(namespace.to_string());
    identity.attributes.insert(
        attr::NAMESPACE.to_string(),
        Value::String(namespace.to_string()),
    );
    identity
}

pub(super) fn service_account(em: &mut Emitter, object: &Object) -> Result<(), String> {
    let account: objects::ServiceAccount = objects::decode(&object.value)?;
    let (namespace, inferred) = em.namespace_of(&account.metadata);
    let mut identity = referenced(&namespace, &account.metadata.name);
    let attributes = &mut identity.attributes;
    attributes.insert(attr::LOCATION.to_string(), em.location_value(object.line));
    if let Some(automount) = account.automount_service_account_token {
        attributes.insert(attr::AUTOMOUNT.to_string(), Value::Bool(automount));
    }
    if inferred {
        attributes.insert(attr::NAMESPACE_INFERRED.to_string(), Value::Bool(true));
    }
    let secrets: Vec<&str> = account
        .secrets
        .iter()
        .map(|s| s.name.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    if !secrets.is_empty() {
        attributes.insert(attr::TOKEN_SECRETS.to_string(), json!(secrets));
    }
    identity.created = created(&account.metadata);
    let id = identity.id.clone();
    em.discovery.inventory.add_identity(identity);
    for (annotation, prefix, method) in CLOUD_IDENTITIES {
        if let Some(target) = account
            .metadata
            .annotations
            .get(*annotation)
            .filter(|v| !v.trim().is_empty())
        {
            let attributes = vec![(attr::LOCATION, em.location_value(object.line))];
            let target = match *prefix {
                "aws:role:" => target.trim().to_string(),
                _ => target.trim().to_ascii_lowercase(),
            };
            em.edge(
                id.clone(),
                format!("{prefix}{target}"),
                EdgeKind::CanAssume,
                method.to_string(),
                attributes,
            );
        }
    }
    Ok(())
}

pub(super) fn secret(em: &mut Emitter, object: &Object) -> Result<(), String> {
    let secret: objects::Secret = objects::decode(&object.value)?;
    if secret.secret_type != TOKEN_SECRET_TYPE {
        return Ok(());
    }
    let (namespace, _) = em.namespace_of(&secret.metadata);
    let id = ids::token_secret(&namespace, &secret.metadata.name);
    let (fingerprint, redacted) = match token_fingerprint(em, &secret)? {
        Some((fingerprint, redacted)) => (fingerprint, Some(redacted)),
        // The token controller fills the value in later: link by the Secret's own id.
        None => (em.fingerprinter.fingerprint(id.as_bytes()), None),
    };
    let mut credential = Credential::new(id, CredentialKind::ApiToken, fingerprint);
    credential.redacted = redacted.clone();
    credential.created = created(&secret.metadata);
    credential.locations.push(em.location(object.line));
    credential.identity = secret
        .metadata
        .annotations
        .get(TOKEN_OWNER_ANNOTATION)
        .filter(|name| !name.is_empty())
        .map(|name| {
            let owner = referenced(&namespace, name);
            let owner_id = owner.id.clone();
            em.discovery.inventory.add_identity(owner);
            owner_id
        });
    let attributes = &mut credential.attributes;
    attributes.insert(
        "secret".to_string(),
        Value::String(format!("{namespace}/{}", secret.metadata.name)),
    );
    attributes.insert(
        "secret_type".to_string(),
        Value::String(TOKEN_SECRET_TYPE.to_string()),
    );
    attributes.insert(
        "token_in_manifest".to_string(),
        Value::Bool(redacted.is_some()),
    );
    em.discovery.inventory.add_credential(credential);
    Ok(())
}

/// Fingerprint and redacted form of the token a Secret holds, if it holds one.
fn token_fingerprint(
    em: &Emitter,
    secret: &objects::Secret,
) -> Result<Option<(String, String)>, String> {
    let token: Vec<u8> = if let Some(Value::String(encoded)) = secret.data.get("token") {
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| "data.token is not valid base64".to_string())?
    } else if let Some(Value::String(plain)) = secret.string_data.get("token") {
        plain.as_bytes().to_vec()
    } else {
        return Ok(None);
    };
    if token.is_empty() {
        return Ok(None);
    }
    Ok(Some((em.fingerprinter.fingerprint(&token), redact(&token))))
}

/// The first four characters and the length: enough to recognise a token, never to use it.
fn redact(token: &[u8]) -> String {
    let head: String = String::from_utf8_lossy(&token[..token.len().min(4)]).into_owned();
    format!("{head}**** ({} chars)", token.len())
}

fn created(meta: &Meta) -> Option<nhi_model::Timestamp> {
    let text = meta.creation_timestamp.as_deref()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.to_utc())
}
