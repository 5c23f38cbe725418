//! Grafana service-account tokens: `glsa_` + 32 alphanumerics + `_` + 8 hex digits, the last part
//! being the CRC32 (IEEE) of everything before the second underscore, little-endian, in hex.

const PREFIX: &[u8] = b"glsa_";

/// Whether a `glsa_` token carries a valid checksum.
pub(crate) fn has_valid_checksum(token: &[u8]) -> bool {
    let Some(split) = token.iter().rposition(|&b| b == b'_') else {
        return false;
    };
    let (body, checksum) = (&token[..split], &token[split + 1..]);
    if !body.starts_with(PREFIX) || checksum.len() != 8 {
        return false;
    }
    checksum_hex(body).eq_ignore_ascii_case(checksum)
}

fn checksum_hex(body: &[u8]) -> [u8; 8] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = crc32fast::hash(body).to_le_bytes();
    let mut out = [0u8; 8];
    for (i, byte) in bytes.iter().enumerate() {
        out[2 * i] = HEX[(byte >> 4) as usize];
        out[2 * i + 1] = HEX[(byte & 0xf) as usize];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checksum-valid token around a 32-character secret.
    fn grafana_token(secret: &str) -> String {
        let body = format!("glsa_{secret}");
        let sum = checksum_hex(body.as_bytes());
        format!("{body}_{}", std::str::from_utf8(&sum).unwrap())
    }

    #[test]
    fn accepts_valid_and_rejects_wrong_checksums() {
        let token = grafana_token("k3Jd9QmP2vXz7LwR4tYb8NcF6hGs1AeU");
        assert!(has_valid_checksum(token.as_bytes()));
        let wrong = format!("{}00000000", &token[..token.len() - 8]);
        assert!(!has_valid_checksum(wrong.as_bytes()));
        assert!(!has_valid_checksum(b"glsa_nounderscore"));
        assert!(!has_valid_checksum(b"_"));
    }
}
