//! GitHub Actions expressions (`${{ ... }}`) and what they read from the `secrets` context.
//!
//! Invariant: only names are extracted, never values; secret names are case-insensitive in GitHub
//! and come out uppercase. Scanning is linear and cannot fail: odd text reads as no reference.

use std::collections::BTreeSet;

/// The name the automatic token goes by in the `secrets` context.
pub(crate) const GITHUB_TOKEN: &str = "GITHUB_TOKEN";

/// The bodies of the `${{ ... }}` expressions in `text`; an unclosed one runs to the end.
pub(crate) fn expressions(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let body = &rest[start + 3..];
        let end = body.find("}}").unwrap_or(body.len());
        found.push(&body[..end]);
        rest = body.get(end + 2..).unwrap_or("");
    }
    found
}

/// What expressions read from the `secrets` context.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SecretReads {
    /// Secrets read by name, uppercase.
    pub names: BTreeSet<String>,
    /// The whole context is read (`toJSON(secrets)`, `secrets[matrix.name]`).
    pub whole: bool,
}

impl SecretReads {
    /// Add what the expression body `expr` reads.
    pub(crate) fn scan(&mut self, expr: &str) {
        let lower = expr.to_ascii_lowercase();
        if word_starts(&lower, "github.token").next().is_some() {
            self.names.insert(GITHUB_TOKEN.to_string());
        }
        for at in word_starts(&lower, "secrets") {
            match member(&expr[at + "secrets".len()..]) {
                Some(name) => {
                    self.names.insert(name.to_ascii_uppercase());
                }
                None => self.whole = true,
            }
        }
    }
}

/// Byte offsets where `word` occurs in `text` as a whole context name (not part of a longer name
/// nor a property of something else).
fn word_starts<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.match_indices(word)
        .map(|(at, _)| at)
        .filter(move |&at| {
            let before = text[..at].bytes().next_back();
            let after = text[at + word.len()..].bytes().next();
            !before.is_some_and(|b| is_name_byte(b) || b == b'.')
                && !after.is_some_and(is_name_byte)
        })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The member named right after a context: `.NAME` or `['NAME']`; `None` when the access is
/// dynamic or absent.
fn member(after: &str) -> Option<&str> {
    let after = after.trim_start();
    if let Some(rest) = after.strip_prefix('.') {
        let rest = rest.trim_start();
        let end = rest
            .bytes()
            .position(|b| !is_name_byte(b))
            .unwrap_or(rest.len());
        return Some(&rest[..end]).filter(|name| !name.is_empty());
    }
    let rest = after.strip_prefix('[')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let rest = &rest[1..];
    let end = rest.find(quote)?;
    Some(&rest[..end]).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(text: &str) -> SecretReads {
        let mut reads = SecretReads::default();
        expressions(text).into_iter().for_each(|e| reads.scan(e));
        reads
    }

    #[test]
    fn finds_named_and_whole_context_reads() {
        let r =
            reads("token=${{ secrets.npm_token }} and ${{secrets['AWS_KEY']}} ${{ github.token }}");
        let names: Vec<&str> = r.names.iter().map(String::as_str).collect();
        assert_eq!(names, ["AWS_KEY", "GITHUB_TOKEN", "NPM_TOKEN"]);
        assert!(!r.whole);
        assert!(reads("${{ toJSON(secrets) }}").whole);
        assert!(reads("${{ secrets[matrix.env] }}").whole);
    }

    #[test]
    fn ignores_look_alikes_and_survives_odd_text() {
        assert_eq!(
            reads("${{ inputs.secrets_file }} ${{ github.event.secrets }}"),
            SecretReads::default()
        );
        assert_eq!(
            reads("secrets.X outside an expression"),
            SecretReads::default()
        );
        assert_eq!(reads("${{ secrets.").names.len(), 0);
        assert!(
            reads("${{ secrets.").whole,
            "an unclosed access reads as dynamic"
        );
        assert_eq!(expressions("a ${{ b }} c ${{ d"), [" b ", " d"]);
    }
}
