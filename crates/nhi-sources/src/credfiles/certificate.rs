//! X.509 client certificates embedded in credential files (kubeconfig `client-certificate-data`):
//! the same `x509-certificate:<sha256 of DER>` credential the x509 source makes for a certificate
//! file, with its validity and key facts, so certificate rules judge it too.
//!
//! The x509 source's own parser is private to its module, so this reads the few facts needed
//! straight from `x509-parser`.

use nhi_model::{
    CertificateDetails, Credential, CredentialDetails, CredentialKind, Fingerprinter, KeyAlgorithm,
    KeyDetails,
};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// A certificate read from PEM or DER bytes, and the names it gives its holder.
pub(crate) struct ClientCertificate {
    pub credential: Credential,
    /// The subject's common name (the Kubernetes user name).
    pub common_name: Option<String>,
    /// The subject's organisations (the Kubernetes groups).
    pub organizations: Vec<String>,
}

/// Read the first certificate of `bytes` (PEM, or DER).
pub(crate) fn read(
    bytes: &[u8],
    fingerprinter: &Fingerprinter,
) -> Result<ClientCertificate, String> {
    let der = if bytes.starts_with(b"-----BEGIN")
        || bytes.trim_ascii_start().starts_with(b"-----BEGIN")
    {
        let (_, pem) = x509_parser::pem::parse_x509_pem(bytes.trim_ascii_start())
            .map_err(|e| format!("bad PEM: {e}"))?;
        pem.contents
    } else {
        bytes.to_vec()
    };
    let (_, cert) =
        X509Certificate::from_der(&der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let text =
        |attr: &x509_parser::x509::AttributeTypeAndValue| attr.as_str().ok().map(str::to_string);
    let common_name = cert.subject().iter_common_name().next().and_then(text);
    let organizations = cert
        .subject()
        .iter_organization()
        .filter_map(text)
        .collect();
    let sha256 = hex::encode(Sha256::digest(&der));
    let not_before = timestamp(cert.validity().not_before.timestamp());
    let not_after = timestamp(cert.validity().not_after.timestamp());
    let sans = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| ext.value.general_names.iter().filter_map(san).collect())
        .unwrap_or_default();
    let registry = x509_parser::objects::oid_registry();
    let signature_algorithm =
        x509_parser::objects::oid2sn(&cert.signature_algorithm.algorithm, registry)
            .map(str::to_string)
            .unwrap_or_else(|_| cert.signature_algorithm.algorithm.to_id_string());
    let details = CertificateDetails {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before,
        not_after,
        sans,
        signature_algorithm,
        is_ca: cert.is_ca(),
        self_signed: cert.subject() == cert.issuer(),
        sha256: sha256.clone(),
        key: key_details(&cert),
    };
    let mut credential = Credential::new(
        format!("x509-certificate:{sha256}"),
        CredentialKind::X509Certificate,
        fingerprinter.fingerprint(&der),
    );
    credential.created = Some(not_before);
    credential.expires = Some(not_after);
    credential.details = CredentialDetails::Certificate(details);
    Ok(ClientCertificate {
        credential,
        common_name,
        organizations,
    })
}

fn timestamp(secs: i64) -> nhi_model::Timestamp {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

fn san(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::DNSName(dns) => Some(format!("DNS:{dns}")),
        GeneralName::RFC822Name(email) => Some(format!("email:{email}")),
        GeneralName::URI(uri) => Some(format!("URI:{uri}")),
        GeneralName::IPAddress(ip) => match ip.len() {
            4 => Some(format!(
                "IP:{}",
                std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).ok()?)
            )),
            16 => Some(format!(
                "IP:{}",
                std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).ok()?)
            )),
            _ => None,
        },
        _ => None,
    }
}

fn key_details(cert: &X509Certificate) -> KeyDetails {
    let spki = cert.public_key();
    let oid = spki.algorithm.algorithm.to_id_string();
    let curve_oid = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let algorithm = match oid.as_str() {
        "1.2.840.113549.1.1.1" => KeyAlgorithm::Rsa,
        "1.2.840.10045.2.1" => KeyAlgorithm::Ecdsa,
        "1.2.840.10040.4.1" => KeyAlgorithm::Dsa,
        "1.3.101.112" => KeyAlgorithm::Ed25519,
        "1.3.101.113" => KeyAlgorithm::Ed448,
        _ => KeyAlgorithm::Unknown,
    };
    let curve = match curve_oid.as_deref() {
        Some("1.2.840.10045.3.1.7") => Some("P-256".to_string()),
        Some("1.3.132.0.34") => Some("P-384".to_string()),
        Some("1.3.132.0.35") => Some("P-521".to_string()),
        Some(other) if algorithm == KeyAlgorithm::Ecdsa => Some(other.to_string()),
        _ => None,
    };
    let bits = match algorithm {
        KeyAlgorithm::Ed25519 => Some(256),
        KeyAlgorithm::Ed448 => Some(456),
        _ => spki
            .parsed()
            .ok()
            .map(|k| k.key_size())
            .and_then(|b| u32::try_from(b).ok())
            .filter(|b| *b > 0),
    };
    KeyDetails {
        algorithm,
        bits,
        curve,
        public_key_sha256: hex::encode(Sha256::digest(spki.raw)),
        encrypted: None,
    }
}
