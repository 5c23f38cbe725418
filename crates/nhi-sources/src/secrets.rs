//! Secrets in any file: runs the `nhi-secrets` engine over a file's bytes and records each match
//! as a credential (one per distinct secret, with every line it was seen on). The rule's metadata
//! travels in the credential's `secret` attribute, so analysis can report it without the rule set.
//!
//! Each place a secret was seen also gets a *sighting* (attribute `sightings`, keyed by the
//! location's `display()`): the rule that matched there and the context of its block (the user and
//! host lines next to it, from `nhi_secrets::secret_context`), which analysis turns into
//! `secret-context` findings. Context is looked for only in files where a secret was found.
//!
//! Invariant: the plaintext leaves this module only when the caller asked for it (`reveal`, set by
//! `nhi secrets --show-secrets`, which never writes a store); otherwise only the keyed fingerprint
//! and the redacted form are kept. Context fields never hold a secret.

use crate::{Discovery, Source, SourceContext, SourceFile};
use nhi_model::{Credential, CredentialKind, CredentialStatus, Location};
use nhi_secrets::{ContextField, RuleSet, Scanner, SecretMatch, SecretSpot, Validation};
use serde_json::json;
use std::sync::LazyLock;

/// A source that finds secrets in every file.
pub struct SecretsSource {
    scanner: Scanner,
    reveal: bool,
}

/// The secrets source with the built-in rules, shared by every scan.
pub fn builtin_secrets() -> &'static SecretsSource {
    static BUILTIN: LazyLock<SecretsSource> = LazyLock::new(|| {
        let rules = RuleSet::builtin().expect("built-in secret rules compile (checked by tests)");
        SecretsSource::new(rules, false).expect("built-in secret rules compile (checked by tests)")
    });
    &BUILTIN
}

impl SecretsSource {
    /// A source over `rules`; with `reveal`, each credential also carries its plaintext in the
    /// `plaintext` attribute (for `--show-secrets` only).
    pub fn new(rules: RuleSet, reveal: bool) -> Result<SecretsSource, nhi_secrets::RuleError> {
        Ok(SecretsSource {
            scanner: Scanner::new(rules)?,
            reveal,
        })
    }

    /// The rules this source matches with.
    pub fn rules(&self) -> &[nhi_secrets::Rule] {
        self.scanner.rules()
    }

    fn credential(
        &self,
        found: &SecretMatch,
        file: &SourceFile,
        ctx: &SourceContext,
    ) -> Credential {
        let rule = found.rule;
        let kind = rule.credential_kind();
        let fingerprint = ctx.fingerprinter.fingerprint(found.secret);
        let id = match public_key_id(kind, found.secret) {
            Some(key_id) => format!("aws-access-key:{key_id}"),
            None => format!("{}:{fingerprint}", kind.as_str()),
        };
        let mut credential = Credential::new(id, kind, fingerprint);
        credential.redacted = Some(nhi_secrets::redact(found.secret));
        credential.status = CredentialStatus::Unknown;
        credential
            .locations
            .push(Location::file(file.path, u32::try_from(found.line).ok()));
        let validation = match found.validation {
            Validation::Valid => "valid",
            Validation::Invalid => "invalid",
            Validation::NotChecked => "not-checked",
        };
        let secret = json!({
            "rule": rule.id(),
            "name": rule.name(),
            "provider": rule.provider(),
            "severity": rule.severity(),
            "owasp": rule.owasp(),
            "remediation": rule.remediation(),
            "validation": validation,
            "notes": found.notes,
            "decoded_from": found.decoded_from.map(|e| format!("{e:?}").to_lowercase()),
        });
        // The same value may match other rules elsewhere (`pass123` in .netrc and config.php):
        // each place keeps the rule that matched there.
        let mut sighting = secret.clone();
        sighting["context"] = json!([]);
        let place = credential.locations[0].display();
        credential
            .attributes
            .insert("sightings".into(), json!({ place: sighting }));
        credential.attributes.insert("secret".into(), secret);
        if self.reveal {
            let plaintext = String::from_utf8_lossy(found.secret).into_owned();
            credential
                .attributes
                .insert("plaintext".into(), plaintext.into());
        }
        credential
    }
}

/// Puts the context fields of a credential's (single, fresh) sighting in place.
fn attach_context(credential: &mut Credential, context: &[ContextField]) {
    let Some(serde_json::Value::Object(sightings)) = credential.attributes.get_mut("sightings")
    else {
        return;
    };
    for sighting in sightings.values_mut() {
        sighting["context"] = json!(context);
    }
}

/// History sets a commit on locations after the source read the blob: the sightings, keyed by
/// location, follow (`path:line` becomes `path:line@commit`).
pub(crate) fn rekey_sightings(credential: &mut Credential, before: &[Location]) {
    let Some(serde_json::Value::Object(sightings)) = credential.attributes.get_mut("sightings")
    else {
        return;
    };
    for (old, new) in before.iter().zip(&credential.locations) {
        if let Some(sighting) = sightings.remove(&old.display()) {
            sightings.insert(new.display(), sighting);
        }
    }
}

/// AWS access key ids are not secret and name the key everywhere (credential reports, CloudTrail),
/// so a found key id links to the same credential the AWS sources record.
fn public_key_id(kind: CredentialKind, secret: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(secret).ok()?;
    let is_key_id = text.len() == 20
        && ["AKIA", "ASIA"].iter().any(|p| text.starts_with(p))
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    (kind == CredentialKind::AccessKey && is_key_id).then_some(text)
}

impl Source for SecretsSource {
    fn name(&self) -> &'static str {
        "secrets"
    }

    fn recognises(&self, _file: &SourceFile) -> bool {
        true
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let mut found = Vec::new();
        self.scanner.scan_file(file.path, file.bytes, |m| {
            let line_len = m.range.len();
            let spot = SecretSpot {
                line: m.line,
                column: m.column,
                len: line_len,
            };
            found.push((self.credential(&m, file, ctx), spot));
        });
        if found.is_empty() {
            return;
        }
        let spots: Vec<SecretSpot> = found.iter().map(|(_, spot)| *spot).collect();
        let contexts = nhi_secrets::secret_context(file.bytes, &spots);
        for ((mut credential, _), context) in found.into_iter().zip(contexts) {
            attach_context(&mut credential, &context);
            out.inventory.add_credential(credential);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_model::Fingerprinter;

    #[test]
    fn a_leaked_token_becomes_a_credential_without_its_plaintext() {
        let source = builtin_secrets();
        let fingerprinter = Fingerprinter::new([3; 32]);
        let ctx = SourceContext {
            fingerprinter: &fingerprinter,
        };
        let token = "glpat-Zx8Yw7Vu6Ts5Rq4Po3Nm";
        let text = format!("deploy:\n  token: {token}\n");
        let file = SourceFile {
            path: "ci/deploy.yml",
            bytes: text.as_bytes(),
        };
        let mut out = Discovery::default();
        source.read(&file, &ctx, &mut out);
        let credentials: Vec<&Credential> = out.inventory.credentials.values().collect();
        assert_eq!(credentials.len(), 1, "{credentials:?}");
        let found = credentials[0];
        assert_eq!(found.locations[0].line, Some(2));
        let json = serde_json::to_string(found).unwrap();
        assert!(!json.contains(token), "no plaintext: {json}");
        assert!(found.attributes["secret"]["rule"]
            .as_str()
            .unwrap()
            .starts_with("gitlab"));
    }
}
