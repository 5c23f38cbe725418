//! The floor for history scanning speed: walks a repository exactly as `scan_history` does for
//! secret scanning (every blob reachable from every ref, once) and inflates each blob, matching
//! nothing. Any scan of the same history can only be slower than this.
//!
//! Usage: `cargo run --release -p nhi-sources --example git_blob_floor -- REPO`

use nhi_sources::{scan_history, HistoryOptions};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let Some(repo) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: git_blob_floor REPO");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let outcome = scan_history(&repo, &HistoryOptions::default(), |_, bytes| {
        black_box(bytes);
    });
    let seconds = started.elapsed().as_secs_f64();
    for problem in outcome.warnings.iter().chain(&outcome.errors) {
        eprintln!("{problem}");
    }
    let megabytes = outcome.bytes_visited as f64 / 1e6;
    println!(
        "commits {} blobs {} bytes {} seconds {seconds:.2} throughput {:.1} MB/s{}",
        outcome.commits,
        outcome.blobs_visited,
        outcome.bytes_visited,
        megabytes / seconds,
        if outcome.shallow { " (shallow)" } else { "" }
    );
    if outcome.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
