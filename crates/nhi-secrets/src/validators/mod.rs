//! Structural validators: a fixed set of checks implemented in code that a rule names in its
//! `validator` field. They never contact a service: `Valid` means "well-formed", not "live".
//! Each validator is a pure function of the secret bytes and never panics on bad input.

mod age;
mod aws;
mod azure;
mod base62_crc;
mod grafana;
mod jwt;
mod pem;

use serde::Deserialize;

/// What a structural check said about a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validation {
    /// The structure checked out (checksum matches, decodes, parses).
    Valid,
    /// The structure is wrong: not a real credential of this kind (kept only on request).
    Invalid,
    /// The rule has no validator.
    NotChecked,
}

/// The validators a rule may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValidatorKind {
    /// GitHub `gh?_` tokens: base62 CRC32 of the random part in the last six characters.
    GithubCrc32,
    /// npm `npm_` tokens: same scheme as GitHub's.
    NpmCrc32,
    /// Grafana `glsa_` service-account tokens: hex CRC32 suffix.
    GrafanaSaCrc32,
    /// AWS access key ids: decodes the account id from the base32 body.
    AwsAccessKeyId,
    /// JSON Web Tokens: decodes header and claims, flags `alg: none` and missing or far expiry.
    Jwt,
    /// PEM private keys: the body decodes and parses as a DER SEQUENCE (or OpenSSH / OpenPGP).
    PrivateKeyPem,
    /// age secret keys: Bech32 checksum.
    AgeBech32,
    /// Azure storage account keys: base64 of exactly 64 bytes.
    AzureStorageKey,
}

/// A validator's verdict and what it learnt (decoded account id, JWT weaknesses...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub validation: Validation,
    pub notes: Vec<String>,
}

impl Verdict {
    pub(crate) fn valid() -> Verdict {
        Verdict {
            validation: Validation::Valid,
            notes: Vec::new(),
        }
    }
    pub(crate) fn invalid() -> Verdict {
        Verdict {
            validation: Validation::Invalid,
            notes: Vec::new(),
        }
    }
    pub(crate) fn from_check(ok: bool) -> Verdict {
        if ok {
            Verdict::valid()
        } else {
            Verdict::invalid()
        }
    }
    pub(crate) fn with_note(mut self, note: String) -> Verdict {
        self.notes.push(note);
        self
    }
}

/// Runs validator `kind` on `secret`.
pub(crate) fn validate(kind: ValidatorKind, secret: &[u8]) -> Verdict {
    match kind {
        ValidatorKind::GithubCrc32 | ValidatorKind::NpmCrc32 => {
            Verdict::from_check(base62_crc::has_valid_checksum(secret))
        }
        ValidatorKind::GrafanaSaCrc32 => Verdict::from_check(grafana::has_valid_checksum(secret)),
        ValidatorKind::AwsAccessKeyId => aws::check_access_key_id(secret),
        ValidatorKind::Jwt => jwt::check(secret),
        ValidatorKind::PrivateKeyPem => pem::check(secret),
        ValidatorKind::AgeBech32 => Verdict::from_check(age::has_valid_checksum(secret)),
        ValidatorKind::AzureStorageKey => Verdict::from_check(azure::is_storage_key(secret)),
    }
}
