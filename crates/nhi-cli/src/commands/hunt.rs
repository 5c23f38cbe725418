//! `nhi hunt LOG...`: identity threat detection over historic audit logs. Reads every log (files
//! in any order, compressed or not), replays their records as one stream in time order through
//! the Sigma rules (shipped and `--rules`) and the behavioural detectors, reports one alert per
//! detector and identity, and records the alerts in the store. Exit: 0 nothing at or above
//! `--fail-on`, 1 alerts at or above it, 2 fatal, 3 some inputs (logs or rules) could not be used.

mod inflate;
mod input;
mod prefetch;
mod render;
mod timeline;

use crate::cli::{CommonArgs, HuntArgs, OutputFormat};
use crate::exit::Status;
use crate::output::{note, Output};
use crate::progress::FileProgress;
use anyhow::Context;
use input::{InputProblem, LOG_ENDINGS, RULE_ENDINGS};
use nhi_detect::{
    BehaviourConfig, Hunt, InventorySnapshot, Screened, SigmaEngine, SHIPPED_SIGMA_RULES,
};
use nhi_model::{Alert, RuleMeta, Severity};
use nhi_sources::ScanProgress;
use nhi_store::Store;
use render::AlertFormat;
use std::path::{Path, PathBuf};
use std::time::Instant;
use timeline::{Scanned, Timed, Timeline};

/// Inputs read, normalised and screened ahead of the replay, beside those being read: at most
/// this many, and no more than [`PREFETCHED_BYTES`] of the largest input's size allows (a parsed
/// record takes several times its bytes, and one Kubernetes audit log can be gigabytes).
const PREFETCHED_FILES: usize = 16;
/// Bytes (as stored, compressed or not) the inputs read ahead of the replay may add up to.
const PREFETCHED_BYTES: u64 = 32 << 20;
/// Skipped records reported per file; the rest are counted.
const REPORTED_RECORD_ERRORS: usize = 3;

pub fn run(common: &CommonArgs, args: &HuntArgs) -> anyhow::Result<Status> {
    let format = alert_format(common.format)?;
    if common.baseline.is_some() {
        note(
            common,
            "nhi: warning: --baseline applies to findings, not to hunt alerts; ignored",
        );
    }
    let clock = Instant::now();
    let (engine, rule_problems) = sigma_rules(common, args);
    let mut store = match args.no_store {
        true => None,
        false => Some(
            Store::open(&common.db)
                .with_context(|| format!("cannot open store {}", common.db.display()))?,
        ),
    };
    let config = BehaviourConfig {
        learn: args.learn,
        dormant_after: args.dormant,
        inventory: store.as_ref().map(inventory).transpose()?.flatten(),
    };

    let (files, walk_problems) = input::discover(&args.logs, LOG_ENDINGS);
    for problem in &walk_problems {
        note(common, format!("nhi: error: {problem}"));
    }
    if files.is_empty() {
        anyhow::bail!(
            "no log files (.json, .jsonl, .gz) found in {}",
            shown(&args.logs)
        );
    }
    let progress = FileProgress::new(common.quiet);
    progress.files_found(2 * files.len() as u64);
    let first = first_pass(common, args, &files, &progress);

    let mut hunt = Hunt::new(Some(&engine), config);
    if let Some(since) = args.since {
        hunt = hunt.report_from(since);
    }
    let mut timeline = Timeline::new(first.scanned);
    let paths: Vec<PathBuf> = timeline
        .inputs()
        .iter()
        .map(|input| input.path.clone())
        .collect();
    let threads = worker_threads(paths.len());
    let read = |position: usize| {
        let outcome = read_one(&paths[position], args, &engine);
        progress.file_done(0);
        outcome
    };
    let (records, failed_reads) =
        prefetch::ordered(paths.len(), lookahead(&paths), threads, read, |files| {
            let mut failed = 0;
            let mut open = |_: usize, input: &Scanned| {
                let outcome = files.take().unwrap_or_else(|| FileOutcome {
                    errors: vec![format!(
                        "{}: internal error while reading",
                        input.path.display()
                    )],
                    ..FileOutcome::default()
                });
                failed += usize::from(outcome.report(common));
                outcome.records
            };
            let mut records = 0usize;
            while let Some((index, screened)) = timeline.next(&mut open) {
                hunt.push_screened(index, &screened);
                records += 1;
            }
            (records, failed)
        });
    progress.finish();
    let alerts = hunt.finish();

    let mut output = Output::open(common)?;
    let color = output.options.color;
    render::render(
        format,
        &alerts,
        &rule_catalog(&engine),
        color,
        output.writer(),
    )
    .context("cannot write report")?;
    output.finish()?;

    let recorded = match &mut store {
        Some(store) => {
            let counts = store
                .record_alerts(&alerts, chrono::Utc::now())
                .context("cannot record the alerts in the store")?;
            format!(
                "; {} new and {} updated in {}",
                counts.new,
                counts.updated,
                common.db.display()
            )
        }
        None => String::new(),
    };
    let failed = walk_problems.len() + first.failed_files + failed_reads + rule_problems;
    let secs = clock.elapsed().as_secs_f64();
    note(
        common,
        format!(
            "hunted {records} records from {} files in {secs:.2}s ({:.0} records/s): {}{recorded}",
            files.len(),
            records as f64 / secs.max(1e-9),
            counts(&alerts)
        ),
    );
    if failed > 0 {
        note(
            common,
            format!("nhi: {failed} input(s) could not be fully used (see errors above)"),
        );
    }
    Ok(Status::of_run(
        alerts.iter().map(|alert| alert.severity),
        common.fail_on,
        failed,
    ))
}

fn alert_format(format: OutputFormat) -> anyhow::Result<AlertFormat> {
    Ok(match format {
        OutputFormat::Table => AlertFormat::Table,
        OutputFormat::Json => AlertFormat::Json,
        OutputFormat::Jsonl => AlertFormat::Jsonl,
        OutputFormat::Sarif => AlertFormat::Sarif,
        OutputFormat::Csv | OutputFormat::Html => {
            anyhow::bail!("nhi hunt writes table, json, jsonl or sarif")
        }
    })
}

/// The shipped SigmaHQ rules (unless refused) and those under `--rules`; every rule that cannot
/// be used is reported on standard error with its file and reason, and counted.
fn sigma_rules(common: &CommonArgs, args: &HuntArgs) -> (SigmaEngine, usize) {
    let mut builder = SigmaEngine::builder();
    if !args.no_shipped_rules {
        for (path, text) in SHIPPED_SIGMA_RULES {
            builder.add_yaml(&format!("(shipped) sigma/{path}"), text);
        }
    }
    let (files, mut problems) = input::discover(&args.rules, RULE_ENDINGS);
    for file in files {
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                builder.add_yaml(&file.display().to_string(), &text);
            }
            Err(error) => problems.push(InputProblem {
                path: file.display().to_string(),
                message: error.to_string(),
            }),
        }
    }
    for problem in &problems {
        note(common, format!("nhi: error: {problem}"));
    }
    let (engine, errors) = builder.build();
    for error in &errors {
        note(
            common,
            format!("nhi: warning: Sigma rule not loaded: {error}"),
        );
    }
    (engine, problems.len() + errors.len())
}

/// What the last scan recorded, when the store holds one.
fn inventory(store: &Store) -> anyhow::Result<Option<InventorySnapshot>> {
    let Some(run) = store.latest_run().context("cannot read the store")? else {
        return Ok(None);
    };
    let inventory = store.inventory().context("cannot read the inventory")?;
    Ok(Some(InventorySnapshot::new(&inventory, Some(run.finished))))
}

/// The outcome of the first pass over every input.
struct FirstPass {
    scanned: Vec<Scanned>,
    failed_files: usize,
}

/// Notes when each input starts, reading them in parallel without parsing their records; an
/// input that cannot be read is reported and left out.
fn first_pass(
    common: &CommonArgs,
    args: &HuntArgs,
    files: &[PathBuf],
    progress: &FileProgress,
) -> FirstPass {
    let starts = prefetch::ordered(
        files.len(),
        files.len(),
        worker_threads(files.len()),
        |index| {
            let start = input::read(&files[index], args.max_inflated)
                .map(|bytes| nhi_detect::earliest_time(&bytes));
            progress.file_done(0);
            start
        },
        |starts| (0..files.len()).map(|_| starts.take()).collect::<Vec<_>>(),
    );
    let mut pass = FirstPass {
        scanned: Vec::new(),
        failed_files: 0,
    };
    for (path, start) in files.iter().zip(starts) {
        match start {
            Some(Ok(first)) => pass.scanned.push(Scanned {
                path: path.clone(),
                first,
            }),
            Some(Err(problem)) => {
                note(common, format!("nhi: error: {problem}"));
                pass.failed_files += 1;
            }
            None => {
                note(
                    common,
                    format!(
                        "nhi: error: {}: internal error while reading",
                        path.display()
                    ),
                );
                pass.failed_files += 1;
            }
        }
    }
    pass
}

/// How many inputs the replay reads ahead: [`PREFETCHED_FILES`], fewer when the largest input
/// is big, at least one.
fn lookahead(paths: &[PathBuf]) -> usize {
    let largest = paths
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|meta| meta.len())
        .max()
        .unwrap_or(0)
        .max(1);
    usize::try_from(PREFETCHED_BYTES / largest)
        .unwrap_or(usize::MAX)
        .clamp(1, PREFETCHED_FILES)
}

/// Threads that read inputs: one per core, no more than there are inputs.
fn worker_threads(inputs: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(inputs)
        .max(1)
}

/// What reading one input for the replay gave: its records in range, screened by the Sigma
/// rules, and the lines to report: why it could not be read, or which records it skipped.
#[derive(Default)]
struct FileOutcome {
    records: Vec<Screened>,
    errors: Vec<String>,
    skipped: Vec<String>,
}

impl FileOutcome {
    /// Writes the input's errors and warnings; true when it could not be fully used.
    fn report(&self, common: &CommonArgs) -> bool {
        for error in &self.errors {
            note(common, format!("nhi: error: {error}"));
        }
        for skipped in &self.skipped {
            note(common, format!("nhi: warning: {skipped}"));
        }
        !self.errors.is_empty() || !self.skipped.is_empty()
    }
}

/// Reads, normalises and screens one input (any thread).
fn read_one(path: &Path, args: &HuntArgs, engine: &SigmaEngine) -> FileOutcome {
    let normalised = match input::load(path, args.max_inflated) {
        Ok(normalised) => normalised,
        Err(problem) => {
            return FileOutcome {
                errors: vec![problem.to_string()],
                ..FileOutcome::default()
            }
        }
    };
    let mut skipped: Vec<String> = normalised
        .errors
        .iter()
        .take(REPORTED_RECORD_ERRORS)
        .map(ToString::to_string)
        .collect();
    if normalised.errors.len() > REPORTED_RECORD_ERRORS {
        skipped.push(format!(
            "{}: {} more records skipped",
            path.display(),
            normalised.errors.len() - REPORTED_RECORD_ERRORS
        ));
    }
    let records = normalised
        .records
        .into_iter()
        .filter(|record| args.until.is_none_or(|until| record.event.time <= until))
        .map(|record| engine.screen(record))
        .collect();
    FileOutcome {
        records,
        errors: Vec::new(),
        skipped,
    }
}

impl Timed for Screened {
    fn time(&self) -> nhi_model::Timestamp {
        self.record.event.time
    }
}

/// Every rule an alert may name: behavioural detectors and the loaded Sigma rules.
fn rule_catalog(engine: &SigmaEngine) -> Vec<RuleMeta> {
    let mut rules = nhi_detect::detector_rules();
    rules.extend(engine.rules());
    rules
}

/// `3 alerts (1 critical, 2 high)`.
fn counts(alerts: &[Alert]) -> String {
    let by_severity: Vec<String> = Severity::ALL_DESCENDING
        .iter()
        .filter_map(|severity| {
            let count = alerts
                .iter()
                .filter(|alert| alert.severity == *severity)
                .count();
            (count > 0).then(|| format!("{count} {severity}"))
        })
        .collect();
    let plural = if alerts.len() == 1 { "" } else { "s" };
    if by_severity.is_empty() {
        format!("{} alert{plural}", alerts.len())
    } else {
        format!(
            "{} alert{plural} ({})",
            alerts.len(),
            by_severity.join(", ")
        )
    }
}

fn shown(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `24h`, `7d`, `90m`, `30s`, `2w`, or a sum of them (`1d12h`).
pub fn parse_duration(text: &str) -> Result<chrono::TimeDelta, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration (use e.g. 24h, 7d)".into());
    }
    let mut total = chrono::TimeDelta::zero();
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let amount: i64 = digits
            .parse()
            .map_err(|_| format!("'{text}' is not a duration (use e.g. 24h, 7d)"))?;
        digits.clear();
        let part = match c {
            's' => chrono::TimeDelta::try_seconds(amount),
            'm' => chrono::TimeDelta::try_minutes(amount),
            'h' => chrono::TimeDelta::try_hours(amount),
            'd' => chrono::TimeDelta::try_days(amount),
            'w' => chrono::TimeDelta::try_weeks(amount),
            _ => {
                return Err(format!(
                    "unknown unit '{c}' in '{text}' (use s, m, h, d or w)"
                ))
            }
        };
        total = part
            .and_then(|part| total.checked_add(&part))
            .ok_or_else(|| format!("'{text}' is too long"))?;
    }
    if !digits.is_empty() {
        return Err(format!("'{text}' lacks a unit (use e.g. 24h, 7d)"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_inputs_are_read_fewer_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.json");
        std::fs::write(&small, b"{}").unwrap();
        assert_eq!(lookahead(std::slice::from_ref(&small)), PREFETCHED_FILES);
        let big = dir.path().join("big.json");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(PREFETCHED_BYTES / 4).unwrap();
        assert_eq!(lookahead(&[small.clone(), big.clone()]), 4);
        file.set_len(PREFETCHED_BYTES * 3).unwrap();
        assert_eq!(lookahead(&[small, big]), 1);
        assert_eq!(lookahead(&[]), PREFETCHED_FILES);
    }

    #[test]
    fn durations_parse_with_units_and_sums() {
        assert_eq!(parse_duration("24h"), Ok(chrono::TimeDelta::hours(24)));
        assert_eq!(parse_duration("7d"), Ok(chrono::TimeDelta::days(7)));
        assert_eq!(parse_duration("1d12h"), Ok(chrono::TimeDelta::hours(36)));
        assert!(parse_duration("12").is_err());
        assert!(parse_duration("3y").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("99999999999999999w").is_err());
    }
}
