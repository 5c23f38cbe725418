//! JSON with comments, as VS Code and several agents write their settings: `//` and `/* */`
//! comments and trailing commas are blanked out so that a strict JSON parser reads the rest.
//!
//! Written here rather than taken from a crate: it is a single pass of a few lines, and blanking
//! (rather than removing) keeps every byte offset and line number, so parse errors still point at
//! the user's own line.

/// The text with comments and trailing commas replaced by spaces (newlines kept).
pub(crate) fn strip(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut in_string = false;
    // Index of the last comma outside strings and comments, while only blanks follow it.
    let mut pending_comma: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match (b, bytes.get(i + 1)) {
            (b'"', _) => {
                in_string = true;
                pending_comma = None;
            }
            (b'/', Some(b'/')) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            (b'/', Some(b'*')) => {
                let end = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |e| i + 2 + e + 2);
                for byte in &mut out[i..end] {
                    if *byte != b'\n' {
                        *byte = b' ';
                    }
                }
                i = end;
                continue;
            }
            (b',', _) => pending_comma = Some(i),
            (b'}' | b']', _) => {
                if let Some(comma) = pending_comma.take() {
                    out[comma] = b' ';
                }
            }
            (b, _) if b.is_ascii_whitespace() => {}
            _ => pending_comma = None,
        }
        i += 1;
    }
    // Only ASCII bytes were replaced, by ASCII spaces, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas_are_blanked_keeping_lines() {
        let text =
            "{\n  // a comment\n  \"a\": \"http://x\", /* block\n spans */ \"b\": [1, 2,],\n}\n";
        let stripped = strip(text);
        assert_eq!(stripped.lines().count(), text.lines().count());
        let value: serde_json::Value = serde_json::from_str(&stripped).unwrap();
        assert_eq!(value["a"], "http://x");
        assert_eq!(value["b"], serde_json::json!([1, 2]));
    }

    #[test]
    fn strings_keep_their_slashes_and_bad_input_does_not_panic() {
        let stripped = strip(r#"{"u": "a//b /* c */", "e": "q\"//"}"#);
        let value: serde_json::Value = serde_json::from_str(&stripped).unwrap();
        assert_eq!(value["u"], "a//b /* c */");
        assert_eq!(value["e"], "q\"//");
        for bad in ["/*", "\"", "{,}", "//", "é/*é"] {
            let _ = strip(bad);
        }
    }
}
