//! What the sources of cloud CLI exports (`gcloud ... --format=json`, `az ...`) share: recognition
//! by the first bytes of a file, parsing into typed records with errors that name the file and
//! line, the line of each record for its location, and times that are read leniently.
//!
//! Invariants: recognition looks at most at the first [`SNIFF_WINDOW`] bytes; a file that cannot be
//! parsed gives exactly one error; UTF-16 output (PowerShell's `>` redirection) reads like UTF-8.

use crate::{SourceContext, SourceError, SourceFile};
use memchr::memmem;
use nhi_model::{Location, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use std::borrow::Cow;

/// How far into a file recognition looks for its markers: past the first record of any listing
/// (Microsoft Graph's own service principal, with its hundreds of app roles, is some 300 KB).
const SNIFF_WINDOW: usize = 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether the file starts like a JSON document and its first bytes hold every marker.
pub(crate) fn looks_like(file: &SourceFile, markers: &[&str]) -> bool {
    let window = &file.bytes[..file.bytes.len().min(SNIFF_WINDOW)];
    let text = match decode(window) {
        Some(text) => text,
        None => return false,
    };
    matches!(first_byte(&text), Some(b'{' | b'['))
        && markers
            .iter()
            .all(|m| memmem::find(&text, m.as_bytes()).is_some())
}

/// The file's text as UTF-8: a byte-order mark is dropped, UTF-16 is converted. `None` when a
/// UTF-16 file does not decode (an odd length is tolerated: the sniff window may cut a unit).
fn decode(bytes: &[u8]) -> Option<Cow<'_, [u8]>> {
    let utf16 = |units: Vec<u16>| {
        String::from_utf16(&units)
            .ok()
            .map(|s| Cow::Owned(s.into_bytes()))
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(
            rest.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        )
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(
            rest.chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect(),
        )
    } else {
        Some(Cow::Borrowed(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)))
    }
}

fn first_byte(text: &[u8]) -> Option<u8> {
    text.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// One export file being read: its path, its text and what it is, for messages.
pub(crate) struct Export<'a> {
    path: &'a str,
    text: Cow<'a, [u8]>,
    what: &'static str,
}

impl<'a> Export<'a> {
    /// The export in `file`; `what` names it in messages, e.g. `"gcloud service account list"`.
    pub(crate) fn new(file: &SourceFile<'a>, what: &'static str) -> Result<Self, SourceError> {
        let text = decode(file.bytes).ok_or_else(|| {
            SourceError::new(file.path, None, format!("{what}: not valid UTF-16 text"))
        })?;
        Ok(Export {
            path: file.path,
            text,
            what,
        })
    }

    /// Whether the document is a JSON array (rather than an object).
    pub(crate) fn is_array(&self) -> bool {
        first_byte(&self.text) == Some(b'[')
    }

    /// Parse the whole document as `T`; unknown fields are ignored by the record types.
    pub(crate) fn parse<T: DeserializeOwned>(&self) -> Result<T, SourceError> {
        serde_json::from_slice(&self.text).map_err(|err| self.parse_error(&err))
    }

    fn parse_error(&self, err: &serde_json::Error) -> SourceError {
        let line = u32::try_from(err.line()).ok().filter(|&l| l > 0);
        let what = self.what;
        // serde_json appends " at line L column C"; the line travels in the error itself.
        let full = err.to_string();
        let bare = full
            .rfind(" at line ")
            .map_or(full.as_str(), |at| &full[..at]);
        let message = match err.classify() {
            Category::Eof => {
                format!("truncated JSON: the {what} ends before the document is complete")
            }
            Category::Syntax => format!("invalid JSON in {what}: {bare}"),
            Category::Data => format!("unexpected content in {what}: {bare}"),
            Category::Io => format!("cannot read {what}: {bare}"),
        };
        SourceError::new(self.path, line, message)
    }

    /// An error about this file at `line`.
    pub(crate) fn error(&self, line: Option<u32>, message: impl Into<String>) -> SourceError {
        SourceError::new(
            self.path,
            line,
            format!("{}: {}", self.what, message.into()),
        )
    }

    /// A location in this file at `line`, in `account` (project, subscription) when known.
    pub(crate) fn location(&self, line: Option<u32>, account: Option<String>) -> Location {
        Location {
            account,
            ..Location::file(self.path, line)
        }
    }

    /// A cursor that finds the lines of records in document order.
    pub(crate) fn lines(&self) -> LineCursor<'_> {
        LineCursor {
            text: &self.text,
            offset: 0,
            line: 1,
        }
    }

    /// An RFC 3339 time; a malformed one is reported in `errors` and read as unknown.
    pub(crate) fn time(
        &self,
        value: Option<&str>,
        field: &str,
        line: Option<u32>,
        errors: &mut Vec<SourceError>,
    ) -> Option<Timestamp> {
        let value = value.filter(|v| !v.is_empty())?;
        match chrono::DateTime::parse_from_rfc3339(value) {
            Ok(time) => Some(time.to_utc()),
            Err(err) => {
                errors.push(self.error(
                    line,
                    format!("{field} {value:?} is not an RFC 3339 time ({err})"),
                ));
                None
            }
        }
    }
}

/// Finds the line of each record's key value. Records come in document order, so the search
/// starts where the previous one ended and the whole file is counted once; a value that is not
/// ahead (fields in an unexpected order) is looked up from the start instead.
pub(crate) struct LineCursor<'a> {
    text: &'a [u8],
    offset: usize,
    line: u32,
}

impl LineCursor<'_> {
    /// The 1-based line of the next occurrence of the JSON string `value` (quoted), moving past it.
    pub(crate) fn seek(&mut self, value: &str) -> Option<u32> {
        let needle = format!("\"{value}\"");
        if let Some(found) = memmem::find(&self.text[self.offset..], needle.as_bytes()) {
            let end = self.offset + found;
            self.line += count_lines(&self.text[self.offset..end]);
            self.offset = end;
            return Some(self.line);
        }
        memmem::find(self.text, needle.as_bytes()).map(|at| 1 + count_lines(&self.text[..at]))
    }

    /// The 1-based line of the next object key `key` (`"key":`) ahead of the cursor, which stays
    /// where it is: where a record's field sits, below the record's own line.
    pub(crate) fn ahead(&self, key: &str) -> Option<u32> {
        let needle = format!("\"{key}\"");
        let rest = &self.text[self.offset..];
        memmem::find_iter(rest, needle.as_bytes())
            .find(|&at| {
                rest[at + needle.len()..]
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    == Some(&b':')
            })
            .map(|at| self.line + count_lines(&rest[..at]))
    }
}

fn count_lines(bytes: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX)
}

/// The fingerprint of a credential known only by its public id (a key id, a secret's key id):
/// listings never show the secret, and hashing the id gives every sighting the same fingerprint.
pub(crate) fn id_fingerprint(ctx: &SourceContext, id: &str) -> String {
    ctx.fingerprinter.fingerprint(id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(path: &'a str, bytes: &'a [u8]) -> SourceFile<'a> {
        SourceFile { path, bytes }
    }

    #[test]
    fn recognises_markers_in_utf8_and_utf16() {
        let json = "\u{feff}  [{\"appId\": \"x\"}]";
        assert!(looks_like(&file("a.json", json.as_bytes()), &["\"appId\""]));
        assert!(!looks_like(&file("a.json", b"appId: x"), &["appId"]));
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("[{\"appId\": 1}]".encode_utf16().flat_map(u16::to_le_bytes));
        let f = file("a.json", &utf16);
        assert!(looks_like(&f, &["\"appId\""]));
        let export = Export::new(&f, "test").unwrap();
        assert!(export.is_array());
        let parsed: serde_json::Value = export.parse().unwrap();
        assert_eq!(parsed[0]["appId"], 1);
    }

    #[test]
    fn truncated_and_mistyped_documents_give_one_error_with_file_and_line() {
        let f = file("dir/list.json", b"[\n  {\"a\": 1},\n  {\"a\": ");
        let err = Export::new(&f, "test export")
            .unwrap()
            .parse::<serde_json::Value>()
            .unwrap_err();
        assert_eq!(err.path, "dir/list.json");
        assert_eq!(err.line, Some(3));
        assert!(err.message.starts_with("truncated JSON"), "{}", err.message);
        assert!(!err.message.contains("at line"), "{}", err.message);

        let f = file("x.json", b"[\n{\"a\": \"not a number\"}]");
        let err = Export::new(&f, "test export")
            .unwrap()
            .parse::<Vec<std::collections::HashMap<String, u32>>>()
            .unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.message.contains("unexpected content in test export"),
            "{}",
            err.message
        );
    }

    #[test]
    fn cursor_finds_lines_in_order_and_falls_back_to_the_start() {
        let text = b"[\n{\"id\": \"a\"},\n{\"id\": \"b\"},\n{\"id\": \"a2\"}]";
        let f = file("x.json", text);
        let export = Export::new(&f, "t").unwrap();
        let mut lines = export.lines();
        assert_eq!(lines.seek("b"), Some(3));
        assert_eq!(lines.seek("a2"), Some(4));
        assert_eq!(
            lines.seek("a"),
            Some(2),
            "behind the cursor: found from the start"
        );
        assert_eq!(lines.seek("zzz"), None);
    }

    #[test]
    fn bad_times_are_reported_not_fatal() {
        let f = file("x.json", b"{}");
        let export = Export::new(&f, "t").unwrap();
        let mut errors = Vec::new();
        assert!(export
            .time(
                Some("2024-02-30T00:00:00Z"),
                "endDateTime",
                Some(4),
                &mut errors
            )
            .is_none());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(4));
        let t = export.time(
            Some("9999-12-31T23:59:59Z"),
            "validBeforeTime",
            None,
            &mut errors,
        );
        assert_eq!(t.map(|t| t.timestamp()), Some(253_402_300_799));
    }
}
