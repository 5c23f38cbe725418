//! Walks a directory (or reads one file) and prints `rule  path:line:column  redacted` per secret
//! found: a quick way to check recall and false positives of the built-in rules on a corpus.
//!
//! Usage: `cargo run --release -p nhi-secrets --example scan_dir -- PATH [--show-secrets]`

use nhi_secrets::{redact, RuleSet, ScanOutcome, Scanner};
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: scan_dir PATH [--show-secrets]");
        std::process::exit(2);
    };
    let show = args.any(|a| a == "--show-secrets");
    let scanner = match RuleSet::builtin().and_then(Scanner::new) {
        Ok(scanner) => scanner,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    let (mut files, mut found, mut skipped) = (0usize, 0usize, 0usize);
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
    {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        files += 1;
        let path = entry.path().strip_prefix(&root).unwrap_or(entry.path());
        let outcome = scanner.scan(&bytes, |m| {
            found += 1;
            let shown = if show {
                String::from_utf8_lossy(m.secret).into_owned()
            } else {
                redact(m.secret)
            };
            let decoded = m
                .decoded_from
                .map(|e| format!(" (decoded from {e:?})"))
                .unwrap_or_default();
            println!(
                "{:<36} {}:{}:{}  {shown}{decoded}",
                m.rule.id(),
                display(path),
                m.line,
                m.column
            );
        });
        skipped += usize::from(outcome == ScanOutcome::SkippedBinary);
    }
    eprintln!("{files} files, {found} secrets, {skipped} binary files skipped");
}

fn display(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        ".".into()
    } else {
        path.display().to_string()
    }
}
