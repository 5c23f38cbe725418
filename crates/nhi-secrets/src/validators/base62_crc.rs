//! The checksum of GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens:
//! a four-byte prefix, 30 random base62 characters, then the CRC32 of those 30 characters in
//! base62 (`0-9A-Za-z`), left-padded with `0` to six characters.

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX_LEN: usize = 4;
const RANDOM_LEN: usize = 30;
const CHECKSUM_LEN: usize = 6;

/// Whether `token` (prefix included) carries a valid base62 CRC32 checksum.
pub(crate) fn has_valid_checksum(token: &[u8]) -> bool {
    if token.len() != PREFIX_LEN + RANDOM_LEN + CHECKSUM_LEN {
        return false;
    }
    let random = &token[PREFIX_LEN..PREFIX_LEN + RANDOM_LEN];
    let expected = base62_checksum(crc32fast::hash(random));
    token[PREFIX_LEN + RANDOM_LEN..] == expected
}

fn base62_checksum(mut value: u32) -> [u8; CHECKSUM_LEN] {
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `prefix` + `random` (30 chars) + its checksum.
    fn with_checksum(prefix: &str, random: &str) -> String {
        let sum = base62_checksum(crc32fast::hash(random.as_bytes()));
        format!("{prefix}{random}{}", std::str::from_utf8(&sum).unwrap())
    }

    #[test]
    fn accepts_valid_and_rejects_altered_tokens() {
        let token = with_checksum("ghp_", "Zq8LmN3pR7sT1vW5xY9aB2cD4eF6gH");
        assert!(has_valid_checksum(token.as_bytes()));
        let mut altered = token.into_bytes();
        altered[10] = if altered[10] == b'a' { b'b' } else { b'a' };
        assert!(!has_valid_checksum(&altered));
        assert!(!has_valid_checksum(b"ghp_short"));
    }

    #[test]
    fn zero_pads_small_checksums() {
        assert_eq!(&base62_checksum(0), b"000000");
        assert_eq!(&base62_checksum(61), b"00000z");
    }
}
