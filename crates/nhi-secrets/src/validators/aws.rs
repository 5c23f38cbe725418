//! AWS access key ids (`AKIA...`, `ASIA...`): the 16 characters after the four-character prefix
//! are RFC 4648 base32; bits 1..=40 of the decoded value are the owning account id.

use super::Verdict;

const ACCOUNT_MASK: u64 = 0x7fff_ffff_ff80;

/// Decodes the account id of an access key id; invalid when the body is not base32.
pub(crate) fn check_access_key_id(key_id: &[u8]) -> Verdict {
    match account_id(key_id) {
        Some(account) => Verdict::valid().with_note(format!("aws account {account:012}")),
        None => Verdict::invalid(),
    }
}

fn account_id(key_id: &[u8]) -> Option<u64> {
    if key_id.len() != 20 {
        return None;
    }
    // Ten base32 characters hold 50 bits: enough for the leading 48 that carry the account.
    let mut bits: u64 = 0;
    for &c in &key_id[4..14] {
        bits = (bits << 5) | u64::from(base32_value(c)?);
    }
    if key_id[14..].iter().any(|&c| base32_value(c).is_none()) {
        return None;
    }
    let first_six_bytes = bits >> 2;
    Some((first_six_bytes & ACCOUNT_MASK) >> 7)
}

fn base32_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validators::Validation;

    /// Builds a key id whose body encodes `account` (the inverse of `account_id`).
    fn key_id_for(account: u64) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let bits = ((account << 7) | 0x8000_0000_0000 | 0x15) << 2;
        let mut body: Vec<u8> = (0..10)
            .rev()
            .map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize])
            .collect();
        body.extend_from_slice(b"QRST2Z");
        format!("AKIA{}", String::from_utf8(body).unwrap())
    }

    #[test]
    fn decodes_the_account_id() {
        let key = key_id_for(123_456_789_012);
        let verdict = check_access_key_id(key.as_bytes());
        assert_eq!(verdict.validation, Validation::Valid);
        assert_eq!(verdict.notes, vec!["aws account 123456789012".to_string()]);
    }

    #[test]
    fn rejects_non_base32_bodies() {
        assert_eq!(
            check_access_key_id(b"AKIA1234567890ABCDEF").validation,
            Validation::Invalid
        );
        assert_eq!(check_access_key_id(b"AKIA").validation, Validation::Invalid);
    }
}
