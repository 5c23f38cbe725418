//! The keyword prefilter: one Aho-Corasick automaton over every rule's keywords (ASCII case-
//! insensitive). A hit names the rules that listed the keyword (or one nested in it); only those
//! run, and only near it.
//! Invariant: every rule has at least one keyword, so every rule is reachable from some hit.

use crate::error::RuleError;
use crate::rule::Rule;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use std::collections::BTreeMap;

/// Keyword automaton plus, per keyword, the rules (indices) to run when it hits.
#[derive(Debug, Clone)]
pub(crate) struct KeywordIndex {
    automaton: AhoCorasick,
    rules_by_keyword: Vec<Vec<u32>>,
}

/// One keyword occurrence: its byte range and the rules to run around it.
pub(crate) struct KeywordHit<'k> {
    pub start: usize,
    pub end: usize,
    pub rules: &'k [u32],
}

impl KeywordIndex {
    /// Builds the automaton over the distinct keywords of `rules`.
    pub(crate) fn build(rules: &[Rule]) -> Result<KeywordIndex, RuleError> {
        let mut by_keyword: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (index, rule) in rules.iter().enumerate() {
            let index =
                u32::try_from(index).map_err(|_| RuleError::Prefilter("too many rules".into()))?;
            for keyword in rule.keywords() {
                by_keyword.entry(keyword.as_str()).or_default().push(index);
            }
        }
        let keywords: Vec<&str> = by_keyword.keys().copied().collect();
        // A leftmost-longest hit hides the keywords nested in it (`live_` inside `sk_live_`), so
        // each keyword also carries the rules of every keyword it contains.
        let rules_by_keyword = keywords
            .iter()
            .map(|outer| {
                let mut implied: Vec<u32> = by_keyword
                    .iter()
                    .filter(|(inner, _)| outer.contains(*inner))
                    .flat_map(|(_, rules)| rules.iter().copied())
                    .collect();
                implied.sort_unstable();
                implied.dedup();
                implied
            })
            .collect();
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&keywords)
            .map_err(|err| RuleError::Prefilter(err.to_string()))?;
        Ok(KeywordIndex {
            automaton,
            rules_by_keyword,
        })
    }

    /// Every keyword occurrence in `hay`, in order of start. The search restarts one byte after
    /// each hit's start, so keywords overlapping a hit are still found.
    pub(crate) fn hits<'a>(&'a self, hay: &'a [u8]) -> impl Iterator<Item = KeywordHit<'a>> + 'a {
        let mut from = 0;
        std::iter::from_fn(move || {
            if from >= hay.len() {
                return None;
            }
            let found = self.automaton.find(Input::new(hay).span(from..hay.len()))?;
            from = found.start() + 1;
            Some(KeywordHit {
                start: found.start(),
                end: found.end(),
                rules: &self.rules_by_keyword[found.pattern().as_usize()],
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::parse_rules;

    fn rule(id: &str, keywords: &str) -> String {
        format!(
            "  - id: {id}\n    name: n\n    provider: p\n    credential_kind: api-token\n    severity: low\n    owasp: [NHI2]\n    keywords: {keywords}\n    pattern: '(x)'\n    remediation: r\n"
        )
    }

    #[test]
    fn reports_nested_and_overlapping_keywords() {
        let text = format!(
            "rules:\n{}{}{}",
            rule("outer", "[sk_live_]"),
            rule("inner", "[live_]"),
            rule("tail", "[_key]")
        );
        let rules = parse_rules(&text, "t").unwrap();
        let index = KeywordIndex::build(&rules).unwrap();
        let hay = b"x SK_LIVE_abc live_key";
        let hits: Vec<(usize, Vec<u32>)> = index
            .hits(hay)
            .map(|h| (h.start, h.rules.to_vec()))
            .collect();
        assert_eq!(
            hits,
            vec![(2, vec![0, 1]), (5, vec![1]), (14, vec![1]), (18, vec![2])]
        );
    }
}
