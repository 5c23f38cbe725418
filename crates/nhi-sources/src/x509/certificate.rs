//! One X.509 certificate: its identity (the subject) and its credential (the certificate itself,
//! with the facts analysis judges: validity, SANs, signature algorithm, CA flag, key).
//!
//! Invariants: ids are stable (`x509:subject:<RFC 4514 DN>`, `x509-certificate:<sha256 of DER>`);
//! status is left unknown because time is judged by analysis against its own "now".

use super::{dn, spki};
use crate::SourceContext;
use nhi_model::{
    CertificateDetails, Credential, CredentialDetails, CredentialKind, Identity, IdentityKind,
    Location, Timestamp,
};
use std::net::IpAddr;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::time::ASN1Time;

/// Readable names of signature algorithms (OpenSSL's spelling), by OID.
const SIGNATURE_ALGORITHMS: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.2", "md2WithRSAEncryption"),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.3.14.3.2.29", "sha1WithRSA"),
    ("1.2.840.113549.1.1.14", "sha224WithRSAEncryption"),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("1.2.840.113549.1.1.10", "rsassaPss"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
    ("1.2.840.10040.4.3", "dsa-with-SHA1"),
    ("2.16.840.1.101.3.4.3.1", "dsa-with-SHA224"),
    ("2.16.840.1.101.3.4.3.2", "dsa-with-SHA256"),
    ("1.3.101.112", "ED25519"),
    ("1.3.101.113", "ED448"),
];

/// Why a certificate cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CertificateError {
    #[error("not a valid X.509 certificate: {0}")]
    Parse(String),
    #[error("certificate validity is out of range")]
    Validity,
    #[error("certificate {0}")]
    Key(#[from] spki::SpkiError),
}

/// A certificate read from a file.
pub(crate) struct Certificate {
    pub identity: Identity,
    pub credential: Credential,
}

impl Certificate {
    /// Read a DER certificate (trailing bytes, as in OpenSSL's `TRUSTED CERTIFICATE`, are ignored).
    pub fn from_der(
        der: &[u8],
        location: Location,
        ctx: &SourceContext,
    ) -> Result<Self, CertificateError> {
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|e| CertificateError::Parse(e.to_string()))?;
        let der = &der[..der.len() - rest.len()];
        let sha256 = spki::sha256_hex(der);
        let subject = dn::rfc4514(cert.subject());
        let (identity_id, name) = match (subject.is_empty(), dn::common_name(cert.subject())) {
            (true, _) => (format!("x509:certificate:{sha256}"), sha256.clone()),
            (false, cn) => (
                format!("x509:subject:{subject}"),
                cn.unwrap_or_else(|| subject.clone()),
            ),
        };
        let details = CertificateDetails {
            issuer: dn::rfc4514(cert.issuer()),
            serial: hex::encode(cert.raw_serial()),
            not_before: timestamp(cert.validity().not_before)?,
            not_after: timestamp(cert.validity().not_after)?,
            sans: sans(&cert),
            signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
            is_ca: cert.is_ca(),
            self_signed: is_self_signed(&cert),
            sha256: sha256.clone(),
            key: spki::key_details(cert.public_key().raw)?,
            subject,
        };

        let mut credential = Credential::new(
            format!("x509-certificate:{sha256}"),
            CredentialKind::X509Certificate,
            ctx.fingerprinter.fingerprint(der),
        );
        credential.identity = Some(identity_id.clone());
        credential.created = Some(details.not_before);
        credential.expires = Some(details.not_after);
        credential.locations.push(location);
        credential.details = CredentialDetails::Certificate(details);
        let identity = Identity::new(identity_id, IdentityKind::Certificate, "x509", name);
        Ok(Certificate {
            identity,
            credential,
        })
    }

    /// SHA-256 of the certificate's SubjectPublicKeyInfo.
    pub fn public_key_sha256(&self) -> Option<&str> {
        self.credential
            .details
            .key()
            .map(|k| k.public_key_sha256.as_str())
    }
}

fn timestamp(time: ASN1Time) -> Result<Timestamp, CertificateError> {
    Timestamp::from_timestamp(time.timestamp(), 0).ok_or(CertificateError::Validity)
}

fn signature_name(oid: &str) -> String {
    SIGNATURE_ALGORITHMS
        .iter()
        .find(|(id, _)| *id == oid)
        .map_or_else(|| oid.to_string(), |(_, name)| (*name).to_string())
}

/// DNS, IP, email and URI subject alternative names, prefixed as OpenSSL prints them. A malformed
/// SAN extension gives no SANs rather than losing the certificate.
fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(format!("DNS:{dns}")),
            GeneralName::RFC822Name(email) => Some(format!("email:{email}")),
            GeneralName::URI(uri) => Some(format!("URI:{uri}")),
            GeneralName::IPAddress(bytes) => ip(bytes).map(|ip| format!("IP:{ip}")),
            _ => None,
        })
        .collect()
}

fn ip(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Issued by itself: same subject and issuer, and the key ids (when both are present) agree.
fn is_self_signed(cert: &X509Certificate<'_>) -> bool {
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        return false;
    }
    let mut subject_key_id = None;
    let mut authority_key_id = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => subject_key_id = Some(id.0),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|id| id.0)
            }
            _ => {}
        }
    }
    match (subject_key_id, authority_key_id) {
        (Some(ski), Some(aki)) => ski == aki,
        _ => true,
    }
}
