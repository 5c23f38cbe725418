//! Key rules: weak key algorithms and sizes (certificates, private keys, SSH keys), private keys
//! stored without a passphrase, and private keys stored beside their own certificate.
//!
//! Invariant: a key whose size or public half the source could not learn (an encrypted key) is
//! never judged on what is unknown.

use super::credential_facts::{
    certificate_label, certificates, directory, finding_about, is_private_key, key_label,
    public_key, risk,
};
use super::example_builders::{
    authorized_key, certificate, example, private_key, seen_at, ssh_private_key, with_key,
};
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{
    Credential, CredentialDetails, CredentialKind, Finding, Inventory, KeyAlgorithm, KeyDetails,
    OwaspNhi, RuleMeta, Severity,
};
use serde_json::json;

/// Smallest RSA modulus still considered safe (NIST SP 800-131A).
const MIN_RSA_BITS: u32 = 2048;
/// Smallest elliptic-curve field size still considered safe.
const MIN_EC_BITS: u32 = 256;
/// Curves below P-256 strength, for keys whose size the source did not give.
const WEAK_CURVES: &[&str] = &[
    "P-192",
    "P-224",
    "secp160r1",
    "secp160k1",
    "secp160r2",
    "secp192k1",
    "secp224k1",
];

static WEAK_KEY: RuleMeta = risk(
    "crypto-weak-key",
    "Weak key algorithm or size",
    Severity::High,
    &[OwaspNhi::NHI4],
    "A certificate, private key or SSH key uses RSA below 2048 bits, DSA, or an elliptic curve below P-256.",
    "Generate a new key pair with Ed25519, ECDSA P-256/P-384 or RSA of at least 3072 bits, reissue the \
     certificate or re-authorize the SSH key with it, and delete the weak key everywhere it is stored.",
);

static UNENCRYPTED: RuleMeta = risk(
    "private-key-unencrypted",
    "Private key stored without a passphrase",
    Severity::Medium,
    &[OwaspNhi::NHI2],
    "A private key is stored in plain (unencrypted) form, so anyone who can read the file can use it.",
    "Move the key into a secrets manager, HSM or ssh-agent, or at least encrypt it at rest \
     (`ssh-keygen -p -f KEY`, `openssl pkcs8 -topk8 -v2 aes-256-cbc`), and tighten the file's permissions.",
);

static BESIDE_CERTIFICATE: RuleMeta = risk(
    "private-key-beside-certificate",
    "Private key stored beside its certificate",
    Severity::High,
    &[OwaspNhi::NHI2],
    "A private key sits in the same directory (or file) as the certificate it belongs to, so one copy or leak \
     of that directory hands out a usable identity.",
    "Keep the private key out of directories that hold certificates and bundles (which get copied, committed \
     and published): load it from a secrets manager or a permission-restricted key store, and rotate the pair \
     if the directory was ever shared.",
);

/// `crypto-weak-key`: RSA < 2048, any DSA, EC below P-256.
pub(crate) struct WeakKey;

/// Why a key is weak, if it is.
fn weakness(key: &KeyDetails) -> Option<&'static str> {
    match key.algorithm {
        KeyAlgorithm::Rsa if key.bits.is_some_and(|bits| bits < MIN_RSA_BITS) => {
            Some("RSA below 2048 bits")
        }
        KeyAlgorithm::Dsa => {
            Some("DSA is deprecated (FIPS 186-5) and limited to 1024-bit keys in OpenSSH")
        }
        KeyAlgorithm::Ecdsa
            if key.bits.is_some_and(|bits| bits < MIN_EC_BITS)
                || key
                    .curve
                    .as_deref()
                    .is_some_and(|c| WEAK_CURVES.contains(&c)) =>
        {
            Some("elliptic curve below P-256")
        }
        _ => None,
    }
}

/// How a credential is named in a title.
fn describe(credential: &Credential) -> String {
    match &credential.details {
        CredentialDetails::Certificate(cert) => format!("Certificate {}", certificate_label(cert)),
        CredentialDetails::AuthorizedKey(entry) => {
            let holder = match &entry.account {
                Some(account) => format!("SSH key authorized for {account}"),
                None => "Authorized SSH key".to_string(),
            };
            match &entry.comment {
                Some(comment) => format!("{holder} ('{comment}')"),
                None => holder,
            }
        }
        _ if credential.kind == CredentialKind::SshPrivateKey => "SSH private key".to_string(),
        _ => "Private key".to_string(),
    }
}

impl RiskRule for WeakKey {
    fn meta(&self) -> &RuleMeta {
        &WEAK_KEY
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        inventory
            .credentials
            .values()
            .filter_map(|credential| {
                let key = credential.details.key()?;
                let reason = weakness(key)?;
                let title = format!(
                    "{} uses a weak {} key",
                    describe(credential),
                    key_label(key)
                );
                let evidence = json!({
                    "algorithm": key.algorithm, "bits": key.bits, "curve": key.curve,
                    "reason": reason, "public_key_sha256": key.public_key_sha256,
                });
                Some(finding_about(&WEAK_KEY, credential, None, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let rsa1024 = with_key(certificate("legacy.acme", "legacy.pem", -10, 300), |k| {
            k.bits = Some(1024)
        });
        let dsa = with_key(authorized_key("dsa", "backup", &[], None), |k| {
            k.algorithm = KeyAlgorithm::Dsa;
            k.bits = Some(1024);
        });
        let p192 = with_key(private_key("p192", &["k.pem"], false), |k| {
            k.algorithm = KeyAlgorithm::Ecdsa;
            k.bits = Some(192);
            k.curve = Some("P-192".into());
        });
        let p256 = with_key(private_key("p256", &["p.pem"], false), |k| {
            k.algorithm = KeyAlgorithm::Ecdsa;
            k.bits = Some(256);
            k.curve = Some("P-256".into());
        });
        let unknown_size = with_key(private_key("enc", &["e.pem"], true), |k| k.bits = None);
        vec![
            example("certificate with an RSA-1024 key", true, vec![rsa1024]),
            example("authorized DSA SSH key", true, vec![dsa]),
            example("private key on P-192", true, vec![p192]),
            example(
                "RSA-2048 certificate, P-256 key, Ed25519 SSH key, encrypted key of unknown size",
                false,
                vec![
                    certificate("api.acme", "api.pem", -10, 300),
                    p256,
                    ssh_private_key("ed", &["id"], true),
                    unknown_size,
                ],
            ),
        ]
    }
}

/// `private-key-unencrypted`: one finding per place an unencrypted private key was seen.
pub(crate) struct UnencryptedPrivateKey;

impl RiskRule for UnencryptedPrivateKey {
    fn meta(&self) -> &RuleMeta {
        &UNENCRYPTED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for credential in inventory.credentials.values().filter(|c| is_private_key(c)) {
            let Some(key) = credential
                .details
                .key()
                .filter(|k| k.encrypted == Some(false))
            else {
                continue;
            };
            for location in &credential.locations {
                let what = if credential.kind == CredentialKind::SshPrivateKey {
                    "SSH private key"
                } else {
                    "private key"
                };
                let title = format!(
                    "Unencrypted {what} ({}) readable by anyone who can read the file",
                    key_label(key)
                );
                let evidence = json!({"algorithm": key.algorithm, "bits": key.bits, "redacted": credential.redacted});
                findings.push(finding_about(
                    &UNENCRYPTED,
                    credential,
                    Some(location),
                    title,
                    evidence,
                ));
            }
        }
        findings
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            example(
                "unencrypted key at two paths",
                true,
                vec![private_key("pk", &["a/tls.key", "b/tls.key"], false)],
            ),
            example(
                "unencrypted OpenSSH key",
                true,
                vec![ssh_private_key("deploy", &["id_ed25519"], false)],
            ),
            example(
                "passphrase-protected keys",
                false,
                vec![
                    private_key("pk", &["tls.key"], true),
                    ssh_private_key("deploy", &["id_ed25519"], true),
                ],
            ),
        ]
    }
}

/// `private-key-beside-certificate`: a private key in the same directory as a certificate with
/// the same public key.
pub(crate) struct KeyBesideCertificate;

impl RiskRule for KeyBesideCertificate {
    fn meta(&self) -> &RuleMeta {
        &BESIDE_CERTIFICATE
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for key in inventory
            .credentials
            .values()
            .filter(|c| c.kind == CredentialKind::PrivateKey)
        {
            let Some(public) = key.details.key().and_then(public_key) else {
                continue;
            };
            let matching =
                certificates(inventory).filter(|(_, cert)| public_key(&cert.key) == Some(public));
            for (cert_credential, cert) in matching {
                let shared = key.locations.iter().find_map(|key_at| {
                    let dir = directory(key_at.path.as_deref()?);
                    let cert_at = cert_credential
                        .locations
                        .iter()
                        .find(|l| l.path.as_deref().map(directory) == Some(dir))?;
                    Some((key_at, cert_at, dir))
                });
                let Some((key_at, cert_at, dir)) = shared else {
                    continue;
                };
                let label = certificate_label(cert);
                let title =
                    format!("Private key for certificate {label} stored beside it in {dir}/");
                let evidence = json!({
                    "key": key_at.display(), "certificate": cert_at.display(), "subject": cert.subject,
                    "key_encrypted": key.details.key().and_then(|k| k.encrypted),
                });
                let mut subjects = vec![key.id.clone(), cert_credential.id.clone()];
                subjects.extend(cert_credential.identity.clone());
                findings.push(Finding::new(
                    &BESIDE_CERTIFICATE,
                    title,
                    subjects,
                    Some(key_at.clone()),
                    evidence,
                ));
            }
        }
        findings
    }

    fn examples(&self) -> Vec<RuleExample> {
        let cert = || certificate("www.acme", "etc/tls/www.crt", -10, 300);
        vec![
            example(
                "key and certificate in etc/tls",
                true,
                vec![
                    cert(),
                    private_key("pk-www.acme", &["etc/tls/www.key"], false),
                ],
            ),
            example(
                "key and certificate in one PEM file",
                true,
                vec![
                    seen_at(cert(), &["bundle.pem"]),
                    private_key("pk-www.acme", &["bundle.pem"], true),
                ],
            ),
            example(
                "key kept in another directory",
                false,
                vec![
                    cert(),
                    private_key("pk-www.acme", &["vault/www.key"], false),
                ],
            ),
            example(
                "unrelated key beside the certificate",
                false,
                vec![
                    cert(),
                    private_key("pk-other", &["etc/tls/other.key"], false),
                ],
            ),
        ]
    }
}
