//! Azure storage account keys: 88 base64 characters that decode to exactly 64 bytes.

use crate::decode::base64_decoded_len;

/// Whether `key` is base64 of 64 bytes.
pub(crate) fn is_storage_key(key: &[u8]) -> bool {
    base64_decoded_len(key) == Some(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_64_byte_keys_only() {
        let key = "q".repeat(86) + "==";
        assert!(is_storage_key(key.as_bytes()));
        assert!(!is_storage_key(&key.as_bytes()[4..]));
        assert!(!is_storage_key(b"not base64 at all!!"));
    }
}
