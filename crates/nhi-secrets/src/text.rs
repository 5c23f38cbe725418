//! Byte-level text helpers: binary detection, the bounded window around a keyword hit, and line
//! numbering. Windows never exceed fixed caps, so a 10 MB single-line input stays linear.

use std::ops::Range;

/// How far before a keyword a single-line window reaches (bytes, clipped at the line start).
const WINDOW_BEFORE: usize = 512;
/// How far after a keyword a single-line window reaches (bytes, clipped at the line end).
const WINDOW_AFTER: usize = 1024;
/// How far after a keyword a multi-line window (PEM blocks) reaches.
const BLOCK_AFTER: usize = 64 * 1024;
/// Prefix inspected by the binary check.
const BINARY_PROBE: usize = 8 * 1024;

/// A region where one rule's pattern runs. `cut_*` say the window was capped mid-line there, so a
/// match touching that edge may be truncated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    pub rule: u32,
    pub range: Range<usize>,
    pub cut_start: bool,
    pub cut_end: bool,
}

/// The window around a keyword hit `[start, end)`: the enclosing line, capped; for `multiline`
/// rules it runs on past the line.
pub(crate) fn window(hay: &[u8], start: usize, end: usize, rule: u32, multiline: bool) -> Window {
    let floor = start.saturating_sub(WINDOW_BEFORE);
    let (from, cut_start) = match memchr::memrchr(b'\n', &hay[floor..start]) {
        Some(p) => (floor + p + 1, false),
        None => (floor, floor > 0),
    };
    let after = if multiline { BLOCK_AFTER } else { WINDOW_AFTER };
    let ceiling = end.saturating_add(after).min(hay.len());
    let (to, cut_end) = if multiline {
        (ceiling, ceiling < hay.len())
    } else {
        // The newline itself is inside the window: patterns end with a boundary class such as
        // `[^A-Za-z0-9]` that must be able to consume it (`$` only matches at the input's end).
        match memchr::memchr(b'\n', &hay[end..ceiling]) {
            Some(p) => (end + p + 1, false),
            None => (ceiling, ceiling < hay.len()),
        }
    };
    Window {
        rule,
        range: from..to,
        cut_start,
        cut_end,
    }
}

/// Whether `bytes` looks binary: a NUL byte, or many control bytes, in the first 8 KiB.
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
    // One pass without branches, in byte-wide counters that cannot overflow within a chunk, so
    // that the compiler does sixteen or more bytes at a time.
    let (mut nul, mut control) = (0usize, 0usize);
    for chunk in probe.chunks(255) {
        let (mut chunk_nul, mut chunk_control) = (0u8, 0u8);
        for &b in chunk {
            chunk_nul += u8::from(b == 0);
            let text = (b == b'\t') | (b == b'\n') | (b == b'\r') | (b == 0x0c) | (b == 0x1b);
            chunk_control += u8::from(((b < 0x20) & !text) | (b == 0x7f));
        }
        nul += usize::from(chunk_nul);
        control += usize::from(chunk_control);
    }
    nul > 0 || control * 10 > probe.len()
}

/// Turns ascending byte offsets into 1-based line numbers and line starts in one forward pass.
pub(crate) struct LineCounter<'h> {
    hay: &'h [u8],
    offset: usize,
    line: usize,
}

impl<'h> LineCounter<'h> {
    pub(crate) fn new(hay: &'h [u8]) -> Self {
        LineCounter {
            hay,
            offset: 0,
            line: 1,
        }
    }

    /// Line number and line start of `offset`. Offsets should ascend; a smaller one recounts.
    pub(crate) fn locate(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.hay.len());
        if offset < self.offset {
            *self = LineCounter::new(self.hay);
        }
        self.line += memchr::memchr_iter(b'\n', &self.hay[self.offset..offset]).count();
        self.offset = offset;
        let line_start = memchr::memrchr(b'\n', &self.hay[..offset]).map_or(0, |p| p + 1);
        (self.line, line_start)
    }

    /// The full line (without its newline) that starts at `line_start`.
    pub(crate) fn line_at(&self, line_start: usize) -> &'h [u8] {
        let rest = &self.hay[line_start..];
        &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_stop_at_line_ends_and_flag_caps() {
        let hay = b"first line\nsecond token=abc\nthird";
        let w = window(hay, 18, 23, 0, false);
        assert_eq!(
            &hay[w.range.clone()],
            b"second token=abc\n",
            "the line with its newline"
        );
        assert!(!w.cut_start && !w.cut_end);
        let long = vec![b'a'; 5000];
        let w = window(&long, 2500, 2505, 0, false);
        assert_eq!(w.range, 1988..3529);
        assert!(w.cut_start && w.cut_end);
        let w = window(hay, 0, 5, 0, true);
        assert_eq!(w.range, 0..hay.len());
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"abc\0def"));
        assert!(looks_binary(&[1u8, 2, 3, 4, 5, 6, 7, 8, b'a']));
        assert!(!looks_binary("plain text, ünïcödé\n\ttabs".as_bytes()));
        assert!(!looks_binary(b""));
    }

    #[test]
    fn counts_lines() {
        let hay = b"a\nbb\n\nccc";
        let mut lines = LineCounter::new(hay);
        assert_eq!(lines.locate(0), (1, 0));
        assert_eq!(lines.locate(3), (2, 2));
        assert_eq!(lines.locate(7), (4, 6));
        assert_eq!(lines.line_at(6), b"ccc");
        assert_eq!(lines.locate(1), (1, 0));
    }
}
