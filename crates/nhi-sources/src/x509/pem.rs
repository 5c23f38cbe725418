//! PEM block scanner shared by the x509 and ssh sources: finds `-----BEGIN <LABEL>-----` lines,
//! their RFC 1421 headers and base64 bodies, with the 1-based line of each BEGIN.
//!
//! Invariants: works on raw bytes (a binary file yields no blocks, never a panic); a BEGIN line is
//! a whole trimmed line (markers quoted inside source code are not blocks), so indented PEM in YAML
//! is found; a block without its END line is reported as truncated and scanning resumes at the next
//! BEGIN.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";

/// Standard base64 that accepts bodies with or without `=` padding.
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Whether the bytes hold something that may start a PEM block (cheap pre-check).
pub(crate) fn has_marker(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, BEGIN).is_some()
}

/// Why a PEM block cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PemError {
    #[error("PEM block '{0}' has no END line (truncated)")]
    Truncated(String),
    #[error("PEM block '{label}' ends with a mismatched END '{end}'")]
    MismatchedEnd { label: String, end: String },
    #[error("PEM block '{label}' has invalid base64 on line {line}")]
    BadBase64 { label: String, line: u32 },
}

/// One PEM block as found in a file.
#[derive(Debug)]
pub(crate) struct PemBlock<'a> {
    /// The label between `BEGIN` and the dashes, e.g. `CERTIFICATE`.
    pub label: String,
    /// 1-based line of the BEGIN line.
    pub line: u32,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), name and value trimmed.
    pub headers: Vec<(String, String)>,
    /// Body lines (trimmed) with their 1-based line numbers.
    body: Vec<(u32, &'a [u8])>,
    /// Set when the block is malformed (no END, wrong END).
    defect: Option<PemError>,
}

impl PemBlock<'_> {
    /// The decoded body (DER for most labels), or why it cannot be had.
    pub fn decode(&self) -> Result<Vec<u8>, PemError> {
        if let Some(defect) = &self.defect {
            return Err(defect.clone());
        }
        for (line, text) in &self.body {
            if !text
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            {
                return Err(self.bad_base64(*line));
            }
        }
        let joined: Vec<u8> = self
            .body
            .iter()
            .flat_map(|(_, text)| text.iter().copied())
            .collect();
        BASE64
            .decode(&joined)
            .map_err(|_| self.bad_base64(self.body.last().map_or(self.line, |(line, _)| *line)))
    }

    /// Whether an RFC 1421 `Proc-Type: 4,ENCRYPTED` header marks the body as encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case("Proc-Type") && value.contains("ENCRYPTED")
        })
    }

    fn bad_base64(&self, line: u32) -> PemError {
        PemError::BadBase64 {
            label: self.label.clone(),
            line,
        }
    }
}

/// Every PEM block in `bytes`, in file order.
pub(crate) fn blocks(bytes: &[u8]) -> Vec<PemBlock<'_>> {
    let lines: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.trim_ascii())
        .collect();
    let mut found = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        match begin_label(lines[index]) {
            Some(label) => {
                let (block, next) = read_block(&lines, index, label);
                found.push(block);
                index = next;
            }
            None => index += 1,
        }
    }
    found
}

/// Read the block whose BEGIN is at `start`; returns it and the index to resume scanning at.
fn read_block<'a>(lines: &[&'a [u8]], start: usize, label: String) -> (PemBlock<'a>, usize) {
    let mut block = PemBlock {
        label,
        line: line_number(start),
        headers: Vec::new(),
        body: Vec::new(),
        defect: None,
    };
    let mut index = start + 1;
    while index < lines.len() {
        let text = lines[index];
        if let Some(end) = end_label(text) {
            if end != block.label {
                block.defect = Some(PemError::MismatchedEnd {
                    label: block.label.clone(),
                    end,
                });
            }
            return (block, index + 1);
        }
        if begin_label(text).is_some() {
            break; // a new block starts: this one is truncated, and the new one is read next
        }
        if !text.is_empty() {
            match header(text) {
                Some(pair) if block.body.is_empty() => block.headers.push(pair),
                _ => block.body.push((line_number(index), text)),
            }
        }
        index += 1;
    }
    block.defect = Some(PemError::Truncated(block.label.clone()));
    (block, index)
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// `-----BEGIN X-----` as a whole line gives `X`.
fn begin_label(line: &[u8]) -> Option<String> {
    let label = line.strip_prefix(BEGIN)?.strip_suffix(DASHES)?;
    valid_label(label)
}

/// `-----END X-----`, possibly followed by junk (a closing quote in source code), gives `X`.
fn end_label(line: &[u8]) -> Option<String> {
    let rest = line.strip_prefix(END)?;
    let close = memchr::memmem::find(rest, DASHES)?;
    valid_label(&rest[..close])
}

fn valid_label(label: &[u8]) -> Option<String> {
    let ok = !label.is_empty()
        && label.len() <= 64
        && label
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b" -_#".contains(b));
    ok.then(|| String::from_utf8_lossy(label).into_owned())
}

/// `Name: value` before the body (RFC 1421 encapsulated headers).
fn header(line: &[u8]) -> Option<(String, String)> {
    let colon = line.iter().position(|b| *b == b':')?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-') {
        return None;
    }
    Some((
        String::from_utf8_lossy(name).into_owned(),
        String::from_utf8_lossy(value.trim_ascii()).into_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TWO_BLOCKS: &str =
        "junk\n  -----BEGIN CERTIFICATE-----\n  TWFu\n  -----END CERTIFICATE-----\r\n\
        -----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nTWE=\n\
        -----END RSA PRIVATE KEY-----\n";

    #[test]
    fn finds_indented_blocks_with_lines_and_headers() {
        let found = blocks(TWO_BLOCKS.as_bytes());
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].label.as_str(), found[0].line), ("CERTIFICATE", 2));
        assert_eq!(found[0].decode().unwrap(), b"Man");
        assert!(!found[0].is_encrypted());
        assert_eq!(
            (found[1].label.as_str(), found[1].line),
            ("RSA PRIVATE KEY", 5)
        );
        assert!(found[1].is_encrypted());
        assert_eq!(found[1].headers.len(), 2);
        assert_eq!(found[1].decode().unwrap(), b"Ma");
    }

    #[test]
    fn truncated_block_is_reported_and_the_next_block_still_read() {
        let text = "-----BEGIN CERTIFICATE-----\nTWFu\n-----BEGIN PUBLIC KEY-----\nTWFu\n-----END PUBLIC KEY-----\n";
        let found = blocks(text.as_bytes());
        assert_eq!(
            found[0].decode(),
            Err(PemError::Truncated("CERTIFICATE".into()))
        );
        assert_eq!(found[1].line, 3);
        assert!(found[1].decode().is_ok());
    }

    #[test]
    fn bad_base64_names_its_line_and_quoted_markers_are_not_blocks() {
        let text = "-----BEGIN CERTIFICATE-----\nTWFu\nTW$u\n-----END CERTIFICATE-----\n";
        let err = blocks(text.as_bytes())[0].decode().unwrap_err();
        assert_eq!(
            err.to_string(),
            "PEM block 'CERTIFICATE' has invalid base64 on line 3"
        );
        assert!(blocks(b"let s = \"-----BEGIN CERTIFICATE-----\";\n").is_empty());
        let mismatched = "-----BEGIN CERTIFICATE-----\nTWFu\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            blocks(mismatched.as_bytes())[0].decode(),
            Err(PemError::MismatchedEnd { .. })
        ));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            for block in blocks(&bytes) {
                let _ = block.decode();
            }
        }

        #[test]
        fn random_text_around_markers_never_panics(parts in proptest::collection::vec(
            prop_oneof![
                Just("-----BEGIN CERTIFICATE-----\n".to_string()),
                Just("-----END CERTIFICATE-----\n".to_string()),
                Just("Proc-Type: 4,ENCRYPTED\n".to_string()),
                "[A-Za-z0-9+/=: \n-]{0,40}",
            ], 0..20)) {
            let text = parts.concat();
            for block in blocks(text.as_bytes()) {
                let _ = block.decode();
            }
        }
    }
}
