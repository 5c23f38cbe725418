//! `aws iam list-access-keys` (`AccessKeyMetadata`) and `aws iam get-access-key-last-used`
//! outputs. Keys are `aws-access-key:<AKIA...>`; the outputs name the user but not its account, so
//! the user's name is kept as an attribute (`user_name`) rather than guessed into an identity id.
//!
//! Invariant: `get-access-key-last-used` output does not contain the key id; it is taken from the
//! file name (`AKIA....json`, as a per-key loop writes them), and a file without one is an error
//! that says so.

use super::{json_with_any, parse_json, parse_time, redact_key_id};
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use nhi_model::{Credential, CredentialKind, CredentialStatus, Location};
use serde::Deserialize;

/// Reads `list-access-keys` output.
pub(crate) struct AccessKeyList;

/// Reads `get-access-key-last-used` output.
pub(crate) struct AccessKeyLastUsed;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyList {
    access_key_metadata: Vec<KeyMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyMetadata {
    user_name: Option<String>,
    access_key_id: String,
    status: Option<String>,
    create_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LastUsedOutput {
    user_name: Option<String>,
    access_key_last_used: LastUsed,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LastUsed {
    last_used_date: Option<String>,
    service_name: Option<String>,
    region: Option<String>,
}

/// A key credential with what every output knows: its id and fingerprint.
fn key(id: &str, user_name: Option<&str>, file: &SourceFile, ctx: &SourceContext) -> Credential {
    let mut key = Credential::new(
        format!("aws-access-key:{id}"),
        CredentialKind::AccessKey,
        ctx.fingerprinter.fingerprint(id.as_bytes()),
    );
    key.redacted = Some(redact_key_id(id));
    key.locations.push(Location::file(file.path, None));
    if let Some(user) = user_name {
        key.attributes.insert("user_name".into(), user.into());
    }
    key
}

impl Source for AccessKeyList {
    fn name(&self) -> &'static str {
        "aws-access-keys"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        json_with_any(file, &["\"AccessKeyMetadata\""])
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let list: KeyList = match parse_json(file, "list-access-keys output") {
            Ok(list) => list,
            Err(error) => return out.errors.push(error),
        };
        for meta in list.access_key_metadata {
            let mut credential = key(&meta.access_key_id, meta.user_name.as_deref(), file, ctx);
            credential.status = match meta.status.as_deref() {
                Some("Active") => CredentialStatus::Active,
                Some("Inactive") => CredentialStatus::Inactive,
                _ => CredentialStatus::Unknown,
            };
            credential.created = meta.create_date.as_deref().and_then(parse_time);
            credential
                .attributes
                .insert("source".into(), "list-access-keys".into());
            out.inventory.add_credential(credential);
        }
    }
}

impl Source for AccessKeyLastUsed {
    fn name(&self) -> &'static str {
        "aws-access-key-last-used"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        json_with_any(file, &["\"AccessKeyLastUsed\""])
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let output: LastUsedOutput = match parse_json(file, "get-access-key-last-used output") {
            Ok(output) => output,
            Err(error) => return out.errors.push(error),
        };
        let Some(id) = key_id_in(file.file_name()) else {
            let message = "get-access-key-last-used output does not name its key: save it as <access key id>.json";
            return out.errors.push(SourceError::new(file.path, None, message));
        };
        let mut credential = key(id, output.user_name.as_deref(), file, ctx);
        let used = output.access_key_last_used;
        credential.last_used = used.last_used_date.as_deref().and_then(parse_time);
        credential
            .attributes
            .insert("last_used_known".into(), true.into());
        for (name, value) in [
            ("last_used_service", used.service_name),
            ("last_used_region", used.region),
        ] {
            if let Some(value) = value.filter(|v| v != "N/A") {
                credential.attributes.insert(name.into(), value.into());
            }
        }
        out.inventory.add_credential(credential);
    }
}

/// An access key id (`AKIA`/`ASIA` + 16 upper-case letters and digits) inside a file name.
fn key_id_in(name: &str) -> Option<&str> {
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(19)).find_map(|start| {
        let candidate = name.get(start..start + 20)?;
        let prefixed = candidate.starts_with("AKIA") || candidate.starts_with("ASIA");
        let body = candidate[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        (prefixed && body).then_some(candidate)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_found_in_file_names() {
        assert_eq!(
            key_id_in("AKIAIOSFODNN7EXAMPLE.json"),
            Some("AKIAIOSFODNN7EXAMPLE")
        );
        assert_eq!(
            key_id_in("last-used-AKIAIOSFODNN7EXAMPLE"),
            Some("AKIAIOSFODNN7EXAMPLE")
        );
        assert_eq!(key_id_in("last-used.json"), None);
        assert_eq!(key_id_in("AKIAshort.json"), None);
    }
}
