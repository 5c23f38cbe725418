//! `nhi scan`: walk the paths, build the inventory, analyse it, record the run, report.

use crate::cli::{CommonArgs, ScanArgs};
use crate::exit::Status;
use crate::output::{note, Output};
use crate::progress::FileProgress;
use anyhow::Context;
use nhi_analysis::AnalysisContext;
use nhi_model::TrackedFinding;
use nhi_report::{ReportData, View};
use nhi_sources::{scan_paths_with, ScanOptions, Source, SourceContext};
use nhi_store::{NewRun, Store};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

pub fn run(common: &CommonArgs, args: &ScanArgs) -> anyhow::Result<Status> {
    let targets = Targets::of(args)?;
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let mut store = if args.no_store {
        Store::open_in_memory().context("cannot open in-memory store")?
    } else {
        Store::open(&common.db)
            .with_context(|| format!("cannot open store {}", common.db.display()))?
    };
    let fingerprinter = store.fingerprinter();

    let progress = FileProgress::new(common.quiet);
    let options = ScanOptions {
        max_file_size: args.max_file_size,
        exclude: store_files(common, args),
    };
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let sources: Vec<&dyn Source> = nhi_sources::sources()
        .iter()
        .copied()
        .chain([nhi_sources::builtin_secrets() as &dyn Source])
        .collect();
    let mut outcome = scan_paths_with(&targets.paths, &options, &sources, &ctx, &progress);
    progress.finish();
    for dsn in &targets.databases {
        let discovery = nhi_sources::postgres::discover(dsn, &ctx);
        outcome.inventory.absorb(discovery.inventory);
        outcome.errors.extend(discovery.errors);
    }
    carry_forward(&store, &mut outcome.inventory)?;
    for warning in &outcome.warnings {
        if common.verbose > 0 || !warning.message.starts_with("dangling") {
            note(common, format!("nhi: warning: {warning}"));
        }
    }
    for error in &outcome.errors {
        note(common, format!("nhi: error: {error}"));
    }

    let analysis = AnalysisContext::new(args.as_of.unwrap_or(started));
    let findings = nhi_analysis::analyse(&outcome.inventory, &analysis);
    let run = NewRun {
        command: "scan".into(),
        paths: targets.shown(),
        scope: targets.scope_key(),
        started,
        finished: chrono::Utc::now(),
        version: env!("CARGO_PKG_VERSION").into(),
        errors: outcome.errors.len(),
    };
    let summary = store
        .record_run(&run, &outcome.inventory, &findings)
        .context("cannot record the run in the store")?;

    let ids: HashSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    let tracked: Vec<TrackedFinding> = store
        .findings(&nhi_store::FindingQuery::default())
        .context("cannot read findings back from the store")?
        .into_iter()
        .filter(|f| ids.contains(f.finding.id.as_str()))
        .collect();
    let tracked = super::apply_baseline(common, tracked)?;
    let tracked = super::drop_orphan_context(tracked);

    let rules = super::all_rules();
    let data = ReportData {
        identities: outcome.inventory.identities.values().collect(),
        credentials: outcome.inventory.credentials.values().collect(),
        findings: &tracked,
        rules: &rules,
        generated: started,
        tool_version: env!("CARGO_PKG_VERSION"),
        title: format!("nhi scan {}", run.paths.join(" ")),
    };
    let mut output = Output::open(common)?;
    output.render(&data, View::Scan)?;
    output.finish()?;

    let secs = clock.elapsed().as_secs_f64();
    note(
        common,
        format!(
            "scanned {} files ({}) in {:.2}s: {} identities, {} credentials, {} findings ({} new, {} resolved){}",
            outcome.files_read,
            human_bytes(outcome.bytes_read),
            secs,
            outcome.inventory.identities.len(),
            outcome.inventory.credentials.len(),
            tracked.len(),
            summary.new,
            summary.resolved,
            if args.no_store {
                String::new()
            } else {
                format!("; run {} recorded in {}", summary.run_id, common.db.display())
            }
        ),
    );
    if !outcome.errors.is_empty() {
        note(
            common,
            format!(
                "nhi: {} input(s) could not be read (see errors above)",
                outcome.errors.len()
            ),
        );
    }
    Ok(Status::of_run(
        tracked.iter().map(|f| f.finding.severity),
        common.fail_on,
        outcome.errors.len(),
    ))
}

/// `532 B`, `14.2 KB`, `3.1 MB`, `1.2 GB` (decimal units, as throughput figures use).
fn human_bytes(bytes: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// The store's own files, never scanned (`nhi scan .` would otherwise read its database).
fn store_files(common: &CommonArgs, args: &ScanArgs) -> Vec<PathBuf> {
    if args.no_store {
        return Vec::new();
    }
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut name = common.db.clone().into_os_string();
            name.push(suffix);
            name.into()
        })
        .collect()
}

/// What one scan reads: paths to walk and PostgreSQL servers to query.
struct Targets {
    paths: Vec<PathBuf>,
    /// Connection strings, with their passwords (never shown: see [`Targets::shown`]).
    databases: Vec<String>,
}

impl Targets {
    fn of(args: &ScanArgs) -> anyhow::Result<Targets> {
        let mut targets = Targets {
            paths: Vec::new(),
            databases: args.postgres.clone(),
        };
        for path in &args.paths {
            let text = path.to_string_lossy();
            if nhi_sources::postgres::is_postgres_dsn(&text) {
                targets.databases.push(text.into_owned());
            } else if std::fs::symlink_metadata(path).is_err() {
                anyhow::bail!("{}: no such file or directory", path.display());
            } else {
                targets.paths.push(path.clone());
            }
        }
        Ok(targets)
    }

    /// Paths as given and databases with their passwords redacted: what a run records.
    fn shown(&self) -> Vec<String> {
        let paths = self.paths.iter().map(|p| p.to_string_lossy().into_owned());
        let databases = self
            .databases
            .iter()
            .map(|d| nhi_sources::postgres::redact_dsn(d));
        paths.chain(databases).collect()
    }

    /// The scope of a run: its canonical roots and redacted servers, sorted. Findings are
    /// resolved only by a later run of the same scope, so scanning one folder never resolves
    /// what another scan found elsewhere.
    fn scope_key(&self) -> String {
        let mut roots: Vec<String> = self
            .paths
            .iter()
            .map(|p| {
                std::fs::canonicalize(p)
                    .unwrap_or_else(|_| p.clone())
                    .to_string_lossy()
                    .into_owned()
            })
            .chain(
                self.databases
                    .iter()
                    .map(|d| nhi_sources::postgres::redact_dsn(d)),
            )
            .collect();
        roots.sort();
        roots.dedup();
        roots.join("\n")
    }
}

/// Carry forward what earlier runs knew and this one cannot see: the latest `last_used` of every
/// identity, and since when the store has observed it (`observed_since`), so rules can tell
/// "never used in 90 days of watching" from "first seen today".
fn carry_forward(store: &Store, inventory: &mut nhi_model::Inventory) -> anyhow::Result<()> {
    let sightings = store
        .identity_sightings()
        .context("cannot read identity history")?;
    for identity in inventory.identities.values_mut() {
        if let Some(sighting) = sightings.get(&identity.id) {
            identity.last_used = identity.last_used.max(sighting.last_used);
            identity.attributes.insert(
                "observed_since".into(),
                sighting.history.first_seen.to_rfc3339().into(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_read_as_people_do() {
        assert_eq!(super::human_bytes(532), "532 B");
        assert_eq!(super::human_bytes(14_200), "14.2 KB");
        assert_eq!(super::human_bytes(3_100_000_000), "3.1 GB");
    }
}
