//! AWS shared credentials and config files (`~/.aws/credentials`, `~/.aws/config`): static access
//! keys by profile, as `aws-access-key:<key id>` credentials that merge with what the AWS source
//! knows about the same key; temporary keys (with a session token) are marked `temporary`.
//! Profiles that get credentials another way (SSO, a role, `credential_process`, web identity) are
//! counted in the credential's `other_profiles` evidence, and `credential_process` command lines
//! are checked for secrets.

use super::ini;
use super::secret::{self, Sighting};
use super::{command_line, Found};
use nhi_model::CredentialKind;
use serde_json::Value;

/// Keys that say a profile gets short-lived credentials without a static key.
const INDIRECT_KEYS: &[&str] = &[
    "sso_session",
    "sso_start_url",
    "role_arn",
    "credential_process",
    "web_identity_token_file",
];

/// Read a credentials or config file; `found_in` tells which.
pub(super) fn read(text: &str, found_in: &'static str, found: &mut Found) {
    let (sections, errors) = ini::parse(text);
    for (line, message) in errors {
        found.error(Some(line), message);
    }
    let indirect: Vec<&str> = sections
        .iter()
        .filter(|s| INDIRECT_KEYS.iter().any(|k| s.value(k).is_some()))
        .map(|s| profile_name(&s.name))
        .collect();
    for section in &sections {
        let profile = profile_name(&section.name);
        if let Some(process) = section.get("credential_process") {
            for arg in command_line::secrets(&command_line::split(&process.value)) {
                let sighting = Sighting::named(
                    &arg.value,
                    &arg.name,
                    found_in,
                    found.at(Some(process.line)),
                );
                found.secret(sighting, &[("profile", Value::from(profile))]);
            }
        }
        let Some(key_id) = section.get("aws_access_key_id") else {
            if let Some(secret) = section
                .get("aws_secret_access_key")
                .filter(|s| !secret::is_placeholder(&s.value))
            {
                // A secret without its key id: still a secret, known only by fingerprint.
                let mut sighting = Sighting::named(
                    &secret.value,
                    &secret.key,
                    found_in,
                    found.at(Some(secret.line)),
                );
                sighting.kind = CredentialKind::AccessKey;
                found.secret(sighting, &[("profile", Value::from(profile))]);
            }
            continue;
        };
        if !secret::is_aws_key_id(&key_id.value) {
            if !secret::is_placeholder(&key_id.value) {
                found.error(
                    Some(key_id.line),
                    format!("profile {profile}: aws_access_key_id is not an AWS access key id"),
                );
            }
            continue;
        }
        let secret_entry = section.get("aws_secret_access_key");
        let secret_value = secret_entry.map(|entry| entry.value.as_str());
        let mut credential = secret::aws_access_key(
            found.ctx.fingerprinter,
            &key_id.value,
            secret_value,
            found_in,
            found.at(Some(key_id.line)),
        );
        // The key's secret half (and a session's token) sit on lines of their own: this source
        // explains those lines too.
        let token_entry = section.get("aws_session_token");
        for entry in [secret_entry, token_entry].into_iter().flatten() {
            if entry.line != key_id.line {
                credential.locations.push(found.at(Some(entry.line)));
            }
        }
        let attributes = &mut credential.attributes;
        attributes.insert("profile".into(), Value::from(profile));
        attributes.insert("has_secret".into(), Value::from(secret_value.is_some()));
        if token_entry.is_some() {
            attributes.insert("temporary".into(), Value::from(true));
        }
        let others: Vec<&str> = indirect.iter().copied().filter(|p| *p != profile).collect();
        if !others.is_empty() {
            attributes.insert("other_profiles".into(), Value::from(others));
        }
        found.credential(credential);
    }
}

/// `profile dev` (config files) and `dev` (credentials files) both name profile `dev`.
fn profile_name(section: &str) -> &str {
    section
        .strip_prefix("profile ")
        .map(str::trim)
        .unwrap_or(section)
}

#[cfg(test)]
mod tests {
    use super::super::tests::read_as;

    #[test]
    fn static_temporary_and_indirect_profiles() {
        let text = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
                    [tmp]\naws_access_key_id=ASIAIOSFODNN7EXAMPLE\naws_secret_access_key=abc123456789\naws_session_token=FwoGZXIvYXdzE\n\
                    [profile sso]\nsso_session = corp\n[bad]\naws_access_key_id = nope-not-a-key\n";
        let out = read_as("home/u/.aws/credentials", text);
        let ids: Vec<&str> = out
            .inventory
            .credentials
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            ids,
            vec![
                "aws-access-key:AKIAIOSFODNN7EXAMPLE",
                "aws-access-key:ASIAIOSFODNN7EXAMPLE"
            ]
        );
        let key = &out.inventory.credentials["aws-access-key:AKIAIOSFODNN7EXAMPLE"];
        assert_eq!(key.attributes["profile"], "default");
        assert_eq!(key.attributes["temporary"], false);
        assert_eq!(key.attributes["other_profiles"], serde_json::json!(["sso"]));
        assert!(key.attributes.contains_key("secret_fingerprint"));
        let lines: Vec<Option<u32>> = key.locations.iter().map(|l| l.line).collect();
        assert_eq!(
            lines,
            vec![Some(2), Some(3)],
            "the key id's line and its secret's"
        );
        assert_eq!(
            out.inventory.credentials["aws-access-key:ASIAIOSFODNN7EXAMPLE"].attributes
                ["temporary"],
            true
        );
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].line, Some(11));
    }
}
