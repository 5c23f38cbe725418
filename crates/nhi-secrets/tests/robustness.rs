//! Property tests: arbitrary bytes and mutated rule examples never panic the engine, its
//! decoders or its validators, and every reported range lies inside the input.

use nhi_secrets::{redact, RuleSet, ScanOptions, Scanner};
use proptest::prelude::*;
use std::sync::OnceLock;

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let options = ScanOptions {
            scan_binary: true,
            report_invalid: true,
            ..ScanOptions::default()
        };
        Scanner::with_options(RuleSet::builtin().unwrap(), options).unwrap()
    })
}

fn examples() -> &'static Vec<String> {
    static EXAMPLES: OnceLock<Vec<String>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        scanner()
            .rules()
            .iter()
            .flat_map(|r| r.examples().iter().chain(r.negative_examples()).cloned())
            .collect()
    })
}

fn check(bytes: &[u8]) {
    scanner().scan(bytes, |m| {
        assert!(m.range.start <= m.range.end && m.range.end <= bytes.len());
        assert!(m.line >= 1 && m.column >= 1);
        let _ = redact(m.secret);
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&bytes);
    }

    #[test]
    fn mutated_examples_never_panic(
        index in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..8),
    ) {
        let mut bytes = index.get(examples()).clone().into_bytes();
        for (at, byte, op) in edits {
            let position = if bytes.is_empty() { 0 } else { at.index(bytes.len()) };
            match op {
                0 if !bytes.is_empty() => bytes[position] = byte,
                1 => bytes.insert(position, byte),
                _ if !bytes.is_empty() => { bytes.remove(position); }
                _ => bytes.push(byte),
            }
        }
        check(&bytes);
    }

    #[test]
    fn encoded_noise_never_panics(text in "[A-Za-z0-9+/=%\\\\ux_\\-.:\"' \n]{0,2048}") {
        check(text.as_bytes());
    }
}
