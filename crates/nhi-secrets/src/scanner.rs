//! The matching engine. Keyword hits open bounded windows; only the rules of that keyword run in
//! them; candidates pass the filters, entropy gate and validator; encoded regions are decoded and
//! rescanned to a bounded depth and size. Invariants: each secret is reported once (overlapping
//! matches are resolved, specific rules beating generic ones), in input order, and no plaintext
//! is kept after `scan` returns.

use crate::compile::KeywordIndex;
use crate::decode::{self, Candidate, Encoding};
use crate::entropy::shannon;
use crate::error::RuleError;
use crate::filters;
use crate::rule::{is_template_copy, Rule};
use crate::ruleset::RuleSet;
use crate::text::{self, LineCounter, Window};
use crate::validators::{validate, Validation, Verdict};
use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use regex_automata::{Input, PatternSet};
use std::collections::BTreeMap;
use std::ops::Range;

/// Marker that suppresses every match on its line.
const ALLOW_MARKER: &[u8] = b"nhi:allow";
/// Largest file the whole-file rules of credential stores run over: stores are small, and a big
/// file with a store's name is something else.
const MAX_STORE_FILE: usize = 1 << 20;
/// Bytes of the encoded value's line kept on each side of decoded text, so that context such
/// as `password:` before a base64 value still reaches the rules.
const DECODE_CONTEXT: usize = 128;

/// Limits on decoding and rescanning encoded values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// How many encodings deep to look (0 turns decoding off).
    pub max_depth: u8,
    /// Total decoded bytes allowed per scanned input.
    pub max_decoded_bytes: usize,
    /// Shortest base64 run worth decoding.
    pub min_base64_len: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_depth: 2,
            max_decoded_bytes: 16 << 20,
            min_base64_len: decode::DEFAULT_MIN_BASE64_LEN,
        }
    }
}

/// How a `Scanner` treats its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// Scan content that looks binary (off: such input is skipped).
    pub scan_binary: bool,
    /// Report matches whose validator said `Invalid` (off: they are dropped as not real).
    pub report_invalid: bool,
    /// Decoding of base64, percent and backslash-escaped values.
    pub decode: DecodeLimits,
}

/// What `scan` did with its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOutcome {
    /// The input was scanned.
    Scanned,
    /// The input looked binary and was skipped.
    SkippedBinary,
}

/// One secret found. Borrowed: the caller fingerprints and redacts `secret`, then drops it.
#[derive(Debug, Clone)]
pub struct SecretMatch<'a> {
    /// The rule that matched.
    pub rule: &'a Rule,
    /// 1-based line of the secret (of the encoded value, for decoded secrets).
    pub line: usize,
    /// 1-based byte column on that line.
    pub column: usize,
    /// Byte range in the input: the secret, or the encoded value it was decoded from.
    pub range: Range<usize>,
    /// The secret's bytes (decoded, when `decoded_from` is set).
    pub secret: &'a [u8],
    /// What the rule's structural validator said.
    pub validation: Validation,
    /// What the validator learnt (decoded AWS account, JWT weaknesses...).
    pub notes: &'a [String],
    /// The encoding the secret was hidden in, if any.
    pub decoded_from: Option<Encoding>,
}

/// A compiled rule set, ready to scan bytes. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Scanner {
    rules: Vec<Rule>,
    /// `rules[..content_rules]` run from keyword hits; the rest are scoped to named files.
    content_rules: usize,
    /// One pattern per file-scoped rule (pattern `i` is `rules[content_rules + i]`): which of
    /// them a path names, in one pass.
    store_names: Option<Regex>,
    keywords: KeywordIndex,
    options: ScanOptions,
}

/// A candidate that passed every check, before overlap resolution and line numbering.
struct Found {
    rule: u32,
    /// 0 for the input, else 1 + index into the arena of decoded buffers.
    buf: usize,
    secret: Range<usize>,
    /// Where it is reported in the input: the secret, or the outermost encoded value.
    outer: Range<usize>,
    decoded_from: Option<Encoding>,
    verdict: Verdict,
}

/// A haystack being scanned: the input itself, or decoded text with context around it.
struct Layer<'a> {
    hay: &'a [u8],
    buf: usize,
    /// The part of `hay` that matches must lie in (decoded text, not its context).
    region: Range<usize>,
    /// The outermost encoded value and its encoding, for decoded layers.
    origin: Option<(Range<usize>, Encoding)>,
    /// The encoded text itself: a secret found verbatim in it was already reported plain.
    encoded: &'a [u8],
}

/// Per-call scratch: found candidates, decoded buffers, reusable windows and captures.
struct ScanState {
    found: Vec<Found>,
    arena: Vec<Vec<u8>>,
    budget: usize,
    windows: Vec<Window>,
    /// Per rule, its last window in `windows` (empty until the first hit).
    last_window: Vec<Option<usize>>,
    /// Per rule, reusable captures (empty until the first window is matched).
    captures: Vec<Option<Captures>>,
    rule_count: usize,
}

impl Scanner {
    /// Compiles `rules` with default options.
    pub fn new(rules: RuleSet) -> Result<Scanner, RuleError> {
        Scanner::with_options(rules, ScanOptions::default())
    }

    /// Compiles `rules` with the given options.
    pub fn with_options(rules: RuleSet, options: ScanOptions) -> Result<Scanner, RuleError> {
        let mut rules = rules.into_rules();
        // Rules scoped to credential stores by file name run over the whole file, not from
        // keyword hits: they go last (a stable sort keeps priority), outside the prefilter.
        rules.sort_by_key(Rule::is_file_scoped);
        let content_rules = rules.iter().filter(|r| !r.is_file_scoped()).count();
        let keywords = KeywordIndex::build(&rules[..content_rules])?;
        let names: Vec<String> = rules[content_rules..]
            .iter()
            .filter_map(Rule::files_pattern)
            .collect();
        let store_names = match names.is_empty() {
            true => None,
            false => Some(
                Regex::new_many(&names).map_err(|err| RuleError::InvalidRule {
                    file: "(file-scoped rules)".into(),
                    line: None,
                    id: "files".into(),
                    reason: err.to_string(),
                })?,
            ),
        };
        Ok(Scanner {
            rules,
            content_rules,
            store_names,
            keywords,
            options,
        })
    }

    /// The rules, in priority order (earlier wins an overlap).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The options this scanner was built with.
    pub fn options(&self) -> ScanOptions {
        self.options
    }

    /// Scans `bytes`, calling `sink` once per secret, in input order. Rules scoped to named files
    /// do not run: use [`Scanner::scan_file`] when the file's path is known.
    pub fn scan<F: FnMut(SecretMatch<'_>)>(&self, bytes: &[u8], sink: F) -> ScanOutcome {
        self.scan_file("", bytes, sink)
    }

    /// Scans the contents `bytes` of the file at `path`: as [`Scanner::scan`], plus the rules
    /// scoped to files of that name (`.pgpass`, FileZilla's XML...), over the whole file.
    pub fn scan_file<F: FnMut(SecretMatch<'_>)>(
        &self,
        path: &str,
        bytes: &[u8],
        mut sink: F,
    ) -> ScanOutcome {
        if !self.options.scan_binary && text::looks_binary(bytes) {
            return ScanOutcome::SkippedBinary;
        }
        let mut state = ScanState {
            found: Vec::new(),
            arena: Vec::new(),
            budget: self.options.decode.max_decoded_bytes,
            windows: Vec::new(),
            // Sized on the first keyword hit: most inputs of a history have none of some rules'
            // keywords, many have none at all.
            last_window: Vec::new(),
            captures: Vec::new(),
            rule_count: self.rules.len(),
        };
        let plain = Layer {
            hay: bytes,
            buf: 0,
            region: 0..bytes.len(),
            origin: None,
            encoded: &[],
        };
        self.scan_layer(&plain, &mut state);
        self.scan_store(path, &plain, &mut state);
        if self.options.decode.max_depth > 0 {
            self.scan_encoded(bytes, 0..bytes.len(), 1, None, &mut state);
        }
        let kept = self.resolve_overlaps(&state.found);
        self.emit(bytes, &state, &kept, &mut sink);
        ScanOutcome::Scanned
    }

    /// Runs the rules of every keyword hit in `layer` over their windows.
    fn scan_layer(&self, layer: &Layer<'_>, state: &mut ScanState) {
        self.collect_windows(layer.hay, state);
        let windows = std::mem::take(&mut state.windows);
        for window in &windows {
            self.match_window(layer, window, state);
        }
        state.windows = windows;
    }

    /// Runs the rules scoped to files named like `path` over the whole (small) file.
    fn scan_store(&self, path: &str, layer: &Layer<'_>, state: &mut ScanState) {
        let Some(names) = &self.store_names else {
            return;
        };
        if path.is_empty() || layer.hay.len() > MAX_STORE_FILE || is_template_copy(path) {
            return;
        }
        let mut named = PatternSet::new(names.pattern_len());
        names.which_overlapping_matches(&Input::new(path), &mut named);
        for pattern in named.iter() {
            let window = Window {
                rule: u32::try_from(self.content_rules + pattern.as_usize()).unwrap_or(u32::MAX),
                range: 0..layer.hay.len(),
                cut_start: false,
                cut_end: false,
            };
            self.match_window(layer, &window, state);
        }
    }

    /// Fills `state.windows` with one merged window per rule and stretch of hits.
    fn collect_windows(&self, hay: &[u8], state: &mut ScanState) {
        // Only the rules of the previous layer's windows have a slot to clear.
        for window in &state.windows {
            state.last_window[window.rule as usize] = None;
        }
        state.windows.clear();
        self.keywords.for_each_hit(hay, |hit| {
            let mut line_window: Option<Window> = None;
            for &rule in hit.rules {
                let multiline = self.rules[rule as usize].multiline;
                let window = if multiline {
                    text::window(hay, hit.start, hit.end, rule, true)
                } else {
                    let w = line_window
                        .get_or_insert_with(|| text::window(hay, hit.start, hit.end, rule, false));
                    Window { rule, ..w.clone() }
                };
                merge_window(state, window);
            }
        });
    }

    /// Runs one rule over one window and records every accepted candidate.
    fn match_window(&self, layer: &Layer<'_>, window: &Window, state: &mut ScanState) {
        let rule = &self.rules[window.rule as usize];
        if state.captures.is_empty() {
            state.captures.resize(self.rules.len(), None);
        }
        let caps = state.captures[window.rule as usize]
            .get_or_insert_with(|| rule.regex.create_captures());
        let mut at = window.range.start;
        while at <= window.range.end {
            let input = Input::new(layer.hay).span(at..window.range.end);
            rule.regex.search_captures(&input, caps);
            let Some(whole) = caps.get_match() else {
                break;
            };
            at = if whole.is_empty() {
                whole.end() + 1
            } else {
                whole.end()
            };
            let Some(group) = caps.get_group(rule.secret_group) else {
                continue;
            };
            let secret = group.range();
            let truncated = (window.cut_end && secret.end == window.range.end)
                || (window.cut_start && secret.start == window.range.start);
            let outside = secret.start < layer.region.start || secret.end > layer.region.end;
            if secret.is_empty() || truncated || outside {
                continue;
            }
            let bytes = &layer.hay[secret.clone()];
            if layer.origin.is_some() && memchr::memmem::find(layer.encoded, bytes).is_some() {
                continue;
            }
            let Some(verdict) = self.accept(rule, layer.hay, secret.start, bytes) else {
                continue;
            };
            let (outer, decoded_from) = match &layer.origin {
                Some((range, encoding)) => (range.clone(), Some(*encoding)),
                None => (secret.clone(), None),
            };
            state.found.push(Found {
                rule: window.rule,
                buf: layer.buf,
                secret,
                outer,
                decoded_from,
                verdict,
            });
        }
    }

    /// Filters, entropy gate and validator; `None` drops the candidate.
    fn accept(&self, rule: &Rule, hay: &[u8], start: usize, secret: &[u8]) -> Option<Verdict> {
        let noise = filters::is_noise(rule, hay, start, secret);
        if noise || rule.entropy.is_some_and(|min| shannon(secret) < min) {
            return None;
        }
        let mut verdict = match rule.validator {
            Some(kind) => validate(kind, secret),
            None => Verdict {
                validation: Validation::NotChecked,
                notes: Vec::new(),
            },
        };
        // A slot keeps weak values; say so, since a guessable password is the worse leak.
        if let Some(weak) = rule.slot.and_then(|_| filters::weakness(secret)) {
            verdict.notes.push(weak.to_string());
        }
        let drop = verdict.validation == Validation::Invalid && !self.options.report_invalid;
        (!drop).then_some(verdict)
    }

    /// Decodes encoded regions of `hay[region]` and rescans them, to `max_depth` and within budget.
    fn scan_encoded(
        &self,
        hay: &[u8],
        region: Range<usize>,
        depth: u8,
        origin: Option<(Range<usize>, Encoding)>,
        state: &mut ScanState,
    ) {
        let limits = self.options.decode;
        let mut candidates = Vec::new();
        decode::find_candidates(&hay[region.clone()], limits.min_base64_len, &mut candidates);
        let mut decoded = Vec::new();
        for relative in candidates {
            if state.budget == 0 {
                break;
            }
            let range = relative.range.start + region.start..relative.range.end + region.start;
            let candidate = Candidate {
                range: range.clone(),
                encoding: relative.encoding,
            };
            if !decode::decode_candidate(hay, &candidate, &mut decoded) {
                continue;
            }
            let context_start = line_context_start(hay, region.start, range.start);
            let context_end = line_context_end(hay, region.end, range.end);
            let cost = decoded.len() + (range.start - context_start) + (context_end - range.end);
            if cost > state.budget {
                state.budget = 0;
                break;
            }
            state.budget -= cost;
            let mut text = Vec::with_capacity(cost);
            text.extend_from_slice(&hay[context_start..range.start]);
            text.extend_from_slice(&decoded);
            text.extend_from_slice(&hay[range.end..context_end]);
            let inner = range.start - context_start..range.start - context_start + decoded.len();
            let origin = origin
                .clone()
                .unwrap_or((range.clone(), candidate.encoding));
            let id = state.arena.len();
            state.arena.push(Vec::new());
            let before = state.found.len();
            let layer = Layer {
                hay: &text,
                buf: id + 1,
                region: inner.clone(),
                origin: Some(origin.clone()),
                encoded: &hay[range],
            };
            self.scan_layer(&layer, state);
            if depth < limits.max_depth {
                self.scan_encoded(&text, inner, depth + 1, Some(origin), state);
            }
            if state.found.len() > before {
                state.arena[id] = text;
            } else if state.arena.len() == id + 1 {
                state.arena.pop();
            }
        }
    }

    /// Keeps one match per stretch of bytes: specific rules beat generic ones, earlier rules beat
    /// later ones, a decoded secret beats its encoded form under the same rule.
    fn resolve_overlaps(&self, found: &[Found]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by_key(|&i| {
            let f = &found[i];
            (
                self.rules[f.rule as usize].generic,
                f.rule,
                f.decoded_from.is_none(),
                f.outer.start,
            )
        });
        let mut kept: Vec<usize> = Vec::new();
        let mut by_start: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        let mut longest = 0;
        for i in order {
            let f = &found[i];
            let clash = by_start
                .range(..(f.outer.end, 0))
                .rev()
                .take_while(|((start, _), _)| start + longest > f.outer.start)
                .any(|(_, &k)| overlaps(f, &found[k]));
            if !clash {
                by_start.insert((f.outer.start, i), i);
                longest = longest.max(f.outer.len());
                kept.push(i);
            }
        }
        kept.sort_by_key(|&i| (found[i].outer.start, found[i].secret.start, found[i].rule));
        kept
    }

    /// Numbers lines, applies `nhi:allow` and hands each kept match to `sink`.
    fn emit<F: FnMut(SecretMatch<'_>)>(
        &self,
        bytes: &[u8],
        state: &ScanState,
        kept: &[usize],
        sink: &mut F,
    ) {
        let mut lines = LineCounter::new(bytes);
        for &i in kept {
            let f = &state.found[i];
            let (line, line_start) = lines.locate(f.outer.start);
            if memchr::memmem::find(lines.line_at(line_start), ALLOW_MARKER).is_some() {
                continue;
            }
            let buffer = if f.buf == 0 {
                bytes
            } else {
                &state.arena[f.buf - 1]
            };
            sink(SecretMatch {
                rule: &self.rules[f.rule as usize],
                line,
                column: f.outer.start - line_start + 1,
                range: f.outer.clone(),
                secret: &buffer[f.secret.clone()],
                validation: f.verdict.validation,
                notes: &f.verdict.notes,
                decoded_from: f.decoded_from,
            });
        }
    }
}

/// Adds `window` to the scratch list, merging it into the rule's previous window when they touch.
fn merge_window(state: &mut ScanState, window: Window) {
    if state.last_window.is_empty() {
        state.last_window.resize(state.rule_count, None);
    }
    let slot = &mut state.last_window[window.rule as usize];
    if let Some(previous) = slot.and_then(|i| state.windows.get_mut(i)) {
        if previous.range.end >= window.range.start && window.range.start >= previous.range.start {
            if window.range.end >= previous.range.end {
                previous.range.end = window.range.end;
                previous.cut_end = window.cut_end;
            }
            return;
        }
    }
    *slot = Some(state.windows.len());
    state.windows.push(window);
}

/// Two matches overlap when they claim the same bytes: compared inside their decoded buffer when
/// both come from the same one, else by where they are reported in the input.
fn overlaps(a: &Found, b: &Found) -> bool {
    let (x, y) = if a.buf != 0 && a.buf == b.buf {
        (&a.secret, &b.secret)
    } else {
        (&a.outer, &b.outer)
    };
    x.start < y.end && y.start < x.end
}

fn line_context_start(hay: &[u8], floor: usize, at: usize) -> usize {
    let floor = floor.max(at.saturating_sub(DECODE_CONTEXT));
    memchr::memrchr(b'\n', &hay[floor..at]).map_or(floor, |p| floor + p + 1)
}

fn line_context_end(hay: &[u8], ceiling: usize, at: usize) -> usize {
    let ceiling = ceiling.min(at + DECODE_CONTEXT);
    memchr::memchr(b'\n', &hay[at..ceiling]).map_or(ceiling, |p| at + p)
}
