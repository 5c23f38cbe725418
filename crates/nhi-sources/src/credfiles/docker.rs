//! Docker client configuration (`~/.docker/config.json`, legacy `.dockercfg`, and the
//! `.dockerconfigjson` of image pull secrets): registry credentials stored in clear under `auths`
//! (`auth` is base64 of `user:password`), identity and registry tokens. A `credsStore` or
//! `credHelpers` keeps them out of the file, and leaves `auths` entries empty.

use super::secret::{self, Sighting};
use super::Found;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use nhi_model::CredentialKind;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Auth {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
    registrytoken: Option<String>,
}

/// Read a Docker config file.
pub(super) fn read(text: &str, found: &mut Found) {
    let Some((config, export)) = found.json::<Value>(text, "Docker config") else {
        return;
    };
    // `.dockercfg` is the `auths` map itself.
    let auths = config.get("auths").cloned().unwrap_or(config);
    let auths: BTreeMap<String, Auth> = match serde_json::from_value(auths) {
        Ok(auths) => auths,
        Err(err) => {
            return found.error(
                None,
                format!("Docker config: unexpected 'auths' content: {err}"),
            )
        }
    };
    let mut lines = export.lines();
    for (registry, auth) in auths {
        let line = lines.seek(&registry);
        let mut username = auth.username.clone();
        let mut password = auth.password.clone();
        if let Some(encoded) = auth.auth.as_deref().filter(|a| !a.is_empty()) {
            match STANDARD
                .decode(encoded)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
            {
                Some(pair) => {
                    let (user, pass) = pair.split_once(':').unwrap_or((pair.as_str(), ""));
                    username = username.or(Some(user.to_string()));
                    password = password.or(Some(pass.to_string()));
                }
                None => found.error(
                    line,
                    format!("registry {registry}: 'auth' is not base64 of user:password"),
                ),
            }
        }
        let attributes = |username: &Option<String>| {
            let mut list = vec![("registry", Value::from(registry.as_str()))];
            list.extend(username.as_deref().map(|u| ("username", Value::from(u))));
            list
        };
        let entries = [
            (password.as_deref(), "auth", CredentialKind::Password),
            (
                auth.identitytoken.as_deref(),
                "identitytoken",
                CredentialKind::OauthToken,
            ),
            (
                auth.registrytoken.as_deref(),
                "registrytoken",
                CredentialKind::ApiToken,
            ),
        ];
        for (value, field, kind) in entries {
            let Some(value) = value.filter(|v| !secret::is_placeholder(v)) else {
                continue;
            };
            let mut sighting = Sighting::named(value, field, "docker-config", found.at(line));
            sighting.kind = secret::kind_by_value(value).unwrap_or(kind);
            found.secret(sighting, &attributes(&username));
        }
    }
}
