//! Keyed fingerprints: the same secret gives the same fingerprint within one store, so it can be
//! linked across places, yet the store never holds anything from which the secret can be recovered
//! or checked by someone without the key.

/// Length in bytes of a fingerprint key.
pub const FINGERPRINT_KEY_LEN: usize = 32;

/// Computes keyed BLAKE3 fingerprints of secret material.
#[derive(Clone)]
pub struct Fingerprinter {
    key: [u8; FINGERPRINT_KEY_LEN],
}

impl Fingerprinter {
    /// A fingerprinter with the given key (normally the random per-store key).
    pub fn new(key: [u8; FINGERPRINT_KEY_LEN]) -> Self {
        Fingerprinter { key }
    }

    /// The keyed fingerprint of `secret`: `fp1:` followed by 32 hex digits.
    pub fn fingerprint(&self, secret: &[u8]) -> String {
        let hash = blake3::keyed_hash(&self.key, secret);
        format!("fp1:{}", hex::encode(&hash.as_bytes()[..16]))
    }
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is a secret too: never print it.
        f.write_str("Fingerprinter { key: <redacted> }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_secret_same_key_links_and_other_key_does_not() {
        let a = Fingerprinter::new([1; 32]);
        let b = Fingerprinter::new([2; 32]);
        assert_eq!(a.fingerprint(b"s3cret"), a.fingerprint(b"s3cret"));
        assert_ne!(a.fingerprint(b"s3cret"), a.fingerprint(b"s3cret!"));
        assert_ne!(a.fingerprint(b"s3cret"), b.fingerprint(b"s3cret"));
        assert!(!format!("{a:?}").contains('1'));
    }
}
