//! Peer for `bench/hunt-vs-sigma-rust.sh`: the `sigma-rust` crate evaluating nhi's shipped
//! CloudTrail Sigma rules over CloudTrail delivery files, done the way a user of that crate would:
//! inflate each `.json.gz` with flate2, parse it with serde_json, turn every record into a
//! `sigma_rust::Event` and call `check_rule` with every rule. Files are shared out among threads as
//! `nhi hunt` does, so wall times compare; records over CPU seconds gives the rate per core.
//!
//! Usage: sigma-rust-peer RULES_DIR LOGS_DIR [THREADS]   (THREADS defaults to the cores available)
//!
//! `sigma-rust-peer --floors LOGS_DIR` measures, on one thread, what the libraries `nhi hunt`
//! reads these files with cost on their own: inflating with libdeflate and parsing into a
//! `sonic_rs::Value`, and their sum for nhi's design (every file inflated twice, once to learn
//! where it starts in time, and parsed once). No hunt built that way can beat the last figure on
//! this machine, whatever its rules and detectors cost.

use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use sigma_rust::{check_rule, rule_from_yaml, Event, Rule};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A CloudTrail delivery file: `{"Records": [...]}`.
#[derive(Deserialize)]
struct Delivery {
    #[serde(rename = "Records")]
    records: Vec<serde_json::Value>,
}

/// A rule sigma-rust could parse, with the file it came from.
struct LoadedRule {
    path: PathBuf,
    rule: Rule,
}

/// What the threads counted, and the CPU time the threads spent in each stage.
#[derive(Default)]
struct Tally {
    files: u64,
    bad_files: u64,
    records: u64,
    bad_records: u64,
    matches_by_rule: Vec<u64>,
    inflate: Duration,
    parse: Duration,
    evaluate: Duration,
}

impl Tally {
    fn for_rules(count: usize) -> Self {
        Tally {
            matches_by_rule: vec![0; count],
            ..Tally::default()
        }
    }

    fn add(&mut self, other: &Tally) {
        self.files += other.files;
        self.bad_files += other.bad_files;
        self.records += other.records;
        self.bad_records += other.bad_records;
        for (total, count) in self.matches_by_rule.iter_mut().zip(&other.matches_by_rule) {
            *total += count;
        }
        self.inflate += other.inflate;
        self.parse += other.parse;
        self.evaluate += other.evaluate;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "--floors" {
        return floors(Path::new(&args[2]));
    }
    if args.len() < 3 {
        eprintln!("usage: sigma-rust-peer RULES_DIR LOGS_DIR [THREADS]");
        std::process::exit(2);
    }
    let (rules_dir, logs_dir) = (Path::new(&args[1]), Path::new(&args[2]));
    let started = Instant::now();

    let mut rule_files = Vec::new();
    walk(rules_dir, &[".yml", ".yaml"], &mut rule_files);
    let mut rules = Vec::new();
    let mut not_loaded = 0;
    for path in rule_files {
        let parsed = std::fs::read_to_string(&path)
            .map_err(|error| error.to_string())
            .and_then(|text| rule_from_yaml(&text).map_err(|error| error.to_string()));
        match parsed {
            Ok(rule) => rules.push(LoadedRule { path, rule }),
            Err(reason) => {
                not_loaded += 1;
                eprintln!(
                    "sigma-rust-peer: rule not loaded: {}: {reason}",
                    path.display()
                );
            }
        }
    }
    let loading = started.elapsed();

    let mut logs = Vec::new();
    walk(logs_dir, &[".json.gz"], &mut logs);
    let threads = args
        .get(3)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, logs.len().max(1));
    let next = AtomicUsize::new(0);
    let total = Mutex::new(Tally::for_rules(rules.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut tally = Tally::for_rules(rules.len());
                while let Some(path) = logs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Err(reason) = scan(path, &rules, &mut tally) {
                        tally.bad_files += 1;
                        eprintln!("sigma-rust-peer: {}: {reason}", path.display());
                    }
                }
                if let Ok(mut total) = total.lock() {
                    total.add(&tally);
                }
            });
        }
    });
    let tally = total.into_inner().unwrap_or_default();
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds();
    report(&rules, not_loaded, loading, &tally, threads, wall, cpu);
}

/// Inflates, parses and evaluates one delivery file, adding what it found to `tally`.
///
/// Records go through `serde_json::Value` and `Event::try_from`; deserialising straight into
/// `Vec<Event>` (sigma-rust's own `Deserialize`, which buffers through `#[serde(flatten)]`) measured
/// a little slower.
fn scan(path: &Path, rules: &[LoadedRule], tally: &mut Tally) -> Result<(), String> {
    let at = thread_cpu();
    let compressed = std::fs::read(path).map_err(|error| error.to_string())?;
    let mut json = Vec::with_capacity(compressed.len() * 8);
    MultiGzDecoder::new(compressed.as_slice())
        .read_to_end(&mut json)
        .map_err(|error| format!("not valid gzip data: {error}"))?;
    let inflated = thread_cpu();

    let delivery: Delivery = serde_json::from_slice(&json).map_err(|error| error.to_string())?;
    let mut events = Vec::with_capacity(delivery.records.len());
    for record in delivery.records {
        match Event::try_from(record) {
            Ok(event) => events.push(event),
            Err(_) => tally.bad_records += 1,
        }
    }
    let parsed = thread_cpu();

    for event in &events {
        for (matches, loaded) in tally.matches_by_rule.iter_mut().zip(rules) {
            if check_rule(&loaded.rule, event) {
                *matches += 1;
            }
        }
    }
    let evaluated = thread_cpu();

    tally.files += 1;
    tally.records += events.len() as u64;
    tally.inflate += inflated - at;
    tally.parse += parsed - inflated;
    tally.evaluate += evaluated - parsed;
    Ok(())
}

fn report(
    rules: &[LoadedRule],
    not_loaded: usize,
    loading: Duration,
    tally: &Tally,
    threads: usize,
    wall: f64,
    cpu: f64,
) {
    let records = tally.records as f64;
    let per_second = |seconds: f64| {
        if seconds > 0.0 {
            records / seconds
        } else {
            0.0
        }
    };
    let matches: u64 = tally.matches_by_rule.iter().sum();
    println!(
        "sigma-rust 0.7: {} rules loaded, {not_loaded} not loaded ({:.1?} to load)",
        rules.len(),
        loading
    );
    println!(
        "records {} in {} files ({} files and {} records unreadable), {threads} threads, {matches} matches",
        tally.records, tally.files, tally.bad_files, tally.bad_records
    );
    println!(
        "end to end: {wall:.2} s wall, {cpu:.2} s CPU: {:.0} records/s, {:.0} records/s per core",
        per_second(wall),
        per_second(cpu)
    );
    let (inflate, parse, evaluate) = (
        tally.inflate.as_secs_f64(),
        tally.parse.as_secs_f64(),
        tally.evaluate.as_secs_f64(),
    );
    println!(
        "stages (thread CPU seconds): inflate {inflate:.2} s ({:.0} records/s), parse to Event {parse:.2} s ({:.0} records/s), evaluate {evaluate:.2} s",
        per_second(inflate),
        per_second(parse)
    );
    println!(
        "evaluation only: {:.0} records/s per core ({} rules per record)",
        per_second(evaluate),
        rules.len()
    );
    for (count, loaded) in tally.matches_by_rule.iter().zip(rules) {
        if *count > 0 {
            let name = loaded
                .path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy();
            println!("  {count:>8}  {name}  {}", loaded.rule.title);
        }
    }
}

/// Prints the floors of nhi hunt's reading (see the module documentation).
fn floors(logs_dir: &Path) {
    use sonic_rs::{JsonContainerTrait, JsonValueTrait};
    let mut logs = Vec::new();
    walk(logs_dir, &[".json.gz"], &mut logs);
    let mut decompressor = libdeflater::Decompressor::new();
    let (mut inflate, mut parse) = (Duration::ZERO, Duration::ZERO);
    let (mut records, mut bad) = (0u64, 0u64);
    for path in &logs {
        let Ok(gzip) = std::fs::read(path) else {
            bad += 1;
            continue;
        };
        let at = thread_cpu();
        let size = gzip
            .last_chunk::<4>()
            .map_or(0, |trailer| u32::from_le_bytes(*trailer) as usize);
        let mut json = vec![0; size];
        let inflated = decompressor.gzip_decompress(&gzip, &mut json).is_ok();
        let after_inflate = thread_cpu();
        let parsed: Option<sonic_rs::Value> = inflated
            .then(|| sonic_rs::from_slice(&json).ok())
            .flatten();
        let after_parse = thread_cpu();
        let count = parsed
            .as_ref()
            .and_then(|delivery| delivery.get("Records")?.as_array().map(|items| items.len()));
        match count {
            Some(count) => records += count as u64,
            None => bad += 1,
        }
        inflate += after_inflate - at;
        parse += after_parse - after_inflate;
    }
    let per_second = |seconds: f64| records as f64 / seconds.max(f64::MIN_POSITIVE);
    let (inflate, parse) = (inflate.as_secs_f64(), parse.as_secs_f64());
    println!(
        "floors: {records} records in {} files ({bad} unreadable), per core: inflating with libdeflate {:.0} records/s, parsing with sonic-rs {:.0} records/s, nhi hunt's reading alone (inflate twice, parse once) {:.0} records/s",
        logs.len(),
        per_second(inflate),
        per_second(parse),
        per_second(2.0 * inflate + parse)
    );
}

/// Files under `dir` (recursively) whose name ends with one of `endings`, sorted.
fn walk(dir: &Path, endings: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("sigma-rust-peer: cannot read {}", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, endings, out);
        } else {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if endings.iter().any(|ending| name.ends_with(ending)) {
                out.push(path);
            }
        }
    }
}

/// CPU time of the calling thread: stage times stay true when other work shares the cores.
fn thread_cpu() -> Duration {
    // SAFETY: clock_gettime only writes the struct it is given.
    let time = unsafe {
        let mut time: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time);
        time
    };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// User plus system CPU seconds of this process so far, all threads.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0.0;
        }
        usage
    };
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
