//! Credentials: the secrets and key material an identity authenticates with. A credential never
//! holds its plaintext value; it carries a keyed `fingerprint` and, at most, a `redacted` form.

use crate::identity::min_some;
use crate::{Attributes, Location, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What sort of credential this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    AccessKey,
    ApiToken,
    OauthToken,
    Jwt,
    Password,
    SshPrivateKey,
    SshAuthorizedKey,
    X509Certificate,
    PrivateKey,
    ConnectionString,
    WebhookUrl,
}

impl CredentialKind {
    /// The kebab-case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::AccessKey => "access-key",
            CredentialKind::ApiToken => "api-token",
            CredentialKind::OauthToken => "oauth-token",
            CredentialKind::Jwt => "jwt",
            CredentialKind::Password => "password",
            CredentialKind::SshPrivateKey => "ssh-private-key",
            CredentialKind::SshAuthorizedKey => "ssh-authorized-key",
            CredentialKind::X509Certificate => "x509-certificate",
            CredentialKind::PrivateKey => "private-key",
            CredentialKind::ConnectionString => "connection-string",
            CredentialKind::WebhookUrl => "webhook-url",
        }
    }

    /// Whether the credential is secret material (a private key, a token, a password) rather than
    /// public material such as a certificate or an authorized public key.
    pub fn is_secret(self) -> bool {
        !matches!(
            self,
            CredentialKind::X509Certificate | CredentialKind::SshAuthorizedKey
        )
    }
}

/// Lifecycle state of a credential as far as the source knows it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialStatus {
    #[default]
    Unknown,
    Active,
    Inactive,
    Expired,
    Revoked,
}

/// Public-key algorithm of a key or certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyAlgorithm {
    Rsa,
    Dsa,
    Ecdsa,
    Ed25519,
    Ed448,
    Unknown,
}

/// Facts about a public/private key pair, shared by certificates, private keys and SSH keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDetails {
    pub algorithm: KeyAlgorithm,
    /// Key size in bits (RSA/DSA modulus, EC field size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// Named curve for EC keys, e.g. `P-256`, `secp256k1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// SHA-256 of the public key (SubjectPublicKeyInfo DER for X.509/PKCS#8, the wire blob for
    /// SSH), lowercase hex. Public data: it links a private key to its certificate or its
    /// authorized_keys entry without revealing the key.
    pub public_key_sha256: String,
    /// Whether the private key is encrypted at rest (passphrase). `None` for public material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
}

/// Facts about an X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateDetails {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sans: Vec<String>,
    /// Signature algorithm name, e.g. `sha256WithRSAEncryption`.
    pub signature_algorithm: String,
    pub is_ca: bool,
    pub self_signed: bool,
    /// SHA-256 of the certificate DER, lowercase hex (the usual certificate fingerprint).
    pub sha256: String,
    pub key: KeyDetails,
}

/// Facts about one `authorized_keys` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizedKeyDetails {
    /// The account the entry grants login to, when the path tells it (`home/<user>/.ssh/...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Options in front of the key (`from="..."`, `command="..."`, `no-pty`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub key: KeyDetails,
}

/// Typed facts that analysis rules read, by credential family.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum CredentialDetails {
    #[default]
    None,
    Certificate(CertificateDetails),
    Key(KeyDetails),
    AuthorizedKey(AuthorizedKeyDetails),
}

impl CredentialDetails {
    /// The key facts, whichever family carries them.
    pub fn key(&self) -> Option<&KeyDetails> {
        match self {
            CredentialDetails::None => None,
            CredentialDetails::Certificate(c) => Some(&c.key),
            CredentialDetails::Key(k) => Some(k),
            CredentialDetails::AuthorizedKey(a) => Some(&a.key),
        }
    }
}

/// A credential. `id` is stable across runs (`<kind>:<stable native id or fingerprint>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    pub id: String,
    pub kind: CredentialKind,
    /// The identity this credential belongs to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Keyed fingerprint of the value (never the value itself).
    pub fingerprint: String,
    /// A redacted form safe to show, e.g. `AKIA************MPLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Timestamp>,
    #[serde(default)]
    pub status: CredentialStatus,
    /// Every place the credential was seen.
    #[serde(default)]
    pub locations: Vec<Location>,
    #[serde(default, skip_serializing_if = "is_none_details")]
    pub details: CredentialDetails,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: Attributes,
}

fn is_none_details(d: &CredentialDetails) -> bool {
    matches!(d, CredentialDetails::None)
}

impl Credential {
    /// A new credential with only the required fields set.
    pub fn new(
        id: impl Into<String>,
        kind: CredentialKind,
        fingerprint: impl Into<String>,
    ) -> Self {
        Credential {
            id: id.into(),
            kind,
            identity: None,
            fingerprint: fingerprint.into(),
            redacted: None,
            created: None,
            rotated: None,
            expires: None,
            last_used: None,
            status: CredentialStatus::Unknown,
            locations: Vec::new(),
            details: CredentialDetails::None,
            attributes: Attributes::new(),
        }
    }

    /// Fold another sighting of the same credential into this one: union the locations (sorted,
    /// no duplicates), fill what is missing, keep the earliest `created` and latest `last_used`.
    pub fn merge(&mut self, other: Credential) {
        debug_assert_eq!(self.id, other.id);
        self.identity = self.identity.take().or(other.identity);
        self.redacted = self.redacted.take().or(other.redacted);
        self.created = min_some(self.created, other.created);
        self.rotated = self.rotated.max(other.rotated);
        self.expires = self.expires.or(other.expires);
        self.last_used = self.last_used.max(other.last_used);
        if self.status == CredentialStatus::Unknown {
            self.status = other.status;
        }
        if matches!(self.details, CredentialDetails::None) {
            self.details = other.details;
        } else if let (CredentialDetails::Key(mine), Some(theirs)) =
            (&mut self.details, other.details.key())
        {
            // One copy of a key may be encrypted and another not: the weakest copy counts.
            if theirs.encrypted == Some(false) {
                mine.encrypted = Some(false);
            }
        }
        // First seen wins, key by key: objects keyed by place (a secret's sightings) gain the
        // other copy's places instead of losing them.
        for (k, v) in other.attributes {
            match (self.attributes.get_mut(&k), v) {
                (Some(serde_json::Value::Object(mine)), serde_json::Value::Object(theirs)) => {
                    for (key, value) in theirs {
                        mine.entry(key).or_insert(value);
                    }
                }
                (Some(_), _) => {}
                (None, v) => {
                    self.attributes.insert(k, v);
                }
            }
        }
        self.locations.extend(other.locations);
        self.locations.sort();
        self.locations.dedup();
    }

    /// Distinct file paths this credential was seen at.
    pub fn paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self
            .locations
            .iter()
            .filter_map(|l| l.path.as_deref())
            .collect();
        paths.sort_unstable();
        paths.dedup();
        paths
    }
}
