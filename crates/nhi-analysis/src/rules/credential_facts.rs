//! Facts about credentials that the certificate, key, ssh and reuse rules all read, and the one
//! way they turn a credential into a finding.
//!
//! Invariant: a finding about a credential names the credential first, then its identity, and is
//! located at the credential's first location, so finding ids stay stable across runs.

use nhi_model::{
    CertificateDetails, Credential, CredentialDetails, CredentialKind, Finding, Inventory,
    KeyAlgorithm, KeyDetails, Location, OwaspNhi, RuleKind, RuleMeta, Severity, Timestamp,
};
use std::borrow::Cow;

/// Metadata of a built-in risk rule, usable in a `static`.
pub(crate) const fn risk(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    owasp: &'static [OwaspNhi],
    description: &'static str,
    remediation: &'static str,
) -> RuleMeta {
    RuleMeta {
        id: Cow::Borrowed(id),
        kind: RuleKind::Risk,
        title: Cow::Borrowed(title),
        severity,
        owasp: Cow::Borrowed(owasp),
        description: Cow::Borrowed(description),
        remediation: Cow::Borrowed(remediation),
    }
}

/// Every X.509 certificate credential with its details.
pub(crate) fn certificates(
    inventory: &Inventory,
) -> impl Iterator<Item = (&Credential, &CertificateDetails)> {
    inventory
        .credentials
        .values()
        .filter_map(|c| match &c.details {
            CredentialDetails::Certificate(details) => Some((c, details)),
            _ => None,
        })
}

/// Private key material: X.509/PKCS private keys and OpenSSH private keys.
pub(crate) fn is_private_key(credential: &Credential) -> bool {
    matches!(
        credential.kind,
        CredentialKind::PrivateKey | CredentialKind::SshPrivateKey
    )
}

/// The public key hash, when the source could compute it (empty means unknown).
pub(crate) fn public_key(key: &KeyDetails) -> Option<&str> {
    Some(key.public_key_sha256.as_str()).filter(|k| !k.is_empty())
}

/// A finding about `credential`: subjects are the credential then its identity.
pub(crate) fn finding_about(
    meta: &RuleMeta,
    credential: &Credential,
    location: Option<&Location>,
    title: String,
    evidence: serde_json::Value,
) -> Finding {
    let mut subjects = vec![credential.id.clone()];
    subjects.extend(credential.identity.clone());
    let location = location.or(credential.locations.first()).cloned();
    Finding::new(meta, title, subjects, location, evidence)
}

/// The short name of a certificate for titles: its `CN=...` part, else the whole subject.
pub(crate) fn certificate_label(details: &CertificateDetails) -> String {
    let mut rest = details.subject.as_str();
    // RDNs are separated by unescaped commas (RFC 4514).
    while !rest.is_empty() {
        let end = unescaped_comma(rest).unwrap_or(rest.len());
        let rdn = &rest[..end];
        if rdn.starts_with("CN=") {
            return rdn.to_string();
        }
        rest = rest.get(end + 1..).unwrap_or("");
    }
    details.subject.clone()
}

fn unescaped_comma(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// A key described for titles: `RSA-1024`, `ECDSA P-192`, `Ed25519`.
pub(crate) fn key_label(key: &KeyDetails) -> String {
    let name = match key.algorithm {
        KeyAlgorithm::Rsa => "RSA",
        KeyAlgorithm::Dsa => "DSA",
        KeyAlgorithm::Ecdsa => "ECDSA",
        KeyAlgorithm::Ed25519 => "Ed25519",
        KeyAlgorithm::Ed448 => "Ed448",
        KeyAlgorithm::Unknown => "unknown",
    };
    match (&key.curve, key.bits) {
        (Some(curve), _) => format!("{name} {curve}"),
        (None, Some(bits)) if matches!(key.algorithm, KeyAlgorithm::Rsa | KeyAlgorithm::Dsa) => {
            format!("{name}-{bits}")
        }
        _ => name.to_string(),
    }
}

/// `2025-01-03`
pub(crate) fn date(time: Timestamp) -> String {
    time.format("%Y-%m-%d").to_string()
}

/// How far a day count lies from now, for titles: `today`, `in 1 day`, `3 days ago`.
pub(crate) fn relative_days(days: i64) -> String {
    let count = |n: i64| {
        if n == 1 {
            "1 day".to_string()
        } else {
            format!("{n} days")
        }
    };
    match days {
        0 => "today".to_string(),
        future if future > 0 => format!("in {}", count(future)),
        past => format!("{} ago", count(-past)),
    }
}

/// The directory part of a path (`""` for a bare file name).
pub(crate) fn directory(path: &str) -> &str {
    path.rfind(['/', '\\']).map_or("", |i| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::example_builders::certificate;

    #[test]
    fn certificate_label_finds_the_common_name_past_escaped_commas() {
        let mut cert = certificate("api.acme", "a.pem", -1, 1);
        let CredentialDetails::Certificate(details) = &mut cert.details else {
            unreachable!("builder makes certificates")
        };
        details.subject = "O=Acme\\, CN=Inc.,CN=api.acme".into();
        assert_eq!(certificate_label(details), "CN=api.acme");
        details.subject = "O=Acme".into();
        assert_eq!(certificate_label(details), "O=Acme");
        assert_eq!(directory("a/b/c.pem"), "a/b");
        assert_eq!(directory("c.pem"), "");
        let phrases: Vec<String> = [-3, -1, 0, 1, 19].into_iter().map(relative_days).collect();
        assert_eq!(
            phrases,
            ["3 days ago", "1 day ago", "today", "in 1 day", "in 19 days"]
        );
    }
}
