//! Unit and property tests of the x509 source over the committed fixtures.

use super::*;
use nhi_model::{CredentialDetails, Fingerprinter, KeyAlgorithm};
use proptest::prelude::*;

const LEAF_AND_KEY: &[u8] = include_bytes!("../../tests/fixtures/x509/leaf_and_key.pem");
const ED25519_DER: &[u8] = include_bytes!("../../tests/fixtures/x509/ed25519_leaf.der");
const ED25519_KEY_DER: &[u8] = include_bytes!("../../tests/fixtures/x509/ed25519_leaf_key.der");

fn read(path: &str, bytes: &[u8]) -> Discovery {
    let fingerprinter = Fingerprinter::new([1; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let file = SourceFile { path, bytes };
    let mut out = Discovery::default();
    if X509Source.recognises(&file) {
        X509Source.read(&file, &ctx, &mut out);
    }
    out
}

#[test]
fn recognises_by_extension_marker_and_der_shape() {
    let file = |path, bytes| SourceFile { path, bytes };
    assert!(X509Source.recognises(&file("a/b.CRT", b"")));
    assert!(X509Source.recognises(&file("notes.txt", b"x\n-----BEGIN CERTIFICATE-----\n")));
    assert!(X509Source.recognises(&file("blob", ED25519_DER)));
    assert!(!X509Source.recognises(&file("README.md", b"# hello")));
    assert!(!X509Source.recognises(&file("tiny", b"\x30\x03\x02\x01\x05")));
}

#[test]
fn key_in_the_same_file_takes_the_certificate_identity() {
    let out = read("leaf_and_key.pem", LEAF_AND_KEY);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let key = out
        .inventory
        .credentials
        .values()
        .find(|c| c.id.starts_with("private-key:"))
        .unwrap();
    let cert = out
        .inventory
        .credentials
        .values()
        .find(|c| c.id.starts_with("x509-certificate:"))
        .unwrap();
    assert_eq!(key.identity, cert.identity);
    assert_eq!(
        key.details.key().unwrap().public_key_sha256,
        cert.details.key().unwrap().public_key_sha256
    );
    assert_eq!(key.locations[0].line, Some(20));
}

#[test]
fn der_key_without_extension_is_sniffed_and_its_ed25519_public_half_derived() {
    let cert = read("cert", ED25519_DER);
    let key = read("key", ED25519_KEY_DER);
    let cert_key = cert
        .inventory
        .credentials
        .values()
        .next()
        .unwrap()
        .details
        .key()
        .unwrap()
        .clone();
    let private = key.inventory.credentials.values().next().unwrap();
    assert_eq!(
        private.redacted.as_deref(),
        Some("DER private key [redacted 48 bytes]")
    );
    let CredentialDetails::Key(details) = &private.details else {
        panic!("key details expected");
    };
    assert_eq!(details.algorithm, KeyAlgorithm::Ed25519);
    assert_eq!(details.public_key_sha256, cert_key.public_key_sha256);
    assert_eq!(details.encrypted, Some(false));
}

#[test]
fn unknown_labels_are_ignored_and_public_keys_checked() {
    let text = "-----BEGIN CERTIFICATE REQUEST-----\nnot even base64!\n-----END CERTIFICATE REQUEST-----\n\
        -----BEGIN PUBLIC KEY-----\nMAMCAQU=\n-----END PUBLIC KEY-----\n";
    let out = read("mixed.pem", text.as_bytes());
    assert!(out.inventory.credentials.is_empty());
    let errors: Vec<String> = out.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("mixed.pem:4: malformed public key"),
        "{}",
        errors[0]
    );
}

/// Positions and replacement bytes for a handful of mutations.
fn mutations() -> impl Strategy<Value = Vec<(usize, u8)>> {
    proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)
}

fn mutate(bytes: &[u8], edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (at, byte) in edits {
        let len = out.len();
        out[at % len] = *byte;
    }
    out.truncate(cut % (bytes.len() + 1));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mutated_pem_never_panics(edits in mutations(), cut in any::<usize>()) {
        read("leaf_and_key.pem", &mutate(LEAF_AND_KEY, &edits, cut));
    }

    #[test]
    fn mutated_der_never_panics(edits in mutations(), cut in any::<usize>()) {
        read("edge.der", &mutate(ED25519_DER, &edits, cut));
        read("key.der", &mutate(ED25519_KEY_DER, &edits, cut));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        read("random.pem", &bytes);
        read("random.der", &bytes);
    }
}
