//! `gcloud iam service-accounts list --format=json` (an array), or the REST shape
//! `{"accounts": [...]}`: one identity per service account.
//!
//! Invariant: this listing is the authority on whether an account is disabled, so every account
//! it names carries a `disabled` attribute.

use super::account;
use crate::cloud_export::{looks_like, Export};
use crate::{Discovery, Source, SourceContext, SourceFile};
use serde::Deserialize;
use serde_json::Value;

/// Reads service-account listings.
pub(crate) struct ServiceAccountList;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceAccount {
    email: String,
    unique_id: Option<String>,
    project_id: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    disabled: bool,
}

#[derive(Deserialize)]
struct Listing {
    #[serde(default)]
    accounts: Vec<ServiceAccount>,
}

impl Source for ServiceAccountList {
    fn name(&self) -> &'static str {
        "gcp-service-accounts"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        looks_like(file, &["\"email\"", "\"uniqueId\""])
    }

    fn read(&self, file: &SourceFile, _ctx: &SourceContext, out: &mut Discovery) {
        let export = match Export::new(file, "gcloud service account list") {
            Ok(export) => export,
            Err(err) => return out.errors.push(err),
        };
        let accounts = if export.is_array() {
            export.parse::<Vec<ServiceAccount>>()
        } else {
            export.parse::<Listing>().map(|listing| listing.accounts)
        };
        let accounts = match accounts {
            Ok(accounts) => accounts,
            Err(err) => return out.errors.push(err),
        };
        for sa in accounts {
            let mut facts = account::facts(&sa.email);
            if sa.project_id.is_some() {
                facts.project = sa.project_id;
            }
            // The name stays the email (as in every other export): merges must not depend on order.
            let mut identity = facts.identity(&sa.email);
            let attributes = &mut identity.attributes;
            attributes.insert("disabled".into(), Value::Bool(sa.disabled));
            let optional = [
                ("unique_id", sa.unique_id),
                ("display_name", sa.display_name),
                ("description", sa.description),
            ];
            for (key, value) in optional {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    attributes.insert(key.into(), Value::from(value));
                }
            }
            out.inventory.add_identity(identity);
        }
    }
}
