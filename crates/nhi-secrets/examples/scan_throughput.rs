//! Single-core throughput of the matching engine alone: reads every file under the given paths
//! into memory, then scans them all with the built-in rules, no I/O or threads in the timed part.
//! Quick iterations on the engine use it (the history bench needs a full release build of `nhi`).
//!
//! Usage: `cargo run --release -p nhi-secrets --example scan_throughput -- PATH... [--runs N]`

use nhi_secrets::{RuleSet, ScanOutcome, Scanner};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut runs = 3;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs);
        } else {
            paths.push(arg);
        }
    }
    if paths.is_empty() {
        eprintln!("usage: scan_throughput PATH... [--runs N]");
        return ExitCode::from(2);
    }
    let files: Vec<Vec<u8>> = paths
        .iter()
        .flat_map(|path| walkdir::WalkDir::new(path).into_iter().flatten())
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| std::fs::read(entry.path()).ok())
        .collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let scanner = Scanner::new(RuleSet::builtin().expect("built-in rules")).expect("compile");
    let mut seconds = Vec::new();
    let (mut found, mut binary) = (0usize, 0usize);
    for _ in 0..runs {
        (found, binary) = (0, 0);
        let started = Instant::now();
        for file in &files {
            let outcome = scanner.scan(black_box(file), |m| {
                black_box(m.range);
                found += 1;
            });
            binary += usize::from(outcome == ScanOutcome::SkippedBinary);
        }
        seconds.push(started.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    println!(
        "{} files, {:.1} MB ({binary} binary), {found} matches: median {median:.3} s of {runs}, {:.1} MB/s on one core",
        files.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / median
    );
    ExitCode::SUCCESS
}
