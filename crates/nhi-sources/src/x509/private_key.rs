//! Private keys in PKCS#8 (plain and encrypted) and the traditional OpenSSL formats (PKCS#1 RSA,
//! SEC1 EC, DSA): their key facts and the SPKI of their public half.
//!
//! Invariants: the key's bytes never leave this module, only a keyed fingerprint and a redacted
//! form; the public half is encoded as the SPKI a certificate for the same key carries, so their
//! `public_key_sha256` agree. An encrypted or underivable key has an empty `public_key_sha256`.

use super::spki::{
    self, DssParams, DSA, EC_PUBLIC_KEY, ED25519, ED448, P256, P384, RSASSA_PSS, RSA_ENCRYPTION,
};
use crate::SourceContext;
use der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode};
use nhi_model::{
    Credential, CredentialDetails, CredentialKind, KeyAlgorithm, KeyDetails, Location,
};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use pkcs8::spki::AlgorithmIdentifierRef;
use pkcs8::PrivateKeyInfo;

/// How a private key is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFormat {
    Pkcs8,
    EncryptedPkcs8,
    Rsa,
    Ec,
    Dsa,
}

impl KeyFormat {
    /// The format a PEM label announces, if it is a private key.
    pub fn from_label(label: &str) -> Option<Self> {
        Some(match label {
            "PRIVATE KEY" => KeyFormat::Pkcs8,
            "ENCRYPTED PRIVATE KEY" => KeyFormat::EncryptedPkcs8,
            "RSA PRIVATE KEY" => KeyFormat::Rsa,
            "EC PRIVATE KEY" => KeyFormat::Ec,
            "DSA PRIVATE KEY" => KeyFormat::Dsa,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            KeyFormat::Pkcs8 => "PKCS#8 private key",
            KeyFormat::EncryptedPkcs8 => "encrypted PKCS#8 private key",
            KeyFormat::Rsa => "RSA private key",
            KeyFormat::Ec => "EC private key",
            KeyFormat::Dsa => "DSA private key",
        }
    }

    fn algorithm(self) -> KeyAlgorithm {
        match self {
            KeyFormat::Rsa => KeyAlgorithm::Rsa,
            KeyFormat::Ec => KeyAlgorithm::Ecdsa,
            KeyFormat::Dsa => KeyAlgorithm::Dsa,
            KeyFormat::Pkcs8 | KeyFormat::EncryptedPkcs8 => KeyAlgorithm::Unknown,
        }
    }
}

/// Why a private key cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("malformed {what}: {source}")]
pub(crate) struct KeyError {
    what: &'static str,
    source: der::Error,
}

/// An EncryptedPrivateKeyInfo (RFC 5208), read only to check its shape.
#[derive(der::Sequence)]
struct EncryptedPrivateKeyInfo<'a> {
    _algorithm: AlgorithmIdentifierRef<'a>,
    _data: OctetStringRef<'a>,
}

/// OpenSSL's traditional DSA private key.
#[derive(der::Sequence)]
struct DsaPrivateKey<'a> {
    _version: u8,
    p: UintRef<'a>,
    q: UintRef<'a>,
    g: UintRef<'a>,
    y: UintRef<'a>,
    _x: UintRef<'a>,
}

/// Where a key's body came from, for its credential.
pub(crate) struct KeySource<'a> {
    pub format: KeyFormat,
    /// The decoded body: DER, or ciphertext when `header_encrypted`.
    pub body: &'a [u8],
    /// The body is encrypted by RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`).
    pub header_encrypted: bool,
    /// How the key was written, for the redacted form (`-----BEGIN RSA PRIVATE KEY-----`).
    pub shown_as: String,
    pub location: Location,
}

/// The credential of one private key.
pub(crate) fn read(source: KeySource<'_>, ctx: &SourceContext) -> Result<Credential, KeyError> {
    let key = key_details(source.format, source.body, source.header_encrypted)?;
    let fingerprint = ctx.fingerprinter.fingerprint(source.body);
    let id = match key.public_key_sha256.as_str() {
        "" => format!("private-key:{fingerprint}"),
        public => format!("private-key:{public}"),
    };
    let mut credential = Credential::new(id, CredentialKind::PrivateKey, fingerprint);
    credential.redacted = Some(format!(
        "{} [redacted {} bytes]",
        source.shown_as,
        source.body.len()
    ));
    credential.locations.push(source.location);
    credential.details = CredentialDetails::Key(key);
    Ok(credential)
}

fn key_details(
    format: KeyFormat,
    body: &[u8],
    header_encrypted: bool,
) -> Result<KeyDetails, KeyError> {
    if header_encrypted {
        return Ok(partial(format.algorithm(), None, None, true));
    }
    let facts = match format {
        KeyFormat::EncryptedPkcs8 => EncryptedPrivateKeyInfo::from_der(body)
            .map(|_| partial(KeyAlgorithm::Unknown, None, None, true)),
        KeyFormat::Pkcs8 => PrivateKeyInfo::from_der(body).and_then(pkcs8_key),
        KeyFormat::Rsa => rsa_spki(body, None).and_then(derived),
        KeyFormat::Ec => ec_key(body, None),
        KeyFormat::Dsa => dsa_spki(body).and_then(derived),
    };
    facts.map_err(|source| KeyError {
        what: format.name(),
        source,
    })
}

/// Key facts from a derived SPKI.
fn derived(spki_der: Vec<u8>) -> der::Result<KeyDetails> {
    let mut key = spki::key_details(&spki_der).map_err(|e| e.0)?;
    key.encrypted = Some(false);
    Ok(key)
}

/// Key facts when the public half is unknown.
fn partial(
    algorithm: KeyAlgorithm,
    bits: Option<u32>,
    curve: Option<String>,
    encrypted: bool,
) -> KeyDetails {
    KeyDetails {
        algorithm,
        bits,
        curve,
        public_key_sha256: String::new(),
        encrypted: Some(encrypted),
    }
}

fn pkcs8_key(info: PrivateKeyInfo<'_>) -> der::Result<KeyDetails> {
    let algorithm = info.algorithm;
    let oid = algorithm.oid;
    if let Some(public) = info.public_key {
        // PKCS#8 v2 carries the public key: nothing to derive.
        spki::encode_spki(oid, algorithm.parameters, public).and_then(derived)
    } else if oid == RSA_ENCRYPTION || oid == RSASSA_PSS {
        rsa_spki(info.private_key, Some(algorithm)).and_then(derived)
    } else if oid == EC_PUBLIC_KEY {
        ec_key(info.private_key, Some(spki::named_curve(&algorithm)?))
    } else if oid == ED25519 {
        let seed = OctetStringRef::from_der(info.private_key)?;
        let seed: [u8; 32] = seed
            .as_bytes()
            .try_into()
            .map_err(|_| der::Tag::OctetString.length_error())?;
        let public = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        spki::encode_spki(ED25519, None, &public).and_then(derived)
    } else if oid == ED448 {
        Ok(partial(KeyAlgorithm::Ed448, Some(448), None, false))
    } else if oid == DSA {
        let bits = match algorithm.parameters {
            Some(params) => Some(spki::uint_bits(params.decode_as::<DssParams>()?.p)),
            None => None,
        };
        Ok(partial(KeyAlgorithm::Dsa, bits, None, false))
    } else {
        Ok(partial(KeyAlgorithm::Unknown, None, None, false))
    }
}

/// SPKI of a PKCS#1 RSA private key; `algorithm` is the PKCS#8 one when wrapped (RSA or RSA-PSS).
fn rsa_spki(
    der: &[u8],
    algorithm: Option<AlgorithmIdentifierRef<'_>>,
) -> Result<Vec<u8>, der::Error> {
    let key = pkcs1::RsaPrivateKey::from_der(der)?;
    let public = pkcs1::RsaPublicKey {
        modulus: key.modulus,
        public_exponent: key.public_exponent,
    }
    .to_der()?;
    let (oid, parameters) = match algorithm {
        Some(alg) => (alg.oid, alg.parameters),
        None => (RSA_ENCRYPTION, Some(AnyRef::NULL)),
    };
    spki::encode_spki(oid, parameters, &public)
}

/// Facts of a SEC1 EC private key; `outer_curve` is the PKCS#8 algorithm's curve when wrapped.
fn ec_key(der: &[u8], outer_curve: Option<ObjectIdentifier>) -> der::Result<KeyDetails> {
    let key = sec1::EcPrivateKey::from_der(der)?;
    let curve = key
        .parameters
        .and_then(|p| p.named_curve())
        .or(outer_curve)
        .ok_or_else(|| der::Tag::ObjectIdentifier.value_error())?;
    let point = match key.public_key {
        Some(point) => Some(point.to_vec()),
        None => derive_point(curve, key.private_key),
    };
    match point {
        Some(point) => {
            spki::encode_spki(EC_PUBLIC_KEY, Some(AnyRef::from(&curve)), &point).and_then(derived)
        }
        None => {
            let (name, bits) = spki::curve_name(curve, &[]);
            Ok(partial(KeyAlgorithm::Ecdsa, bits, Some(name), false))
        }
    }
}

/// The uncompressed public point of an EC private scalar, for the curves nhi can compute on.
fn derive_point(curve: ObjectIdentifier, scalar: &[u8]) -> Option<Vec<u8>> {
    if curve == P256 {
        let key = p256::SecretKey::from_slice(scalar).ok()?;
        Some(key.public_key().to_encoded_point(false).as_bytes().to_vec())
    } else if curve == P384 {
        let key = p384::SecretKey::from_slice(scalar).ok()?;
        Some(key.public_key().to_encoded_point(false).as_bytes().to_vec())
    } else {
        None
    }
}

/// SPKI of a traditional DSA private key, which carries `y` beside `x`.
fn dsa_spki(der: &[u8]) -> Result<Vec<u8>, der::Error> {
    let key = DsaPrivateKey::from_der(der)?;
    let params = DssParams {
        p: key.p,
        q: key.q,
        g: key.g,
    }
    .to_der()?;
    let public = key.y.to_der()?;
    spki::encode_spki(DSA, Some(AnyRef::from_der(&params)?), &public)
}
