//! Small constructors for the inventories that the certificate, key, ssh and reuse rules use as
//! examples (and their tests): one place that knows how sources shape these credentials.
//!
//! Invariant: times are given in days relative to [`examples_now`], so examples never rot.

use crate::{examples_now, RuleExample};
use nhi_model::{
    AuthorizedKeyDetails, CertificateDetails, Credential, CredentialDetails, CredentialKind,
    Identity, IdentityKind, Inventory, KeyAlgorithm, KeyDetails, Location, Timestamp,
};

/// `examples_now()` shifted by `days`.
pub(crate) fn days(days: i64) -> Timestamp {
    examples_now() + chrono::Duration::days(days)
}

/// Key facts; `public` stands for the public key hash.
pub(crate) fn key(algorithm: KeyAlgorithm, bits: u32, public: &str) -> KeyDetails {
    KeyDetails {
        algorithm,
        bits: Some(bits),
        curve: None,
        public_key_sha256: public.to_string(),
        encrypted: None,
    }
}

/// An RSA-2048 leaf certificate for `cn`, signed with SHA-256 by `CN=Example CA`, valid from
/// `not_before` to `not_after` (days from now), seen at `path`. Its public key is `pk-<cn>`.
pub(crate) fn certificate(cn: &str, path: &str, not_before: i64, not_after: i64) -> Credential {
    let sha256 = format!("cert-{cn}");
    let mut credential = Credential::new(
        format!("x509-certificate:{sha256}"),
        CredentialKind::X509Certificate,
        format!("fp1:{sha256}"),
    );
    credential.identity = Some(format!("x509:subject:CN={cn}"));
    credential.created = Some(days(not_before));
    credential.expires = Some(days(not_after));
    credential.locations.push(Location::file(path, Some(1)));
    credential.details = CredentialDetails::Certificate(CertificateDetails {
        subject: format!("CN={cn}"),
        issuer: "CN=Example CA".to_string(),
        serial: "01".to_string(),
        not_before: days(not_before),
        not_after: days(not_after),
        sans: vec![format!("DNS:{cn}")],
        signature_algorithm: "sha256WithRSAEncryption".to_string(),
        is_ca: false,
        self_signed: false,
        sha256,
        key: key(KeyAlgorithm::Rsa, 2048, &format!("pk-{cn}")),
    });
    credential
}

/// Change a certificate's details (`certificate` built it).
pub(crate) fn with_certificate(
    mut credential: Credential,
    edit: impl FnOnce(&mut CertificateDetails),
) -> Credential {
    if let CredentialDetails::Certificate(details) = &mut credential.details {
        edit(details);
    }
    credential
}

/// Change the key facts of any credential that has them.
pub(crate) fn with_key(
    mut credential: Credential,
    edit: impl FnOnce(&mut KeyDetails),
) -> Credential {
    let key = match &mut credential.details {
        CredentialDetails::Certificate(details) => Some(&mut details.key),
        CredentialDetails::Key(key) => Some(key),
        CredentialDetails::AuthorizedKey(details) => Some(&mut details.key),
        CredentialDetails::None => None,
    };
    if let Some(key) = key {
        edit(key);
    }
    credential
}

/// The same credential, seen at `paths` instead.
pub(crate) fn seen_at(mut credential: Credential, paths: &[&str]) -> Credential {
    credential.locations = paths.iter().map(|p| Location::file(*p, Some(1))).collect();
    credential
}

/// A PKCS private key (RSA-2048) with public key `public`, seen at each of `paths`.
pub(crate) fn private_key(public: &str, paths: &[&str], encrypted: bool) -> Credential {
    let credential = Credential::new(
        format!("private-key:{public}"),
        CredentialKind::PrivateKey,
        format!("fp1:{public}"),
    );
    let mut credential = seen_at(credential, paths);
    let mut details = key(KeyAlgorithm::Rsa, 2048, public);
    details.encrypted = Some(encrypted);
    credential.details = CredentialDetails::Key(details);
    credential
}

/// An OpenSSH private key (Ed25519) whose fingerprint is `SHA256:<name>`, seen at `paths`.
pub(crate) fn ssh_private_key(name: &str, paths: &[&str], encrypted: bool) -> Credential {
    let mut credential = Credential::new(
        format!("ssh-private-key:SHA256:{name}"),
        CredentialKind::SshPrivateKey,
        format!("fp1:{name}"),
    );
    credential.identity = Some(format!("ssh:key:SHA256:{name}"));
    let mut credential = seen_at(credential, paths);
    let mut details = key(KeyAlgorithm::Ed25519, 256, &format!("ssh-{name}"));
    details.encrypted = Some(encrypted);
    credential.details = CredentialDetails::Key(details);
    credential
}

/// An authorized_keys entry of the Ed25519 key `SHA256:<name>` for `account`, with `options`.
pub(crate) fn authorized_key(
    name: &str,
    account: &str,
    options: &[&str],
    comment: Option<&str>,
) -> Credential {
    let mut credential = Credential::new(
        format!("ssh-authorized-key:SHA256:{name}:{account}"),
        CredentialKind::SshAuthorizedKey,
        format!("fp1:{name}"),
    );
    credential.identity = Some(format!("ssh:key:SHA256:{name}"));
    let path = format!("/home/{account}/.ssh/authorized_keys");
    credential.locations.push(Location::file(path, Some(1)));
    credential.details = CredentialDetails::AuthorizedKey(AuthorizedKeyDetails {
        account: Some(account.to_string()),
        options: options.iter().map(|o| o.to_string()).collect(),
        comment: comment.map(str::to_string),
        key: key(KeyAlgorithm::Ed25519, 256, &format!("ssh-{name}")),
    });
    credential
}

/// An inventory of `credentials`, with an identity for each identity they name.
pub(crate) fn inventory(credentials: Vec<Credential>) -> Inventory {
    let mut inventory = Inventory::default();
    for credential in credentials {
        if let Some(id) = &credential.identity {
            let kind = if id.starts_with("ssh:") {
                IdentityKind::SshKey
            } else {
                IdentityKind::Certificate
            };
            let provider = id.split(':').next().unwrap_or("unknown");
            inventory.add_identity(Identity::new(id.clone(), kind, provider, id.clone()));
        }
        inventory.add_credential(credential);
    }
    inventory
}

/// A rule example over `credentials`.
pub(crate) fn example(
    name: &'static str,
    fires: bool,
    credentials: Vec<Credential>,
) -> RuleExample {
    RuleExample {
        name,
        inventory: inventory(credentials),
        fires,
    }
}
