//! Sigma `re` values. When every match of the expression must contain some literal run of
//! bytes, that run is searched for first: most field values lack it, and a substring search costs
//! a fraction of starting the regular expression engine on each value.

use memchr::memmem::Finder;
use regex::{Regex, RegexBuilder};
use regex_syntax::hir::{Hir, HirKind};

/// How a Sigma `re` value is read (`re|i`, `re|m`, `re|s`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RegexFlags {
    pub insensitive: bool,
    pub multi_line: bool,
    pub dot_all: bool,
}

/// A compiled `re` value.
#[derive(Debug, Clone)]
pub(crate) struct SigmaRegex {
    regex: Regex,
    /// A literal every match contains, when the expression has one (boxed: a searcher is
    /// large, and predicates are many).
    required: Option<Box<Finder<'static>>>,
}

impl SigmaRegex {
    pub(crate) fn new(pattern: &str, flags: RegexFlags) -> Result<Self, regex::Error> {
        let regex = RegexBuilder::new(pattern)
            .case_insensitive(flags.insensitive)
            .multi_line(flags.multi_line)
            .dot_matches_new_line(flags.dot_all)
            .build()?;
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(flags.insensitive)
            .multi_line(flags.multi_line)
            .dot_matches_new_line(flags.dot_all)
            .build()
            .parse(pattern)
            .ok();
        let required = hir
            .as_ref()
            .and_then(required_literal)
            .map(|literal| Box::new(Finder::new(literal).into_owned()));
        Ok(SigmaRegex { regex, required })
    }

    /// Whether the expression matches somewhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let possible = self
            .required
            .as_ref()
            .is_none_or(|literal| literal.find(text.as_bytes()).is_some());
        possible && self.regex.is_match(text)
    }
}

/// The longest literal that every match of `hir` contains: `hir` itself when it is a literal,
/// else the longest literal part of a concatenation (every part of one matches, in turn).
fn required_literal(hir: &Hir) -> Option<&[u8]> {
    match hir.kind() {
        HirKind::Literal(literal) => Some(&literal.0[..]),
        HirKind::Capture(capture) => required_literal(&capture.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(|part| match part.kind() {
                HirKind::Literal(literal) => Some(&literal.0[..]),
                _ => None,
            })
            .max_by_key(|literal| literal.len()),
        _ => None,
    }
    .filter(|literal| !literal.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regex(pattern: &str, insensitive: bool) -> SigmaRegex {
        let flags = RegexFlags {
            insensitive,
            ..RegexFlags::default()
        };
        SigmaRegex::new(pattern, flags).unwrap()
    }

    fn required(pattern: &str, insensitive: bool) -> Option<Vec<u8>> {
        regex(pattern, insensitive)
            .required
            .map(|finder| finder.needle().to_vec())
    }

    #[test]
    fn the_longest_literal_of_a_concatenation_is_required() {
        assert_eq!(
            required(".+:assumed-role/aws:.+", false).as_deref(),
            Some(&b":assumed-role/aws:"[..])
        );
        assert_eq!(required("(abc)", false).as_deref(), Some(&b"abc"[..]));
        assert_eq!(required("ab|cd", false), None);
        assert_eq!(required("x*", false), None);
    }

    #[test]
    fn matching_is_the_regular_expressions_own() {
        let imds = regex(".+:assumed-role/aws:.+", false);
        assert!(imds.is_match("arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"));
        assert!(!imds.is_match("arn:aws:sts::1:assumed-role/app/i-1"));
        let insensitive = regex("Assumed-Role/AWS:", true);
        assert!(insensitive.is_match("arn:ASSUMED-ROLE/aws:x"));
        assert!(!regex("^a.c$", false).is_match("xabc"));
        assert!(regex("a.c", false).is_match("xabc"));
    }
}
