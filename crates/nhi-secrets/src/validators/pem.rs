//! PEM private keys: the armoured body must decode as base64 and parse as what the label says:
//! a DER SEQUENCE spanning the whole body (PKCS#1, SEC1, PKCS#8, DSA), an `openssh-key-v1`
//! blob, or OpenPGP packets. Header lines (`Proc-Type`, `DEK-Info`) and escaped newlines are skipped.

use super::Verdict;
use crate::decode::decode_base64;

const OPENSSH_MAGIC: &[u8] = b"openssh-key-v1\0";

/// Checks the structure of a PEM private-key block (armour lines included).
pub(crate) fn check(block: &[u8]) -> Verdict {
    let Some(label) = label(block) else {
        return Verdict::invalid();
    };
    let body = armoured_body(block);
    let mut der = Vec::with_capacity(body.len() * 3 / 4);
    if !decode_base64(&body, &mut der) {
        return Verdict::invalid();
    }
    let encrypted = contains(block, b"ENCRYPTED");
    let structure_ok = if label.contains("OPENSSH") {
        der.starts_with(OPENSSH_MAGIC)
    } else if label.contains("PGP") {
        der.first().is_some_and(|tag| tag & 0x80 != 0)
    } else {
        is_der_sequence(&der)
    };
    let verdict = Verdict::from_check(structure_ok);
    if structure_ok && (encrypted || openssh_encrypted(&der)) {
        verdict.with_note("encrypted with a passphrase".into())
    } else {
        verdict
    }
}

/// The label between `-----BEGIN ` and `-----`.
fn label(block: &[u8]) -> Option<String> {
    let start = find(block, b"BEGIN ")? + 6;
    let len = find(&block[start..], b"-----")?;
    Some(String::from_utf8_lossy(&block[start..start + len]).into_owned())
}

/// Base64 characters of the body: between the armour lines, minus header lines, whitespace and
/// literal `\n` escapes (keys pasted into JSON strings), minus the OpenPGP `=CRC` line.
fn armoured_body(block: &[u8]) -> Vec<u8> {
    let unescaped: Vec<u8> = replace_escaped_newlines(block);
    let mut body = Vec::with_capacity(unescaped.len());
    for line in unescaped.split(|&b| b == b'\n') {
        let line = trim(line);
        let is_armour = line.starts_with(b"-----");
        let is_header = line.contains(&b':');
        let is_pgp_crc = line.len() == 5 && line[0] == b'=';
        if !(is_armour || is_header || is_pgp_crc) {
            body.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        }
    }
    body
}

fn replace_escaped_newlines(block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len());
    let mut i = 0;
    while i < block.len() {
        if block[i] == b'\\' && block.get(i + 1) == Some(&b'n') {
            out.push(b'\n');
            i += 2;
        } else {
            out.push(block[i]);
            i += 1;
        }
    }
    out
}

/// Whether `der` is one DER SEQUENCE whose length covers exactly the whole input.
fn is_der_sequence(der: &[u8]) -> bool {
    if der.len() < 2 || der[0] != 0x30 {
        return false;
    }
    let (len, header) = match der[1] {
        short if short < 0x80 => (usize::from(short), 2),
        long => {
            let count = usize::from(long & 0x7f);
            if count == 0 || count > 4 || der.len() < 2 + count {
                return false;
            }
            let len = der[2..2 + count]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, 2 + count)
        }
    };
    header + len == der.len()
}

/// An OpenSSH key is encrypted when its cipher name (after the magic) is not `none`.
fn openssh_encrypted(der: &[u8]) -> bool {
    let Some(rest) = der.strip_prefix(OPENSSH_MAGIC) else {
        return false;
    };
    let Some(len_bytes) = rest.get(..4) else {
        return false;
    };
    let len = u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]) as usize;
    rest.get(4..4 + len).is_some_and(|cipher| cipher != b"none")
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &line[start..end]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validators::Validation;

    fn block(label: &str, der: &[u8]) -> String {
        let body = crate::decode::tests::encode_base64(der);
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----")
    }

    #[test]
    fn accepts_a_der_sequence_and_rejects_garbage() {
        let mut der = vec![0x30, 0x81, 40];
        der.extend(std::iter::repeat_n(0x02, 40));
        assert_eq!(
            check(block("RSA PRIVATE KEY", &der).as_bytes()).validation,
            Validation::Valid
        );
        assert_eq!(
            check(block("RSA PRIVATE KEY", b"not der").as_bytes()).validation,
            Validation::Invalid
        );
        der.pop();
        assert_eq!(
            check(block("PRIVATE KEY", &der).as_bytes()).validation,
            Validation::Invalid
        );
        assert_eq!(check(b"-----BEGIN").validation, Validation::Invalid);
    }

    #[test]
    fn understands_openssh_and_escaped_newlines() {
        let mut blob = OPENSSH_MAGIC.to_vec();
        blob.extend_from_slice(&[0, 0, 0, 10]);
        blob.extend_from_slice(b"aes256-ctr");
        let text = block("OPENSSH PRIVATE KEY", &blob).replace('\n', "\\n");
        let verdict = check(text.as_bytes());
        assert_eq!(verdict.validation, Validation::Valid);
        assert_eq!(verdict.notes.len(), 1);
    }

    #[test]
    fn der_lengths_must_be_consistent() {
        assert!(is_der_sequence(&[0x30, 0x00]));
        assert!(!is_der_sequence(&[0x30, 0x85, 1, 1, 1, 1, 1]));
        assert!(!is_der_sequence(&[0x30, 0x82, 0x01]));
    }
}
