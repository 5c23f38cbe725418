//! The keyword prefilter: one Aho-Corasick DFA over every rule's keywords (ASCII case-
//! insensitive). A hit names the rules that listed the keyword (or one nested in it); only those
//! run, and only near it.
//! Invariants: every rule has at least one keyword, so every rule is reachable from some hit; the
//! hits are, for each offset where a keyword starts, the longest keyword starting there, in order
//! of offset; memory is bounded by the block size, not by the input.

use crate::error::RuleError;
use crate::rule::Rule;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// Independent DFA walks interleaved in one loop. One walk waits on each transition's load before
/// the next; several walks over different parts of the input keep the core busy meanwhile.
const LANES: usize = 4;
/// Inputs shorter than this are walked in one lane: the warm-up of extra lanes would not pay.
const MIN_LANE: usize = 256;
/// Bytes searched before their hits are sorted and handed on: bounds the hits held at once.
const BLOCK: usize = 64 * 1024;

/// Keyword automaton plus, per keyword, the rules (indices) to run when it hits.
#[derive(Debug, Clone)]
pub(crate) struct KeywordIndex {
    automaton: DFA,
    rules_by_keyword: Vec<Vec<u32>>,
    keyword_lens: Vec<usize>,
    /// Longest keyword minus one: how far before a lane its walk starts, so it misses nothing.
    overlap: usize,
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
        // Only the longest keyword at an offset is handed on, which hides the keywords nested in
        // it (`live_` inside `sk_live_`), so each keyword also carries the rules of every keyword
        // it contains.
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
        // Standard semantics report every keyword ending at each byte, which is what lets a walk
        // start anywhere; no prefilter, so that only match states are special.
        let automaton = DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&keywords)
            .map_err(|err| RuleError::Prefilter(err.to_string()))?;
        let overlap = automaton.max_pattern_len().saturating_sub(1);
        Ok(KeywordIndex {
            automaton,
            rules_by_keyword,
            keyword_lens: keywords.iter().map(|k| k.len()).collect(),
            overlap,
        })
    }

    /// Calls `visit` for every offset of `hay` where a keyword starts, in order, with the longest
    /// keyword starting there (so keywords overlapping a hit are still found).
    pub(crate) fn for_each_hit(&self, hay: &[u8], mut visit: impl FnMut(KeywordHit<'_>)) {
        // (start, keyword) pairs found but not yet handed on.
        let mut found: Vec<(usize, u32)> = Vec::new();
        let mut block_start = 0;
        while block_start < hay.len() {
            let block_end = hay.len().min(block_start + BLOCK);
            self.search(hay, block_start, block_end, &mut found);
            // A later block only finds keywords ending past `block_end`, so starting at or after
            // `block_end - overlap`: the hits before that are complete.
            let settled = if block_end == hay.len() {
                usize::MAX
            } else {
                block_end - self.overlap.min(block_end)
            };
            let len = |keyword: u32| self.keyword_len(keyword);
            found.sort_unstable_by_key(|&(start, keyword)| (start, Reverse(len(keyword))));
            let ready = found.partition_point(|&(start, _)| start < settled);
            let mut previous = None;
            for &(start, keyword) in &found[..ready] {
                if previous == Some(start) {
                    continue;
                }
                previous = Some(start);
                visit(KeywordHit {
                    start,
                    end: start + len(keyword),
                    rules: &self.rules_by_keyword[keyword as usize],
                });
            }
            found.drain(..ready);
            block_start = block_end;
        }
    }

    fn keyword_len(&self, keyword: u32) -> usize {
        self.keyword_lens[keyword as usize]
    }

    /// Appends to `out` every keyword occurrence that ends in `from..to`, as (start, keyword).
    /// The range is cut into lanes walked side by side; each walk begins `overlap` bytes before
    /// its lane and keeps only the keywords that end inside it.
    fn search(&self, hay: &[u8], from: usize, to: usize, out: &mut Vec<(usize, u32)>) {
        let lanes = if to - from >= LANES * MIN_LANE {
            LANES
        } else {
            1
        };
        let piece = (to - from).div_ceil(lanes);
        let start = match self.automaton.start_state(Anchored::No) {
            Ok(start) => start,
            Err(_) => return, // unreachable: the DFA is built for unanchored searches
        };
        let mut sid = [start; LANES];
        let mut at = [0usize; LANES];
        let mut first = [0usize; LANES];
        let mut end = [0usize; LANES];
        for lane in 0..lanes {
            first[lane] = (from + lane * piece).min(to);
            end[lane] = (first[lane] + piece).min(to);
            at[lane] = first[lane] - self.overlap.min(first[lane]);
        }
        if lanes == LANES {
            let steps = (0..LANES).map(|l| end[l] - at[l]).min().unwrap_or(0);
            let lane = |l: usize| &hay[at[l]..at[l] + steps];
            let (l0, l1, l2, l3) = (lane(0), lane(1), lane(2), lane(3));
            let mut i = 0;
            while i < steps {
                // The walk stops only where a lane entered a special state, so the loop keeps
                // nothing live but the states and the bytes.
                let stop = self.walk_lanes(&mut sid, [&l0[i..], &l1[i..], &l2[i..], &l3[i..]]);
                i += stop;
                if i < steps {
                    for l in 0..LANES {
                        if self.automaton.is_special(sid[l]) {
                            self.record(sid[l], at[l] + i, first[l], out);
                        }
                    }
                    i += 1;
                }
            }
            for a in &mut at {
                *a += steps;
            }
        }
        for lane in 0..lanes {
            for (i, &byte) in hay[at[lane]..end[lane]].iter().enumerate() {
                sid[lane] = self.step(sid[lane], byte, at[lane] + i, first[lane], out);
            }
        }
    }

    /// Walks the lanes side by side (all of the same length) until a step leaves some lane in a
    /// special state; returns the index of that step (its transitions done), or the length.
    fn walk_lanes(&self, sid: &mut [StateID; LANES], lanes: [&[u8]; LANES]) -> usize {
        let dfa = &self.automaton;
        let [mut s0, mut s1, mut s2, mut s3] = *sid;
        let [l0, l1, l2, l3] = lanes;
        let bytes = l0.iter().zip(l1).zip(l2).zip(l3);
        let mut stop = l0.len();
        for (i, (((&b0, &b1), &b2), &b3)) in bytes.enumerate() {
            s0 = dfa.next_state(Anchored::No, s0, b0);
            s1 = dfa.next_state(Anchored::No, s1, b1);
            s2 = dfa.next_state(Anchored::No, s2, b2);
            s3 = dfa.next_state(Anchored::No, s3, b3);
            if dfa.is_special(s0) | dfa.is_special(s1) | dfa.is_special(s2) | dfa.is_special(s3) {
                stop = i;
                break;
            }
        }
        *sid = [s0, s1, s2, s3];
        stop
    }

    /// One transition on `byte`, at offset `at`; keywords ending there are recorded when
    /// `at >= first`.
    #[inline(always)]
    fn step(
        &self,
        sid: StateID,
        byte: u8,
        at: usize,
        first: usize,
        out: &mut Vec<(usize, u32)>,
    ) -> StateID {
        let next = self.automaton.next_state(Anchored::No, sid, byte);
        if self.automaton.is_special(next) {
            self.record(next, at, first, out);
        }
        next
    }

    #[cold]
    #[inline(never)]
    fn record(&self, sid: StateID, at: usize, first: usize, out: &mut Vec<(usize, u32)>) {
        if at < first || !self.automaton.is_match(sid) {
            return;
        }
        for index in 0..self.automaton.match_len(sid) {
            let keyword = self.automaton.match_pattern(sid, index);
            let len = self.automaton.pattern_len(keyword);
            out.push((at + 1 - len, keyword.as_u32()));
        }
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
        let mut hits: Vec<(usize, Vec<u32>)> = Vec::new();
        index.for_each_hit(hay, |h| hits.push((h.start, h.rules.to_vec())));
        assert_eq!(
            hits,
            vec![(2, vec![0, 1]), (5, vec![1]), (14, vec![1]), (18, vec![2])]
        );
    }

    /// The hits as a plain leftmost-longest search restarted one byte after each hit gives them.
    fn reference_hits(keywords: &[&str], hay: &[u8]) -> Vec<(usize, usize)> {
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(keywords)
            .unwrap();
        let mut hits = Vec::new();
        let mut from = 0;
        while let Some(found) = automaton.find(aho_corasick::Input::new(hay).span(from..hay.len()))
        {
            hits.push((found.start(), found.end()));
            from = found.start() + 1;
        }
        hits
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn lanes_and_blocks_find_what_one_search_finds(
            pieces in proptest::collection::vec(0usize..12, 0..40_000),
            keywords in proptest::collection::vec("[a-d_]{3,9}", 1..12),
        ) {
            let rules: String = keywords
                .iter()
                .enumerate()
                .map(|(i, k)| rule(&format!("r{i}"), &format!("['{k}']")))
                .collect();
            let index = KeywordIndex::build(&parse_rules(&format!("rules:\n{rules}"), "t").unwrap()).unwrap();
            // Text made of the keywords, in mixed case, and filler, so hits are dense and cross
            // lane and block edges.
            let mut hay = Vec::new();
            for (n, piece) in pieces.iter().enumerate() {
                match keywords.get(*piece) {
                    Some(k) if n % 3 == 0 => hay.extend(k.to_ascii_uppercase().bytes()),
                    Some(k) => hay.extend(k.bytes()),
                    None => hay.extend_from_slice(b"x a\n"),
                }
            }
            let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
            let mut hits = Vec::new();
            index.for_each_hit(&hay, |h| hits.push((h.start, h.end)));
            proptest::prop_assert_eq!(hits, reference_hits(&keywords, &hay));
        }
    }
}
