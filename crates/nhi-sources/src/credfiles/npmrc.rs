//! npm configuration (`.npmrc`): registry auth tokens (`//registry/:_authToken=`), legacy `_auth`
//! (base64 `user:password`) and `_password` (base64), per registry. `${NPM_TOKEN}` references are
//! how it should be done, and are not secrets.

use super::secret::{self, Sighting};
use super::Found;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use nhi_model::CredentialKind;
use serde_json::Value;

/// Read an `.npmrc`.
pub(super) fn read(text: &str, found: &mut Found) {
    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).ok();
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            found.error(line, "malformed line: expected 'key=value'");
            continue;
        };
        let (key, value) = (key.trim(), value.trim().trim_matches('"'));
        let (scope, setting) = match key.rsplit_once(':') {
            Some((scope, setting)) if scope.starts_with("//") => (Some(scope), setting),
            _ => (None, key),
        };
        let (kind, plain) = match setting {
            "_authToken" => (CredentialKind::ApiToken, Some(value.to_string())),
            "_auth" => (
                CredentialKind::Password,
                decode(value).map(|pair| {
                    pair.split_once(':')
                        .map_or(pair.clone(), |(_, p)| p.to_string())
                }),
            ),
            "_password" => (CredentialKind::Password, decode(value)),
            _ => continue,
        };
        let Some(plain) = plain.filter(|p| !secret::is_placeholder(p)) else {
            if !secret::is_placeholder(value) && setting != "_authToken" {
                found.error(line, format!("{setting} is not base64"));
            }
            continue;
        };
        let mut sighting = Sighting::named(&plain, setting, "npmrc", found.at(line));
        sighting.kind = secret::kind_by_value(&plain).unwrap_or(kind);
        let registry = scope
            .map(|s| s.trim_start_matches("//").trim_end_matches('/'))
            .unwrap_or("default");
        found.secret(sighting, &[("registry", Value::from(registry))]);
    }
}

fn decode(value: &str) -> Option<String> {
    STANDARD
        .decode(value)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}
