//! Redaction for display: a short type prefix (`ghp_`, `AKIA`, `sk_live_`) and, for long secrets,
//! the last few characters, stars between. Invariant: never more than a quarter of the secret shows.

/// Longest prefix considered a type marker rather than secret material.
const MAX_PREFIX: usize = 14;

/// A display form of `secret` that identifies its type without revealing it.
pub fn redact(secret: &[u8]) -> String {
    let len = secret.len();
    let budget = len / 4;
    let prefix_len = type_prefix_len(secret).min(budget);
    let suffix_len = match len {
        0..=15 => 0,
        16..=31 => 2,
        _ => 4,
    }
    .min(budget - prefix_len);
    // A one-character tail says little and looks like a typo: show two or none.
    let suffix_len = if suffix_len < 2 { 0 } else { suffix_len };
    let hidden = len - prefix_len - suffix_len;
    let mut out = String::with_capacity(prefix_len + suffix_len + 8);
    out.extend(secret[..prefix_len].iter().map(|&b| printable(b)));
    out.push_str(&"*".repeat(hidden.clamp(3, 8)));
    out.extend(secret[len - suffix_len..].iter().map(|&b| printable(b)));
    out
}

/// Length of the leading type marker: up to the last `_`, `-` or `.` within the first
/// `MAX_PREFIX` bytes when all before it are letters or digits, or a four-letter AWS key-id prefix.
fn type_prefix_len(secret: &[u8]) -> usize {
    let head = &secret[..secret.len().min(MAX_PREFIX)];
    let aws_like = secret.len() == 20
        && secret
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if aws_like {
        return 4;
    }
    let mut prefix = 0;
    for (i, &b) in head.iter().enumerate() {
        match b {
            b'_' | b'-' | b'.' if i > 0 => prefix = i + 1,
            b if b.is_ascii_alphanumeric() => {}
            _ => break,
        }
    }
    prefix
}

fn printable(b: u8) -> char {
    if b.is_ascii_graphic() {
        b as char
    } else {
        '?'
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(redacted: &str) -> usize {
        redacted.chars().filter(|&c| c != '*').count()
    }

    #[test]
    fn keeps_type_prefixes_and_a_short_tail() {
        let gh = "ghp_Zq8LmN3pR7sT1vW5xY9aB2cD4eF6gH0a1b2c";
        assert_eq!(redact(gh.as_bytes()), "ghp_********1b2c");
        assert_eq!(redact(b"AKIAQWERTYUIOPASDFGH"), "AKIA********");
        assert!(redact(b"sk_live_4eC39HqLyjWDarjtT1zdp7dcXYZ").starts_with("sk_live_"));
    }

    #[test]
    fn never_shows_more_than_a_quarter() {
        for secret in [
            "a",
            "short",
            "hunter2!",
            "glpat-abcdefghij",
            "xoxb-1-2",
            "sk-ant-api03-abc",
            "x".repeat(200).as_str(),
        ] {
            let redacted = redact(secret.as_bytes());
            assert!(
                shown(&redacted) * 4 <= secret.len(),
                "{secret} -> {redacted}"
            );
            assert!(redacted.contains("***"));
        }
        assert_eq!(redact(b""), "***");
    }
}
