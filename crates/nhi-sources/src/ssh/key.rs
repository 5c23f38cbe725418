//! One SSH public key as nhi models it: the OpenSSH SHA-256 fingerprint that names its identity,
//! and the key facts (algorithm, size, curve, SHA-256 of the wire blob).
//!
//! Invariant: the fingerprint and `public_key_sha256` are computed from the same wire blob, the
//! one `ssh-keygen -l` hashes, so ids agree with what administrators see.

use super::x509::{pem::BASE64, spki};
use base64::Engine;
use nhi_model::{Identity, IdentityKind, KeyAlgorithm, KeyDetails};
use sha2::{Digest, Sha256};
use ssh_key::public::{EcdsaPublicKey, KeyData};

/// Key type names that may start the key part of a line (`-cert-v01@openssh.com` types are
/// recognised so that they get a clear error rather than a confusing one).
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
    "ssh-ed448",
];

const CERTIFICATE_SUFFIX: &str = "-cert-v01@openssh.com";

/// Whether `token` names an SSH key type.
pub(crate) fn is_key_type(token: &str) -> bool {
    KEY_TYPES.contains(&token) || token.ends_with(CERTIFICATE_SUFFIX)
}

/// Why the key part of a line cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KeyError {
    #[error("missing base64 key after '{0}'")]
    MissingBlob(String),
    #[error("invalid base64 in '{0}' key")]
    BadBase64(String),
    #[error("OpenSSH certificates ('{0}') are not supported")]
    Certificate(String),
    #[error("malformed '{key_type}' key: {source}")]
    Malformed {
        key_type: String,
        source: ssh_key::Error,
    },
    #[error("key type '{stated}' does not match the key's own type '{actual}'")]
    TypeMismatch { stated: String, actual: String },
}

/// A parsed SSH public key.
#[derive(Debug, Clone)]
pub(crate) struct SshKey {
    /// `SHA256:<base64, no padding>`.
    pub fingerprint: String,
    pub details: KeyDetails,
}

/// The key part of a line: the key and its comment.
#[derive(Debug)]
pub(crate) struct KeyPart {
    pub key: SshKey,
    /// The wire blob: public, fingerprinted (keyed) for the credential.
    pub blob: Vec<u8>,
    pub comment: Option<String>,
}

impl KeyPart {
    /// Read `<base64> [comment]` after `key_type`.
    pub fn parse(key_type: &str, rest: &str) -> Result<Self, KeyError> {
        let rest = rest.trim_start();
        let (encoded, comment) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
        if encoded.is_empty() {
            return Err(KeyError::MissingBlob(key_type.to_string()));
        }
        if key_type.ends_with(CERTIFICATE_SUFFIX) {
            return Err(KeyError::Certificate(key_type.to_string()));
        }
        let blob = BASE64
            .decode(encoded)
            .map_err(|_| KeyError::BadBase64(key_type.to_string()))?;
        let public =
            ssh_key::PublicKey::from_bytes(&blob).map_err(|source| KeyError::Malformed {
                key_type: key_type.to_string(),
                source,
            })?;
        let actual = public.algorithm().as_str().to_string();
        if actual != key_type {
            return Err(KeyError::TypeMismatch {
                stated: key_type.to_string(),
                actual,
            });
        }
        let comment = Some(comment.trim())
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        Ok(KeyPart {
            key: SshKey::new(public.key_data(), &blob),
            blob,
            comment,
        })
    }
}

impl SshKey {
    /// The key of `data`, whose wire encoding is `blob`.
    pub fn new(data: &KeyData, blob: &[u8]) -> Self {
        let digest = Sha256::digest(blob);
        let (algorithm, bits, curve) = match data {
            KeyData::Rsa(rsa) => (
                KeyAlgorithm::Rsa,
                rsa.n.as_positive_bytes().map(spki::bit_length),
                None,
            ),
            KeyData::Dsa(dsa) => (
                KeyAlgorithm::Dsa,
                dsa.p.as_positive_bytes().map(spki::bit_length),
                None,
            ),
            KeyData::Ecdsa(ecdsa) => {
                let (name, bits) = match ecdsa {
                    EcdsaPublicKey::NistP256(_) => ("P-256", 256),
                    EcdsaPublicKey::NistP384(_) => ("P-384", 384),
                    EcdsaPublicKey::NistP521(_) => ("P-521", 521),
                };
                (KeyAlgorithm::Ecdsa, Some(bits), Some(name.to_string()))
            }
            KeyData::SkEcdsaSha2NistP256(_) => {
                (KeyAlgorithm::Ecdsa, Some(256), Some("P-256".to_string()))
            }
            KeyData::Ed25519(_) | KeyData::SkEd25519(_) => (KeyAlgorithm::Ed25519, Some(256), None),
            _ => (KeyAlgorithm::Unknown, None, None),
        };
        SshKey {
            fingerprint: format!(
                "SHA256:{}",
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
            ),
            details: KeyDetails {
                algorithm,
                bits,
                curve,
                public_key_sha256: hex::encode(digest),
                encrypted: None,
            },
        }
    }

    /// `ssh:key:SHA256:...`
    pub fn identity_id(&self) -> String {
        format!("ssh:key:{}", self.fingerprint)
    }

    /// The key's identity, named by its comment when it has one.
    pub fn identity(&self, comment: Option<&str>) -> Identity {
        let name = comment
            .filter(|c| !c.is_empty())
            .unwrap_or(&self.fingerprint);
        Identity::new(self.identity_id(), IdentityKind::SshKey, "ssh", name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "AAAAC3NzaC1lZDI1NTE5AAAAINEyYWXPRlLgqqjxRfcPtl9x2/Md9HImcItuoiTDQ5+t";

    #[test]
    fn fingerprint_matches_ssh_keygen() {
        // `ssh-keygen -lf tests/fixtures/ssh/id_ed25519.pub`
        let part = KeyPart::parse("ssh-ed25519", &format!("{ED25519}  deploy@ci-runner ")).unwrap();
        assert_eq!(
            part.key.fingerprint,
            "SHA256:Lc1CpiDWRAY5hQR4UMC5WkMabpC/cqIcUvdW3mW23sw"
        );
        assert_eq!(part.comment.as_deref(), Some("deploy@ci-runner"));
        assert_eq!(part.key.details.algorithm, KeyAlgorithm::Ed25519);
    }

    #[test]
    fn stated_type_must_match_and_certificates_are_named() {
        assert!(matches!(
            KeyPart::parse("ssh-rsa", ED25519),
            Err(KeyError::TypeMismatch { .. })
        ));
        assert!(matches!(
            KeyPart::parse("ssh-ed25519-cert-v01@openssh.com", ED25519),
            Err(KeyError::Certificate(_))
        ));
        assert!(matches!(
            KeyPart::parse("ssh-ed25519", ""),
            Err(KeyError::MissingBlob(_))
        ));
        assert!(matches!(
            KeyPart::parse("ssh-ed25519", "AAAA!!"),
            Err(KeyError::BadBase64(_))
        ));
    }
}
