//! `gcloud iam service-accounts keys list --format=json` (an array per account), or the REST shape
//! `{"keys": [...]}`: one credential per key, `gcp-sa-key:<key id>`, belonging to the account named
//! in the key's resource name `projects/P/serviceAccounts/SA/keys/KEYID`.
//!
//! Invariant: a key valid until 9999-12-31 has no expiry (`never_expires`), not a far one.

use super::account;
use crate::cloud_export::{id_fingerprint, looks_like, Export};
use crate::{Discovery, Source, SourceContext, SourceFile};
use chrono::Datelike;
use nhi_model::{Credential, CredentialKind, CredentialStatus, Location};
use serde::Deserialize;
use serde_json::Value;

/// Reads service-account key listings.
pub(crate) struct ServiceAccountKeys;

/// `keyType` of keys whose private half someone downloaded (or uploaded): the ones to govern.
pub(crate) const USER_MANAGED: &str = "USER_MANAGED";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Key {
    name: String,
    key_type: Option<String>,
    key_origin: Option<String>,
    key_algorithm: Option<String>,
    valid_after_time: Option<String>,
    valid_before_time: Option<String>,
    #[serde(default)]
    disabled: bool,
    disable_reason: Option<String>,
}

#[derive(Deserialize)]
struct Listing {
    #[serde(default)]
    keys: Vec<Key>,
}

/// The parts of `projects/P/serviceAccounts/SA/keys/KEYID`.
#[derive(Debug, PartialEq, Eq)]
struct KeyName<'a> {
    project: &'a str,
    email: &'a str,
    key_id: &'a str,
}

fn key_name(name: &str) -> Option<KeyName<'_>> {
    let rest = name.strip_prefix("projects/")?;
    let (project, rest) = rest.split_once("/serviceAccounts/")?;
    let (email, key_id) = rest.split_once("/keys/")?;
    let valid = |s: &str| !s.is_empty() && !s.contains('/');
    (valid(project) && valid(email) && valid(key_id)).then_some(KeyName {
        project,
        email,
        key_id,
    })
}

/// The credential of key `key_id` of the service account `email`, seen at `location`.
pub(crate) fn key_credential(
    ctx: &SourceContext,
    key_id: &str,
    email: &str,
    location: Location,
) -> Credential {
    let id = format!("gcp-sa-key:{}", key_id.to_ascii_lowercase());
    let mut credential = Credential::new(&id, CredentialKind::AccessKey, id_fingerprint(ctx, &id));
    credential.identity = Some(account::identity_id(email));
    credential.locations.push(location);
    credential
}

impl Source for ServiceAccountKeys {
    fn name(&self) -> &'static str {
        "gcp-service-account-keys"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        looks_like(file, &["/serviceAccounts/", "/keys/", "\"validAfterTime\""])
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let export = match Export::new(file, "gcloud service account key list") {
            Ok(export) => export,
            Err(err) => return out.errors.push(err),
        };
        let keys = if export.is_array() {
            export.parse::<Vec<Key>>()
        } else {
            export.parse::<Listing>().map(|listing| listing.keys)
        };
        let keys = match keys {
            Ok(keys) => keys,
            Err(err) => return out.errors.push(err),
        };
        let mut lines = export.lines();
        for key in keys {
            let line = lines.seek(&key.name);
            let Some(name) = key_name(&key.name) else {
                out.errors.push(export.error(
                    line,
                    format!(
                        "key name {:?} is not projects/P/serviceAccounts/SA/keys/KEYID",
                        key.name
                    ),
                ));
                continue;
            };
            let project = (name.project != "-").then(|| name.project.to_string());
            let mut facts = account::facts(name.email);
            if facts.project.is_none() {
                facts.project.clone_from(&project);
            }
            out.inventory.add_identity(facts.identity(name.email));

            let location = export.location(line, project.map(|p| format!("projects/{p}")));
            let mut credential = key_credential(ctx, name.key_id, name.email, location);
            credential.created = export.time(
                key.valid_after_time.as_deref(),
                "validAfterTime",
                line,
                &mut out.errors,
            );
            let valid_before = export.time(
                key.valid_before_time.as_deref(),
                "validBeforeTime",
                line,
                &mut out.errors,
            );
            let never_expires = valid_before.is_some_and(|t| t.year() >= 9999);
            credential.expires = valid_before.filter(|_| !never_expires);
            credential.status = if key.disabled {
                CredentialStatus::Inactive
            } else {
                CredentialStatus::Active
            };
            let attributes = &mut credential.attributes;
            attributes.insert("disabled".into(), Value::Bool(key.disabled));
            if never_expires {
                attributes.insert("never_expires".into(), Value::Bool(true));
            }
            let optional = [
                ("key_type", key.key_type),
                ("key_origin", key.key_origin),
                ("key_algorithm", key.key_algorithm),
                ("disable_reason", key.disable_reason),
            ];
            for (attribute, value) in optional {
                if let Some(value) = value {
                    attributes.insert(attribute.into(), Value::from(value));
                }
            }
            out.inventory.add_credential(credential);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_key_names() {
        let name =
            key_name("projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/abc").unwrap();
        assert_eq!(
            name,
            KeyName {
                project: "p",
                email: "a@p.iam.gserviceaccount.com",
                key_id: "abc"
            }
        );
        assert!(key_name("projects/p/serviceAccounts/a/keys/").is_none());
        assert!(key_name("keys/abc").is_none());
        assert!(key_name("projects/p/serviceAccounts/a/keys/x/y").is_none());
    }
}
