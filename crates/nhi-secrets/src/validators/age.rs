//! age secret keys: `AGE-SECRET-KEY-1` followed by Bech32 data whose six-character checksum
//! (BIP-173 polymod over the lowercased human-readable part and data) must verify.

const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATOR: [u32; 5] = [
    0x3b6a_57b2,
    0x2650_8e6d,
    0x1ea1_19fa,
    0x3d42_33dd,
    0x2a14_62b3,
];

/// Whether `key` is a Bech32 string with a valid checksum.
pub(crate) fn has_valid_checksum(key: &[u8]) -> bool {
    let Some(separator) = key.iter().rposition(|&b| b == b'1') else {
        return false;
    };
    let (hrp, data) = (&key[..separator], &key[separator + 1..]);
    if hrp.is_empty() || data.len() < 6 {
        return false;
    }
    let mut values = Vec::with_capacity(data.len());
    for &c in data {
        match CHARSET.iter().position(|&x| x == c.to_ascii_lowercase()) {
            Some(v) => values.push(v as u8),
            None => return false,
        }
    }
    polymod(&expand_hrp(hrp), &values) == 1
}

fn expand_hrp(hrp: &[u8]) -> Vec<u8> {
    let lower: Vec<u8> = hrp.iter().map(u8::to_ascii_lowercase).collect();
    let mut out: Vec<u8> = lower.iter().map(|c| c >> 5).collect();
    out.push(0);
    out.extend(lower.iter().map(|c| c & 31));
    out
}

fn polymod(hrp: &[u8], data: &[u8]) -> u32 {
    let mut chk: u32 = 1;
    for &value in hrp.iter().chain(data) {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(value);
        for (i, generator) in GENERATOR.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= generator;
            }
        }
    }
    chk
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes 5-bit `data` values as an uppercase age key with a valid checksum.
    fn encode_age_key(data: &[u8]) -> String {
        let hrp = b"age-secret-key-";
        let mut values = data.to_vec();
        values.extend_from_slice(&[0; 6]);
        let modulus = polymod(&expand_hrp(hrp), &values) ^ 1;
        let len = values.len();
        for i in 0..6 {
            values[len - 6 + i] = ((modulus >> (5 * (5 - i))) & 31) as u8;
        }
        let chars: String = values
            .iter()
            .map(|&v| CHARSET[v as usize] as char)
            .collect();
        format!("AGE-SECRET-KEY-1{}", chars.to_uppercase())
    }

    #[test]
    fn accepts_valid_and_rejects_altered_keys() {
        let data: Vec<u8> = (0..52).map(|i| (i * 7 % 32) as u8).collect();
        let key = encode_age_key(&data);
        assert!(has_valid_checksum(key.as_bytes()));
        let mut altered = key.into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'Q' { b'P' } else { b'Q' };
        assert!(!has_valid_checksum(&altered));
        assert!(!has_valid_checksum(b"AGE-SECRET-KEY-1!!!!!!!!"));
    }
}
