//! Finding and decoding encoded values: base64 (standard and URL-safe) runs, percent-encoded and
//! `\uXXXX` / `\xXX` escaped regions. Candidates are bounded (length caps, printable check) so the
//! scanner can rescan decoded bytes without a decoding bomb: decoding never grows the input.

use std::ops::Range;

/// How a secret was encoded where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Standard base64 (`+/`).
    Base64,
    /// URL-safe base64 (`-_`).
    Base64Url,
    /// Percent-encoding (`%2F`).
    Percent,
    /// Backslash escapes (`\u0041`, `\x41`).
    Escape,
}

/// A region of the haystack that may decode to text worth rescanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub range: Range<usize>,
    pub encoding: Encoding,
}

/// Longest escaped region decoded at once: escapes sit in strings, not in megabytes of text.
const MAX_ESCAPED_REGION: usize = 4096;
/// Share of printable bytes decoded text must reach to be worth a rescan.
const MIN_PRINTABLE_PERCENT: usize = 90;
/// Shortest base64 run worth decoding, unless the caller says otherwise.
pub(crate) const DEFAULT_MIN_BASE64_LEN: usize = 16;
/// Shortest decoded text worth a rescan.
const MIN_DECODED_LEN: usize = 8;

const B64_STD: u8 = 1;
const B64_URL: u8 = 2;
const B64_COMMON: u8 = 4;

/// Byte classes for base64 runs: letters and digits are common to both alphabets.
static B64_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphanumeric() {
            B64_COMMON
        } else if c == b'+' || c == b'/' {
            B64_STD
        } else if c == b'-' || c == b'_' {
            B64_URL
        } else {
            0
        };
        b += 1;
    }
    table
};

/// Value of a base64 digit in either alphabet, or 0xff.
static B64_VALUE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 26 {
        table[b'A' as usize + i] = i as u8;
        table[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        table[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    table[b'+' as usize] = 62;
    table[b'-' as usize] = 62;
    table[b'/' as usize] = 63;
    table[b'_' as usize] = 63;
    table
};

/// Appends to `out` every encoded-looking region of `hay`, in order of kind then position.
pub(crate) fn find_candidates(hay: &[u8], min_base64_len: usize, out: &mut Vec<Candidate>) {
    find_base64_runs(hay, min_base64_len, out);
    find_escaped_regions(hay, b'%', Encoding::Percent, out);
    find_escaped_regions(hay, b'\\', Encoding::Escape, out);
}

/// Base64 runs of at least `min_len` bytes. The input goes 64 bytes at a time as a bit mask of
/// alphabet bytes; a block without a run that long inside it costs a few operations, and runs
/// that reach a block's end are carried into the next.
fn find_base64_runs(hay: &[u8], min_len: usize, out: &mut Vec<Candidate>) {
    let min_len = min_len.max(4);
    // Start of the run that reached the end of the previous block, if any.
    let mut open: Option<usize> = None;
    for (block_index, block) in hay.chunks(64).enumerate() {
        let offset = block_index * 64;
        let mask = base64_mask(block);
        let mut rest = mask;
        if let Some(start) = open {
            let ones = mask.trailing_ones() as usize;
            if ones == 64 {
                continue;
            }
            open = None;
            push_base64_run(hay, start, offset + ones, min_len, out);
            rest &= u64::MAX << ones;
        }
        if rest == 0 {
            continue;
        }
        // A run reaching bit 63 may go on in the next block; only the others are settled here.
        let top = rest.leading_ones() as usize;
        if top > 0 {
            open = Some(offset + 64 - top);
            rest &= u64::MAX.checked_shr(top as u32).unwrap_or(0);
        }
        if long_run_starts(rest, min_len) == 0 {
            continue;
        }
        while rest != 0 {
            let start = rest.trailing_zeros() as usize;
            let len = (rest >> start).trailing_ones() as usize;
            if len >= min_len {
                push_base64_run(hay, offset + start, offset + start + len, min_len, out);
            }
            rest &= u64::MAX.checked_shl((start + len) as u32).unwrap_or(0);
        }
    }
    if let Some(start) = open {
        push_base64_run(hay, start, hay.len(), min_len, out);
    }
}

/// Bit `i` set when `block[i]` (at most 64 bytes) is in either base64 alphabet.
fn base64_mask(block: &[u8]) -> u64 {
    match <&[u8; 64]>::try_from(block) {
        Ok(full) => base64_mask_full(full),
        Err(_) => {
            let mut padded = [0u8; 64];
            padded[..block.len()].copy_from_slice(block);
            base64_mask_full(&padded)
        }
    }
}

fn base64_mask_full(block: &[u8; 64]) -> u64 {
    // Byte-wise flags first, in a loop without branches that the compiler does sixteen or more
    // bytes at a time; then eight flags at a time into bits.
    let mut flags = [0u8; 64];
    for (flag, &b) in flags.iter_mut().zip(block) {
        let digit = b.wrapping_sub(b'0') < 10;
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let symbol = (b == b'+') | (b == b'/') | (b == b'-') | (b == b'_');
        *flag = u8::from(digit | letter | symbol) << 7;
    }
    let mut mask = 0u64;
    for (i, word) in flags.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        mask |= pack_high_bits(word) << (8 * i);
    }
    mask
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;

/// Bit `i` of the result is the high bit of byte `i` of `flags`.
fn pack_high_bits(flags: u64) -> u64 {
    ((flags >> 7) & LOW_BITS).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Bits where a run of at least `len` set bits of `mask` starts and ends inside it.
fn long_run_starts(mask: u64, len: usize) -> u64 {
    if len >= 64 {
        return 0;
    }
    if len == DEFAULT_MIN_BASE64_LEN {
        // The default length, unrolled: this runs once per block of most inputs.
        let starts = mask & mask >> 1;
        let starts = starts & starts >> 2;
        let starts = starts & starts >> 4;
        return starts & starts >> 8;
    }
    let (mut starts, mut covered) = (mask, 1);
    while covered < len {
        let shift = covered.min(len - covered);
        starts &= starts >> shift;
        covered += shift;
    }
    starts
}

/// Records the maximal base64 run `start..end` (and up to two `=` after it) when it can be base64.
fn push_base64_run(hay: &[u8], start: usize, end: usize, min_len: usize, out: &mut Vec<Candidate>) {
    if end - start < min_len || (end - start) % 4 == 1 {
        return;
    }
    let mut padded = end;
    while padded < hay.len() && padded - end < 2 && hay[padded] == b'=' {
        padded += 1;
    }
    let classes = hay[start..end]
        .iter()
        .fold(0u8, |acc, &b| acc | B64_CLASS[b as usize]);
    if classes & B64_STD != 0 && classes & B64_URL != 0 {
        return;
    }
    let encoding = if classes & B64_URL != 0 {
        Encoding::Base64Url
    } else {
        Encoding::Base64
    };
    out.push(Candidate {
        range: start..padded,
        encoding,
    });
}

/// Regions around `%XX` (percent) or `\uXXXX` / `\xXX` (escape) sequences.
fn find_escaped_regions(hay: &[u8], marker: u8, encoding: Encoding, out: &mut Vec<Candidate>) {
    let mut from = 0;
    while let Some(offset) = memchr::memchr(marker, &hay[from..]) {
        let at = from + offset;
        if escape_len(hay, at, encoding).is_none() {
            from = at + 1;
            continue;
        }
        let floor = at.saturating_sub(MAX_ESCAPED_REGION / 2);
        let start = hay[floor..at]
            .iter()
            .rposition(|&b| is_region_stop(b))
            .map_or(floor, |p| floor + p + 1);
        let ceiling = (start + MAX_ESCAPED_REGION).min(hay.len());
        let end = hay[at..ceiling]
            .iter()
            .position(|&b| is_region_stop(b))
            .map_or(ceiling, |p| at + p);
        if end - start >= MIN_DECODED_LEN {
            out.push(Candidate {
                range: start..end,
                encoding,
            });
        }
        from = end.max(at + 1);
    }
}

fn is_region_stop(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>')
}

/// Length of the escape sequence starting at `at`, if one starts there.
fn escape_len(hay: &[u8], at: usize, encoding: Encoding) -> Option<usize> {
    let hex_run = |from: usize, count: usize| {
        hay.get(from..from + count)
            .filter(|digits| digits.iter().all(u8::is_ascii_hexdigit))
            .map(|_| count)
    };
    match encoding {
        Encoding::Percent => (hay.get(at) == Some(&b'%'))
            .then(|| hex_run(at + 1, 2))?
            .map(|n| n + 1),
        Encoding::Escape => match (hay.get(at), hay.get(at + 1)) {
            (Some(b'\\'), Some(b'u')) => hex_run(at + 2, 4).map(|n| n + 2),
            (Some(b'\\'), Some(b'x')) => hex_run(at + 2, 2).map(|n| n + 2),
            _ => None,
        },
        Encoding::Base64 | Encoding::Base64Url => None,
    }
}

/// Decodes `candidate` into `out` (cleared first). True when the result is text worth rescanning.
pub(crate) fn decode_candidate(hay: &[u8], candidate: &Candidate, out: &mut Vec<u8>) -> bool {
    out.clear();
    let input = &hay[candidate.range.clone()];
    let decoded = match candidate.encoding {
        Encoding::Base64 | Encoding::Base64Url => decode_base64(input, out),
        Encoding::Percent | Encoding::Escape => {
            decode_escapes(input, candidate.encoding, out);
            out.as_slice() != input
        }
    };
    decoded && is_mostly_printable(out)
}

fn decode_escapes(input: &[u8], encoding: Encoding, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < input.len() {
        match escape_len(input, i, encoding) {
            Some(len) => {
                // `%` is one byte before the digits, `\u` and `\x` are two.
                let marker_len = if encoding == Encoding::Percent { 1 } else { 2 };
                let digits = &input[i + marker_len..i + len];
                push_code_point(hex_value(digits), out);
                i += len;
            }
            None => {
                out.push(input[i]);
                i += 1;
            }
        }
    }
}

fn hex_value(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |acc, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => d.wrapping_sub(b'A').wrapping_add(10) & 0xf,
        };
        (acc << 4) | u32::from(v)
    })
}

/// Pushes a decoded escape: bytes below 0x80 as themselves, others UTF-8 encoded (lone surrogates
/// become U+FFFD).
fn push_code_point(value: u32, out: &mut Vec<u8>) {
    if value < 0x80 {
        out.push(value as u8);
    } else {
        let c = char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

/// Whether decoded bytes read as text: ASCII printable, or UTF-8 without control characters.
fn is_mostly_printable(text: &[u8]) -> bool {
    if text.len() < MIN_DECODED_LEN {
        return false;
    }
    let is_text = |c: char| !c.is_control() || matches!(c, '\t' | '\n' | '\r');
    // The same test on single bytes, without branches: ASCII that is not a control character.
    let printable_bytes = || {
        text.iter()
            .map(|&b| {
                usize::from((0x20..0x7f).contains(&b) | (b == b'\t') | (b == b'\n') | (b == b'\r'))
            })
            .sum::<usize>()
    };
    let (printable, total) = if text.is_ascii() {
        (printable_bytes(), text.len())
    } else {
        match std::str::from_utf8(text) {
            Ok(s) => (s.chars().filter(|&c| is_text(c)).count(), s.chars().count()),
            // Bytes of invalid UTF-8 count as text only when they are printable ASCII.
            Err(_) => (printable_bytes(), text.len()),
        }
    };
    printable * 100 >= total * MIN_PRINTABLE_PERCENT
}

/// Decodes base64 in either alphabet, padding optional, into `out`. False on any other byte or an
/// impossible length; `out` then holds garbage.
pub(crate) fn decode_base64(input: &[u8], out: &mut Vec<u8>) -> bool {
    let digits = strip_padding(input);
    if digits.len() % 4 == 1 {
        return false;
    }
    out.reserve(digits.len() / 4 * 3 + 2);
    let mut chunks = digits.chunks_exact(4);
    for chunk in &mut chunks {
        let Some(v) = quad_value(chunk) else {
            return false;
        };
        out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
    let rest = chunks.remainder();
    if rest.is_empty() {
        return true;
    }
    let mut padded = [b'A'; 4];
    padded[..rest.len()].copy_from_slice(rest);
    let Some(v) = quad_value(&padded) else {
        return false;
    };
    out.push((v >> 16) as u8);
    if rest.len() == 3 {
        out.push((v >> 8) as u8);
    }
    true
}

fn strip_padding(input: &[u8]) -> &[u8] {
    let pad = input
        .iter()
        .rev()
        .take(2)
        .take_while(|&&b| b == b'=')
        .count();
    &input[..input.len() - pad]
}

fn quad_value(chunk: &[u8]) -> Option<u32> {
    chunk.iter().try_fold(0u32, |acc, &c| {
        let v = B64_VALUE[c as usize];
        (v != 0xff).then_some((acc << 6) | u32::from(v))
    })
}

/// How many bytes `input` decodes to, if it is base64.
pub(crate) fn base64_decoded_len(input: &[u8]) -> Option<usize> {
    let digits = strip_padding(input);
    let valid = digits.len() % 4 != 1 && digits.iter().all(|&c| B64_VALUE[c as usize] != 0xff);
    valid.then_some(digits.len() * 3 / 4)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// Standard base64 with padding (test helper).
    pub(crate) fn encode_base64(data: &[u8]) -> String {
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(STD[((v >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// URL-safe base64 without padding (test helper).
    pub(crate) fn encode_base64url(data: &[u8]) -> String {
        encode_base64(data)
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    }

    #[test]
    fn base64_round_trips_in_both_alphabets() {
        for text in ["", "a", "ab", "abc", "abcd", "token=ghp_secret?>>"] {
            let mut out = Vec::new();
            assert!(decode_base64(
                encode_base64(text.as_bytes()).as_bytes(),
                &mut out
            ));
            assert_eq!(out, text.as_bytes());
            out.clear();
            assert!(decode_base64(
                encode_base64url(text.as_bytes()).as_bytes(),
                &mut out
            ));
            assert_eq!(out, text.as_bytes());
        }
        assert!(!decode_base64(b"abcde", &mut Vec::new()));
        assert!(!decode_base64(b"ab!d", &mut Vec::new()));
        let mut runs = Vec::new();
        find_base64_runs(b"ab cdefgh= ijklmnopqrstuvwx", 6, &mut runs);
        assert_eq!(
            runs.iter().map(|c| c.range.clone()).collect::<Vec<_>>(),
            vec![3..10, 11..27]
        );
        assert_eq!(base64_decoded_len(b"YWJj"), Some(3));
        assert_eq!(base64_decoded_len(b"YW=="), Some(1));
    }

    #[test]
    fn the_alphabet_mask_agrees_with_the_byte_table() {
        let all: Vec<u8> = (0..=255).collect();
        for block in all.chunks(64) {
            let mask = base64_mask(block);
            for (i, &b) in block.iter().enumerate() {
                assert_eq!(
                    mask >> i & 1 == 1,
                    B64_CLASS[b as usize] != 0,
                    "byte {b:#04x}"
                );
            }
        }
        assert_eq!(base64_mask(b"ab=c"), 0b1011);
    }

    #[test]
    fn base64_runs_cross_blocks_and_stop_at_the_input_end() {
        let mut hay = vec![b' '; 400];
        hay[10..30].fill(b'Q'); // inside one block
        hay[60..140].fill(b'Q'); // across two block ends
        hay[150..157].fill(b'Q'); // too short
        hay[192..256].fill(b'Q'); // exactly one block
        hay[320..].fill(b'Q'); // from a block start to the end
        let mut runs = Vec::new();
        find_base64_runs(&hay, 10, &mut runs);
        let ranges: Vec<_> = runs.iter().map(|c| c.range.clone()).collect();
        assert_eq!(ranges, vec![10..30, 60..140, 192..256, 320..400]);
    }

    proptest::proptest! {
        #[test]
        fn base64_runs_are_the_maximal_runs_long_enough(
            hay in proptest::collection::vec(proptest::sample::select(b"aZ9+/-_aZ9aZ9aZ9= ".to_vec()), 0..400),
            min_len in 4usize..80,
        ) {
            let mut want = Vec::new();
            let mut i = 0;
            while i < hay.len() {
                let len = hay[i..].iter().take_while(|&&b| B64_CLASS[b as usize] != 0).count();
                if len > 0 {
                    push_base64_run(&hay, i, i + len, min_len, &mut want);
                }
                i += len.max(1);
            }
            let mut got = Vec::new();
            find_base64_runs(&hay, min_len, &mut got);
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn finds_base64_runs_that_decode_to_text() {
        let encoded = encode_base64(b"password: correct-horse-battery");
        let hay = format!("data:\n  config: {encoded}\n  other: SomeVeryLongIdentifierNameHere\n");
        let mut candidates = Vec::new();
        find_candidates(hay.as_bytes(), 24, &mut candidates);
        let mut texts = Vec::new();
        for candidate in &candidates {
            let mut out = Vec::new();
            if decode_candidate(hay.as_bytes(), candidate, &mut out) {
                texts.push(out);
            }
        }
        assert_eq!(texts, vec![b"password: correct-horse-battery".to_vec()]);
    }

    #[test]
    fn decodes_percent_and_backslash_escapes() {
        let hay = br#"url = "https://x.test/?q=api_key%3Dabc%26token%3Dxyz" s = "\u0074oken\x3dvalue\u00e9""#;
        let mut candidates = Vec::new();
        find_candidates(hay, 24, &mut candidates);
        let mut decoded = Vec::new();
        for candidate in &candidates {
            let mut out = Vec::new();
            if decode_candidate(hay, candidate, &mut out) {
                decoded.push((candidate.encoding, String::from_utf8(out).unwrap()));
            }
        }
        assert!(decoded.contains(&(
            Encoding::Percent,
            "https://x.test/?q=api_key=abc&token=xyz".into()
        )));
        assert!(decoded.contains(&(Encoding::Escape, "token=valueé".into())));
    }

    #[test]
    fn printable_counts_ascii_utf8_and_invalid_bytes_as_before() {
        let reference = |text: &[u8]| {
            let is_text = |c: char| !c.is_control() || matches!(c, '\t' | '\n' | '\r');
            let (printable, total) = match std::str::from_utf8(text) {
                Ok(s) => (s.chars().filter(|&c| is_text(c)).count(), s.chars().count()),
                Err(_) => (
                    text.iter()
                        .filter(|&&b| b < 0x80 && is_text(char::from(b)))
                        .count(),
                    text.len(),
                ),
            };
            text.len() >= MIN_DECODED_LEN && printable * 100 >= total * MIN_PRINTABLE_PERCENT
        };
        let all: Vec<u8> = (0..=255).collect();
        let mut cases: Vec<Vec<u8>> = all.chunks(9).map(<[u8]>::to_vec).collect();
        cases.extend(all.iter().map(|&b| {
            let mut text = b"abcdefghi".to_vec();
            text[4] = b;
            text
        }));
        cases.push("password: é\u{1}çà".as_bytes().to_vec());
        cases.push(b"token\tvalue\r\n".to_vec());
        for text in cases {
            assert_eq!(is_mostly_printable(&text), reference(&text), "{text:?}");
        }
    }

    #[test]
    fn rejects_binary_and_short_results() {
        let mut out = Vec::new();
        let binary = Candidate {
            range: 0..32,
            encoding: Encoding::Base64,
        };
        assert!(!decode_candidate(
            b"0123456789abcdefABCDEF0123456789",
            &binary,
            &mut out
        ));
        let short = Candidate {
            range: 0..4,
            encoding: Encoding::Percent,
        };
        assert!(!decode_candidate(b"%41B", &short, &mut out));
    }
}
