//! Public-key facts from a SubjectPublicKeyInfo (SPKI) DER: algorithm, size, curve and the SHA-256
//! that links a private key to its certificate.
//!
//! Invariant: certificates and private keys both go through [`key_details`] with SPKI DER (the
//! certificate's own, or one derived from the private key), so equal public keys always give equal
//! `public_key_sha256`.

use der::asn1::{AnyRef, ObjectIdentifier, UintRef};
use der::{Decode, Encode};
use nhi_model::{KeyAlgorithm, KeyDetails};
use pkcs8::spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use sha2::{Digest, Sha256};

pub(crate) const RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const RSASSA_PSS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
pub(crate) const EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(crate) const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
pub(crate) const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
pub(crate) const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
pub(crate) const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Named curves: OID, the name nhi reports, and the field size in bits.
const CURVES: &[(&str, &str, u32)] = &[
    ("1.2.840.10045.3.1.7", "P-256", 256),
    ("1.3.132.0.34", "P-384", 384),
    ("1.3.132.0.35", "P-521", 521),
    ("1.3.132.0.10", "secp256k1", 256),
    ("1.3.132.0.33", "P-224", 224),
    ("1.2.840.10045.3.1.1", "P-192", 192),
    ("1.3.132.0.8", "secp160r1", 160),
    ("1.3.132.0.9", "secp160k1", 160),
    ("1.3.132.0.30", "secp160r2", 160),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 256),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 384),
    ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 512),
];

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Why an SPKI cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("malformed public key: {0}")]
pub(crate) struct SpkiError(#[from] pub der::Error);

/// DSA domain parameters (RFC 3279 `Dss-Parms`).
#[derive(der::Sequence)]
pub(crate) struct DssParams<'a> {
    pub p: UintRef<'a>,
    pub q: UintRef<'a>,
    pub g: UintRef<'a>,
}

/// The key facts of an SPKI DER; `encrypted` is left `None` (public material).
pub(crate) fn key_details(spki_der: &[u8]) -> Result<KeyDetails, SpkiError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)?;
    let key_bytes = spki.subject_public_key.raw_bytes();
    let oid = spki.algorithm.oid;
    let (algorithm, bits, curve) = if oid == RSA_ENCRYPTION || oid == RSASSA_PSS {
        let key = pkcs1::RsaPublicKey::from_der(key_bytes)?;
        (KeyAlgorithm::Rsa, Some(uint_bits(key.modulus)), None)
    } else if oid == EC_PUBLIC_KEY {
        let (name, bits) = curve_name(named_curve(&spki.algorithm)?, key_bytes);
        (KeyAlgorithm::Ecdsa, bits, Some(name))
    } else if oid == DSA {
        let bits = match spki.algorithm.parameters {
            Some(params) => Some(uint_bits(params.decode_as::<DssParams>()?.p)),
            None => None, // parameters inherited from the issuer: size unknown
        };
        (KeyAlgorithm::Dsa, bits, None)
    } else if oid == ED25519 {
        (KeyAlgorithm::Ed25519, Some(256), None)
    } else if oid == ED448 {
        (KeyAlgorithm::Ed448, Some(448), None)
    } else {
        (KeyAlgorithm::Unknown, None, None)
    };
    Ok(KeyDetails {
        algorithm,
        bits,
        curve,
        public_key_sha256: sha256_hex(spki_der),
        encrypted: None,
    })
}

/// The named curve in an EC algorithm identifier's parameters.
pub(crate) fn named_curve(algorithm: &AlgorithmIdentifierRef<'_>) -> der::Result<ObjectIdentifier> {
    algorithm
        .parameters_oid()
        .map_err(|_| der::Tag::ObjectIdentifier.value_error())
}

/// Encode an SPKI from its algorithm identifier and public key bytes.
pub(crate) fn encode_spki(
    oid: ObjectIdentifier,
    parameters: Option<AnyRef<'_>>,
    public_key: &[u8],
) -> der::Result<Vec<u8>> {
    SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef { oid, parameters },
        subject_public_key: der::asn1::BitStringRef::from_bytes(public_key)?,
    }
    .to_der()
}

/// Size in bits of a DER unsigned integer.
pub(crate) fn uint_bits(value: UintRef<'_>) -> u32 {
    bit_length(value.as_bytes())
}

/// Size in bits of a big-endian unsigned integer (leading zero bytes ignored).
pub(crate) fn bit_length(bytes: &[u8]) -> u32 {
    match bytes.iter().position(|b| *b != 0) {
        Some(first) => (bytes.len() - first) as u32 * 8 - bytes[first].leading_zeros(),
        None => 0,
    }
}

/// The curve's name and size; an unknown curve is named by its OID and sized by its point.
pub(crate) fn curve_name(oid: ObjectIdentifier, point: &[u8]) -> (String, Option<u32>) {
    let dotted = oid.to_string();
    if let Some((_, name, bits)) = CURVES.iter().find(|(id, _, _)| *id == dotted) {
        return ((*name).to_string(), Some(*bits));
    }
    let field_bytes = match point.first() {
        Some(4) => (point.len() - 1) / 2,
        Some(2 | 3) => point.len() - 1,
        _ => 0,
    };
    let bits = (field_bytes > 0).then(|| field_bytes as u32 * 8);
    (dotted, bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_key_of_unknown_curve_is_sized_by_its_point() {
        let curve = ObjectIdentifier::new_unwrap("1.2.3.4");
        let params = AnyRef::from(&curve);
        let der = encode_spki(EC_PUBLIC_KEY, Some(params), &[4; 49]).unwrap();
        let key = key_details(&der).unwrap();
        assert_eq!(key.algorithm, KeyAlgorithm::Ecdsa);
        assert_eq!(
            (key.curve.as_deref(), key.bits),
            (Some("1.2.3.4"), Some(192))
        );
        assert_eq!(key.public_key_sha256, sha256_hex(&der));
    }

    #[test]
    fn uint_bits_counts_from_the_top_bit() {
        assert_eq!(uint_bits(UintRef::new(&[0x01, 0x00]).unwrap()), 9);
        assert_eq!(uint_bits(UintRef::new(&[0x80; 128]).unwrap()), 1024);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(key_details(b"\x30\x03\x02\x01\x05").is_err());
    }
}
