//! The x509 source: certificates and private keys in PEM files, bundles and DER files.
//!
//! Invariants: each bad block gives one error at its BEGIN line and the file's other blocks still
//! count; `OPENSSH PRIVATE KEY` blocks are left to the ssh source; a private key whose public half
//! matches a certificate of the same file takes that certificate's identity. Public keys are public
//! material: they are checked, not inventoried.

mod certificate;
mod dn;
pub(crate) mod pem;
mod private_key;
pub(crate) mod spki;

use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use certificate::Certificate;
use der::Decode;
use nhi_model::{Credential, Location};
use private_key::{KeyFormat, KeySource};

/// Extensions that claim certificate or key content: such a file that holds neither is an error.
const EXTENSIONS: &[&str] = &["pem", "crt", "cer", "cert", "der", "key"];

/// DER files smaller than this are not sniffed by content (too easy to match by chance).
const MIN_SNIFFED_DER: usize = 32;

/// Reads X.509 certificates and private keys.
pub(crate) struct X509Source;

impl Source for X509Source {
    fn name(&self) -> &'static str {
        "x509"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        EXTENSIONS.contains(&file.extension().as_str())
            || pem::has_marker(file.bytes)
            || is_der_sequence(file.bytes)
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let blocks = pem::blocks(file.bytes);
        let mut found = Found::default();
        if blocks.is_empty() {
            read_der(file, ctx, &mut found, &mut out.errors);
        }
        for block in &blocks {
            if let Err(message) = read_block(file, block, ctx, &mut found) {
                out.errors
                    .push(SourceError::new(file.path, Some(block.line), message));
            }
        }
        found.link_into(out);
    }
}

/// What one file held.
#[derive(Default)]
struct Found {
    certificates: Vec<Certificate>,
    keys: Vec<Credential>,
}

impl Found {
    /// Give each key the identity of a certificate of the same file with the same public key, then
    /// add everything to the discovery.
    fn link_into(self, out: &mut Discovery) {
        for mut key in self.keys {
            let public = key
                .details
                .key()
                .map(|k| k.public_key_sha256.as_str())
                .unwrap_or("");
            if !public.is_empty() {
                key.identity = self
                    .certificates
                    .iter()
                    .find(|cert| cert.public_key_sha256() == Some(public))
                    .map(|cert| cert.identity.id.clone());
            }
            out.inventory.add_credential(key);
        }
        for cert in self.certificates {
            out.inventory.add_identity(cert.identity);
            out.inventory.add_credential(cert.credential);
        }
    }
}

fn read_block(
    file: &SourceFile,
    block: &pem::PemBlock,
    ctx: &SourceContext,
    found: &mut Found,
) -> Result<(), String> {
    let location = Location::file(file.path, Some(block.line));
    let label = block.label.as_str();
    if let Some(format) = KeyFormat::from_label(label) {
        let body = block.decode().map_err(|e| e.to_string())?;
        let source = KeySource {
            format,
            body: &body,
            header_encrypted: block.is_encrypted(),
            shown_as: format!("-----BEGIN {label}-----"),
            location,
        };
        found
            .keys
            .push(private_key::read(source, ctx).map_err(|e| e.to_string())?);
        return Ok(());
    }
    match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
            let der = block.decode().map_err(|e| e.to_string())?;
            found
                .certificates
                .push(Certificate::from_der(&der, location, ctx).map_err(|e| e.to_string())?);
        }
        "PUBLIC KEY" => {
            let der = block.decode().map_err(|e| e.to_string())?;
            spki::key_details(&der).map_err(|e| e.to_string())?;
        }
        "RSA PUBLIC KEY" => {
            let der = block.decode().map_err(|e| e.to_string())?;
            pkcs1::RsaPublicKey::from_der(&der)
                .map_err(|e| format!("malformed RSA public key: {e}"))?;
        }
        _ => {} // requests, CRLs, parameters, OpenSSH keys (the ssh source's): not ours
    }
    Ok(())
}

/// A file without PEM blocks: a DER certificate or private key, else an error when its extension
/// promised one (a sniffed DER SEQUENCE may be a CRL or PKCS#12: not ours, no error).
fn read_der(
    file: &SourceFile,
    ctx: &SourceContext,
    found: &mut Found,
    errors: &mut Vec<SourceError>,
) {
    let claimed = EXTENSIONS.contains(&file.extension().as_str());
    if !claimed && !is_der_sequence(file.bytes) {
        return;
    }
    let location = Location::file(file.path, None);
    let cert_error = match Certificate::from_der(file.bytes, location.clone(), ctx) {
        Ok(cert) => return found.certificates.push(cert),
        Err(err) => err,
    };
    for format in [
        KeyFormat::Pkcs8,
        KeyFormat::EncryptedPkcs8,
        KeyFormat::Rsa,
        KeyFormat::Ec,
        KeyFormat::Dsa,
    ] {
        let source = KeySource {
            format,
            body: file.bytes,
            header_encrypted: false,
            shown_as: "DER private key".to_string(),
            location: location.clone(),
        };
        if let Ok(key) = private_key::read(source, ctx) {
            return found.keys.push(key);
        }
    }
    if claimed {
        let message =
            format!("no PEM block, and not a DER certificate or private key ({cert_error})");
        errors.push(SourceError::new(file.path, None, message));
    }
}

/// Whether the bytes are exactly one DER SEQUENCE (its length field matches the file length).
fn is_der_sequence(bytes: &[u8]) -> bool {
    let [0x30, first, rest @ ..] = bytes else {
        return false;
    };
    let (header, len) = match *first {
        short @ 0..=0x7f => (2, usize::from(short)),
        long @ 0x81..=0x84 => {
            let n = usize::from(long & 0x7f);
            let Some(len_bytes) = rest.get(..n) else {
                return false;
            };
            (
                2 + n,
                len_bytes
                    .iter()
                    .fold(0usize, |acc, b| acc << 8 | usize::from(*b)),
            )
        }
        _ => return false,
    };
    bytes.len() >= MIN_SNIFFED_DER && header + len == bytes.len()
}

#[cfg(test)]
mod tests;
