//! Azure CLI credential caches: `msal_token_cache.json` (access and refresh tokens by account),
//! the older `accessTokens.json` (tokens, and service principal secrets in clear), and
//! `service_principal_entries.json` (service principal client secrets in clear). Service principal
//! secrets belong to `azure:serviceprincipal:<appId>`, the id the Azure source uses.

use super::secret::Sighting;
use super::Found;
use nhi_model::{CredentialKind, Timestamp};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One token in the MSAL cache.
#[derive(Deserialize)]
struct MsalEntry {
    secret: Option<String>,
    client_id: Option<String>,
    realm: Option<String>,
    target: Option<String>,
    home_account_id: Option<String>,
    expires_on: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MsalCache {
    #[serde(default)]
    access_token: BTreeMap<String, MsalEntry>,
    #[serde(default)]
    refresh_token: BTreeMap<String, MsalEntry>,
}

/// Read `msal_token_cache.json`.
pub(super) fn read_msal_cache(text: &str, found: &mut Found) {
    let Some((cache, export)) = found.json::<MsalCache>(text, "Azure CLI MSAL token cache") else {
        return;
    };
    let mut lines = export.lines();
    for (field, entries) in [
        ("AccessToken", &cache.access_token),
        ("RefreshToken", &cache.refresh_token),
    ] {
        for (key, entry) in entries {
            let Some(secret) = entry.secret.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let line = lines.seek(key);
            let sighting = oauth_token(secret, field, found.at(line));
            let mut attributes = vec![("token_type", Value::from(field))];
            for (name, value) in [
                ("client_id", &entry.client_id),
                ("tenant", &entry.realm),
                ("target", &entry.target),
                ("home_account_id", &entry.home_account_id),
            ] {
                if let Some(value) = value {
                    attributes.push((name, Value::from(value.as_str())));
                }
            }
            let expires = entry.expires_on.as_ref().and_then(epoch);
            let id = found.secret(sighting, &attributes);
            set_expiry(found, &id, expires);
        }
    }
}

/// A cached token: a JWT when it decodes as one, else an opaque OAuth token.
fn oauth_token<'a>(secret: &'a str, field: &str, location: nhi_model::Location) -> Sighting<'a> {
    let mut sighting = Sighting::named(secret, field, "azure-token-cache", location);
    if sighting.kind != CredentialKind::Jwt {
        sighting.kind = CredentialKind::OauthToken;
    }
    sighting
}

/// MSAL writes epoch seconds as strings.
fn epoch(value: &Value) -> Option<Timestamp> {
    let secs = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))?;
    chrono::DateTime::from_timestamp(secs, 0)
}

fn set_expiry(found: &mut Found, id: &str, expires: Option<Timestamp>) {
    if let Some(credential) = found.out.inventory.credentials.get_mut(id) {
        credential.expires = credential.expires.or(expires);
    }
}

/// One entry of `accessTokens.json`: a user's tokens, or a service principal's secret.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessTokenEntry {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_on: Option<String>,
    user_id: Option<String>,
    service_principal_id: Option<String>,
    service_principal_tenant: Option<String>,
    #[serde(rename = "_clientId")]
    client_id: Option<String>,
}

/// Read the older `accessTokens.json`.
pub(super) fn read_access_tokens(text: &str, found: &mut Found) {
    let Some((entries, export)) =
        found.json::<Vec<AccessTokenEntry>>(text, "Azure CLI accessTokens.json")
    else {
        return;
    };
    let mut lines = export.lines();
    for entry in entries {
        if let Some(app_id) = &entry.service_principal_id {
            let line = lines.seek(app_id);
            if let Some(secret) = entry.access_token.as_deref() {
                service_principal_secret(
                    found,
                    secret,
                    app_id,
                    entry.service_principal_tenant.as_deref(),
                    line,
                );
            }
            continue;
        }
        let line = entry
            .access_token
            .as_deref()
            .and_then(|_| lines.seek("accessToken"));
        let expires = entry.expires_on.as_deref().and_then(|t| {
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        });
        for (field, value) in [
            ("accessToken", &entry.access_token),
            ("refreshToken", &entry.refresh_token),
        ] {
            let Some(secret) = value.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let sighting = oauth_token(secret, field, found.at(line));
            let mut attributes = vec![("token_type", Value::from(field))];
            if let Some(user) = &entry.user_id {
                attributes.push(("user", Value::from(user.as_str())));
            }
            if let Some(client) = &entry.client_id {
                attributes.push(("client_id", Value::from(client.as_str())));
            }
            let id = found.secret(sighting, &attributes);
            if field == "accessToken" {
                set_expiry(found, &id, expires);
            }
        }
    }
}

/// One entry of `service_principal_entries.json` (both the MSAL-era and the older field names).
#[derive(Deserialize)]
struct ServicePrincipalEntry {
    #[serde(alias = "servicePrincipalId")]
    client_id: Option<String>,
    #[serde(alias = "servicePrincipalTenant")]
    tenant: Option<String>,
    #[serde(alias = "accessToken")]
    client_secret: Option<String>,
}

/// Read `service_principal_entries.json`.
pub(super) fn read_service_principals(text: &str, found: &mut Found) {
    let Some((entries, export)) =
        found.json::<Vec<ServicePrincipalEntry>>(text, "Azure CLI service principal entries")
    else {
        return;
    };
    let mut lines = export.lines();
    for entry in entries {
        let (Some(app_id), Some(secret)) = (&entry.client_id, &entry.client_secret) else {
            continue;
        };
        let line = lines.seek(app_id);
        service_principal_secret(found, secret, app_id, entry.tenant.as_deref(), line);
    }
}

fn service_principal_secret(
    found: &mut Found,
    secret: &str,
    app_id: &str,
    tenant: Option<&str>,
    line: Option<u32>,
) {
    if secret.is_empty() {
        return;
    }
    let mut sighting = Sighting::named(
        secret,
        "client_secret",
        "azure-cli-service-principal",
        found.at(line),
    );
    sighting.kind = CredentialKind::Password;
    let mut credential = sighting.into_credential(found.ctx.fingerprinter);
    credential.identity = Some(format!(
        "azure:serviceprincipal:{}",
        app_id.to_ascii_lowercase()
    ));
    credential
        .attributes
        .insert("app_id".into(), Value::from(app_id));
    if let Some(tenant) = tenant {
        credential
            .attributes
            .insert("tenant".into(), Value::from(tenant));
    }
    found.credential(credential);
}
