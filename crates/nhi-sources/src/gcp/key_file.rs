//! A downloaded service-account key file (`"type": "service_account"` with `private_key_id`,
//! `private_key` and `client_email`): the same credential `gcp-sa-key:<key id>` as in the key
//! listing, now also seen in this file.
//!
//! Invariant: the private key is read only to fingerprint it (`private_key_fingerprint`); the
//! record holding it has no `Debug` and is dropped before the credential leaves this module.

use super::account;
use super::keys::{key_credential, USER_MANAGED};
use crate::cloud_export::{looks_like, Export};
use crate::{Discovery, Source, SourceContext, SourceFile};
use serde::Deserialize;
use serde_json::Value;

/// Reads service-account key files.
pub(crate) struct KeyFile;

#[derive(Deserialize)]
struct ServiceAccountKey {
    #[serde(rename = "type")]
    kind: String,
    project_id: Option<String>,
    private_key_id: String,
    private_key: Option<String>,
    client_email: String,
    client_id: Option<String>,
}

impl Source for KeyFile {
    fn name(&self) -> &'static str {
        "gcp-service-account-key-file"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        looks_like(
            file,
            &[
                "\"service_account\"",
                "\"private_key_id\"",
                "\"client_email\"",
            ],
        )
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let export = match Export::new(file, "service account key file") {
            Ok(export) => export,
            Err(err) => return out.errors.push(err),
        };
        let key = match export.parse::<ServiceAccountKey>() {
            Ok(key) if key.kind == "service_account" => key,
            Ok(_) => return, // another credential type that happens to name the same fields
            Err(err) => return out.errors.push(err),
        };
        let line = export.lines().seek("private_key_id");
        let private_key_fingerprint = key
            .private_key
            .map(|pem| ctx.fingerprinter.fingerprint(pem.trim().as_bytes()));

        let mut facts = account::facts(&key.client_email);
        if key.project_id.is_some() {
            facts.project.clone_from(&key.project_id);
        }
        let mut identity = facts.identity(&key.client_email);
        if let Some(client_id) = key.client_id {
            identity
                .attributes
                .insert("unique_id".into(), Value::from(client_id));
        }
        out.inventory.add_identity(identity);

        let account = key.project_id.map(|p| format!("projects/{p}"));
        let location = export.location(line, account);
        let mut credential = key_credential(ctx, &key.private_key_id, &key.client_email, location);
        // Only user-managed keys can be downloaded.
        credential
            .attributes
            .insert("key_type".into(), Value::from(USER_MANAGED));
        if let Some(fingerprint) = private_key_fingerprint {
            credential
                .attributes
                .insert("private_key_fingerprint".into(), Value::from(fingerprint));
        }
        out.inventory.add_credential(credential);
    }
}
