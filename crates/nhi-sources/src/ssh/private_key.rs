//! OpenSSH private keys (`-----BEGIN OPENSSH PRIVATE KEY-----`): a `ssh-private-key` credential
//! of the key's identity, encrypted or not.
//!
//! Invariants: the public half is read even when the key is encrypted (OpenSSH stores it in the
//! clear); only a keyed fingerprint and a redacted form of the key's bytes leave this module.

use super::key::SshKey;
use super::x509::pem::{self, PemBlock, PemError};
use crate::{Discovery, SourceContext, SourceError, SourceFile};
use nhi_model::{Credential, CredentialDetails, CredentialKind, Identity, Location};

/// The PEM label of OpenSSH's own private key format.
const LABEL: &str = "OPENSSH PRIVATE KEY";
/// The BEGIN line of that format, whose presence makes a file an OpenSSH private key file.
pub(crate) const BEGIN_LINE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";

/// Why an OpenSSH private key cannot be read.
#[derive(Debug, thiserror::Error)]
enum PrivateKeyError {
    #[error(transparent)]
    Pem(#[from] PemError),
    #[error("malformed OpenSSH private key: {0}")]
    Malformed(#[from] ssh_key::Error),
}

/// Read every OpenSSH private key block of the file.
pub(crate) fn read(file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
    for block in pem::blocks(file.bytes).iter().filter(|b| b.label == LABEL) {
        match read_block(file, block, ctx) {
            Ok((identity, credential)) => {
                out.inventory.add_identity(identity);
                out.inventory.add_credential(credential);
            }
            Err(err) => out.errors.push(SourceError::new(
                file.path,
                Some(block.line),
                err.to_string(),
            )),
        }
    }
}

fn read_block(
    file: &SourceFile,
    block: &PemBlock,
    ctx: &SourceContext,
) -> Result<(Identity, Credential), PrivateKeyError> {
    let body = block.decode()?;
    let private = ssh_key::PrivateKey::from_bytes(&body)?;
    let public = private.public_key();
    let key = SshKey::new(public.key_data(), &public.to_bytes()?);
    let identity = key.identity(Some(private.comment()));
    let mut credential = Credential::new(
        format!("ssh-private-key:{}", key.fingerprint),
        CredentialKind::SshPrivateKey,
        ctx.fingerprinter.fingerprint(&body),
    );
    credential.identity = Some(identity.id.clone());
    credential.redacted = Some(format!(
        "-----BEGIN {LABEL}----- [redacted {} bytes]",
        body.len()
    ));
    credential
        .locations
        .push(Location::file(file.path, Some(block.line)));
    let mut details = key.details;
    details.encrypted = Some(private.is_encrypted());
    credential.details = CredentialDetails::Key(details);
    Ok((identity, credential))
}
