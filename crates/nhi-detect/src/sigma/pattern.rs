//! Sigma string values: text with `*` and `?` wildcards and backslash escapes, and the matcher
//! they compile to. Matching is case-insensitive unless `cased`; case folding is per character
//! ([`fold`]) on both sides, so a pattern and the value it is compared with always fold alike.

use std::borrow::Cow;

/// One piece of a Sigma string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    /// `*`: any run of characters, possibly empty.
    AnyRun,
    /// `?`: exactly one character.
    AnyChar,
}

/// A parsed Sigma string value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SigmaString(Vec<Piece>);

impl SigmaString {
    /// Parses a rule value: `*` and `?` are wildcards; `\*`, `\?` and `\\` are the plain
    /// characters; a backslash before anything else is a plain backslash.
    pub(crate) fn parse(raw: &str) -> Self {
        let mut value = SigmaString::default();
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => value.push(Piece::AnyRun),
                '?' => value.push(Piece::AnyChar),
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        chars.next();
                        value.push_char(next);
                    }
                    _ => value.push_char('\\'),
                },
                other => value.push_char(other),
            }
        }
        value
    }

    /// A value taken literally, wildcards and all (encoded values, field references).
    pub(crate) fn plain(text: &str) -> Self {
        let mut value = SigmaString::default();
        if !text.is_empty() {
            value.0.push(Piece::Text(text.to_string()));
        }
        value
    }

    pub(crate) fn pieces(&self) -> &[Piece] {
        &self.0
    }

    /// The text when the value holds no wildcard.
    pub(crate) fn as_plain(&self) -> Option<String> {
        let mut text = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(part) => text.push_str(part),
                Piece::AnyRun | Piece::AnyChar => return None,
            }
        }
        Some(text)
    }

    /// Adds a `*` before and/or after (the `contains`, `startswith` and `endswith` modifiers).
    pub(crate) fn wrapped(self, before: bool, after: bool) -> Self {
        let mut value = SigmaString::default();
        if before {
            value.push(Piece::AnyRun);
        }
        self.0.into_iter().for_each(|piece| value.push(piece));
        if after {
            value.push(Piece::AnyRun);
        }
        value
    }

    /// Builds a value from pieces, merging neighbours.
    pub(crate) fn from_pieces(pieces: impl IntoIterator<Item = Piece>) -> Self {
        let mut value = SigmaString::default();
        pieces.into_iter().for_each(|piece| value.push(piece));
        value
    }

    fn push_char(&mut self, c: char) {
        match self.0.last_mut() {
            Some(Piece::Text(text)) => text.push(c),
            _ => self.0.push(Piece::Text(c.to_string())),
        }
    }

    fn push(&mut self, piece: Piece) {
        match (self.0.last_mut(), piece) {
            (Some(Piece::AnyRun), Piece::AnyRun) => {}
            (Some(Piece::Text(text)), Piece::Text(more)) => text.push_str(&more),
            (_, Piece::Text(more)) if more.is_empty() => {}
            (_, piece) => self.0.push(piece),
        }
    }
}

/// Folds one character for case-insensitive comparison.
pub(crate) fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// Folds a whole string the way [`fold`] does, borrowing when nothing changes.
pub(crate) fn fold_text(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| fold(c) == c) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().map(fold).collect())
    }
}

/// Calls `with` on `text` folded as [`fold_text`] folds it; short ASCII text is folded on the
/// stack, so looking a field's value up among folded keys allocates nothing.
pub(crate) fn with_folded<R>(text: &str, with: impl FnOnce(&str) -> R) -> R {
    const SHORT: usize = 128;
    let mut buffer = [0u8; SHORT];
    if let Some(folded) = buffer.get_mut(..text.len()).filter(|_| text.is_ascii()) {
        folded.copy_from_slice(text.as_bytes());
        folded.make_ascii_lowercase();
        if let Ok(folded) = std::str::from_utf8(folded) {
            return with(folded);
        }
    }
    with(&fold_text(text))
}

/// A compiled string matcher.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    shape: Shape,
    cased: bool,
}

#[derive(Debug, Clone)]
enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    /// Anything with inner wildcards; `Piece::Text` holds folded text unless cased.
    Glob(Vec<Piece>),
}

impl Pattern {
    pub(crate) fn new(value: &SigmaString, cased: bool) -> Self {
        let norm = |text: &str| {
            if cased {
                text.to_string()
            } else {
                fold_text(text).into_owned()
            }
        };
        let shape = match value.pieces() {
            [] => Shape::Exact(String::new()),
            [Piece::Text(text)] => Shape::Exact(norm(text)),
            [Piece::Text(text), Piece::AnyRun] => Shape::Prefix(norm(text)),
            [Piece::AnyRun, Piece::Text(text)] => Shape::Suffix(norm(text)),
            [Piece::AnyRun, Piece::Text(text), Piece::AnyRun] => Shape::Contains(norm(text)),
            [Piece::AnyRun] => Shape::Prefix(String::new()),
            pieces => Shape::Glob(
                pieces
                    .iter()
                    .map(|piece| match piece {
                        Piece::Text(text) => Piece::Text(norm(text)),
                        other => other.clone(),
                    })
                    .collect(),
            ),
        };
        Pattern { shape, cased }
    }

    /// The exact text this pattern requires (folded unless cased), when it has no wildcard.
    pub(crate) fn exact_text(&self) -> Option<&str> {
        match &self.shape {
            Shape::Exact(text) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        if !self.cased && !text.is_ascii() {
            return self.match_folded(&fold_text(text));
        }
        let ascii_fold = !self.cased;
        let eq = |a: &[u8], b: &[u8]| {
            if ascii_fold {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let (bytes, n) = (text.as_bytes(), text.len());
        match &self.shape {
            Shape::Exact(p) => n == p.len() && eq(bytes, p.as_bytes()),
            Shape::Prefix(p) => n >= p.len() && eq(&bytes[..p.len()], p.as_bytes()),
            Shape::Suffix(p) => n >= p.len() && eq(&bytes[n - p.len()..], p.as_bytes()),
            Shape::Contains(p) => {
                p.is_empty() || bytes.windows(p.len()).any(|w| eq(w, p.as_bytes()))
            }
            Shape::Glob(pieces) => {
                let chars: Vec<char> = if ascii_fold {
                    text.chars().map(fold).collect()
                } else {
                    text.chars().collect()
                };
                glob_match(pieces, &chars)
            }
        }
    }

    /// Matching on text that is already folded (or on any text when cased).
    fn match_folded(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Exact(p) => text == p,
            Shape::Prefix(p) => text.starts_with(p.as_str()),
            Shape::Suffix(p) => text.ends_with(p.as_str()),
            Shape::Contains(p) => text.contains(p.as_str()),
            Shape::Glob(pieces) => glob_match(pieces, &text.chars().collect::<Vec<_>>()),
        }
    }
}

/// Wildcard matching with single-star backtracking: linear in practice, never exponential.
fn glob_match(pieces: &[Piece], text: &[char]) -> bool {
    enum Token {
        Char(char),
        One,
        Run,
    }
    let tokens: Vec<Token> = pieces
        .iter()
        .flat_map(|piece| match piece {
            Piece::Text(part) => part.chars().map(Token::Char).collect::<Vec<_>>(),
            Piece::AnyChar => vec![Token::One],
            Piece::AnyRun => vec![Token::Run],
        })
        .collect();
    let (mut t, mut p) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Run) => {
                resume = Some((p, t));
                p += 1;
            }
            Some(Token::One) => {
                t += 1;
                p += 1;
            }
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match resume {
                Some((star, from)) => {
                    p = star + 1;
                    t = from + 1;
                    resume = Some((star, from + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|token| matches!(token, Token::Run))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(value: &str, text: &str) -> bool {
        Pattern::new(&SigmaString::parse(value), false).is_match(text)
    }

    #[test]
    fn plain_values_match_whole_text_ignoring_case() {
        assert!(matches("StopLogging", "stoplogging"));
        assert!(!matches("StopLogging", "StopLoggingNow"));
        assert!(!Pattern::new(&SigmaString::parse("Stop"), true).is_match("stop"));
        assert!(matches("ÉTÉ", "été"));
    }

    #[test]
    fn folding_on_the_stack_folds_as_fold_text() {
        let long = "AssumeRole".repeat(20);
        for text in ["AssumeRole", "", "ÉTÉ über", long.as_str()] {
            assert_eq!(with_folded(text, str::to_string), fold_text(text), "{text}");
        }
    }

    #[test]
    fn wildcards_and_their_escapes() {
        assert!(matches("prog?.exe", "progA.exe"));
        assert!(!matches("prog?.exe", "prog.exe"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("*", ""));
        assert!(matches(r"100\*", "100*"));
        assert!(!matches(r"100\*", "1000"));
        assert!(matches(r"what\?", "what?"));
        assert!(matches(r"C:\\*", r"C:\Windows"));
        assert!(matches(r"C:\Windows", r"C:\Windows"));
        assert!(matches(r"a\\\*", r"a\*"));
    }

    #[test]
    fn wrapping_gives_contains_prefix_and_suffix() {
        let contains = Pattern::new(&SigmaString::parse("Log").wrapped(true, true), false);
        assert!(contains.is_match("StopLogging"));
        let prefix = Pattern::new(&SigmaString::parse("Stop").wrapped(false, true), false);
        assert!(prefix.is_match("stoplogging") && !prefix.is_match("xstop"));
        let suffix = Pattern::new(&SigmaString::parse("ging").wrapped(true, false), false);
        assert!(suffix.is_match("StopLogging") && !suffix.is_match("gingx"));
    }

    #[test]
    fn exact_text_is_folded_for_indexing() {
        assert_eq!(
            Pattern::new(&SigmaString::parse("DeleteTrail"), false).exact_text(),
            Some("deletetrail")
        );
        assert_eq!(
            Pattern::new(&SigmaString::parse("Del*"), false).exact_text(),
            None
        );
    }
}
