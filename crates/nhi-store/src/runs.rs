//! Runs: one row per recorded scan, with what it was asked to do and what it counted. Run ids grow
//! with time, so "the latest run" is the highest id and "the previous run" is any lower one.

use crate::error::Fault;
use crate::json::{from_json, to_json};
use nhi_model::{Finding, Inventory, Severity, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A scan about to be recorded, as the caller describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRun {
    pub started: Timestamp,
    pub finished: Timestamp,
    /// The command that ran, e.g. `scan`.
    pub command: String,
    /// The paths as given on the command line.
    pub paths: Vec<String>,
    /// The runs whose findings resolve each other: the sorted canonical scan roots, as one string.
    pub scope: String,
    /// The nhi version that ran the scan.
    pub version: String,
    /// How many inputs failed to read or parse.
    pub errors: usize,
}

/// A recorded scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub id: i64,
    pub started: Timestamp,
    pub finished: Timestamp,
    pub command: String,
    pub paths: Vec<String>,
    pub scope: String,
    pub version: String,
    pub counts: RunCounts,
}

/// What a run found, counted when it was recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    pub identities: usize,
    pub credentials: usize,
    pub findings: SeverityCounts,
    pub errors: usize,
}

/// Distinct findings by severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    /// The count for one severity.
    fn slot(&mut self, severity: Severity) -> &mut usize {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}

impl RunCounts {
    /// Count what a run found; a finding listed twice counts once.
    pub(crate) fn of(run: &NewRun, inventory: &Inventory, findings: &[Finding]) -> RunCounts {
        let mut counts = RunCounts {
            identities: inventory.identities.len(),
            credentials: inventory.credentials.len(),
            findings: SeverityCounts::default(),
            errors: run.errors,
        };
        let mut seen = BTreeSet::new();
        for finding in findings.iter().filter(|f| seen.insert(f.id.as_str())) {
            *counts.findings.slot(finding.severity) += 1;
        }
        counts
    }
}

/// Insert the run row and return its id.
pub(crate) fn insert(conn: &Connection, run: &NewRun, counts: &RunCounts) -> Result<i64, Fault> {
    conn.execute(
        "INSERT INTO runs (started, finished, command, paths, scope, version, counts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (
            run.started,
            run.finished,
            &run.command,
            to_json(&run.paths)?,
            &run.scope,
            &run.version,
            to_json(counts)?,
        ),
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every run, oldest first.
pub(crate) fn all(conn: &Connection) -> Result<Vec<Run>, Fault> {
    let mut stmt = conn.prepare(&format!("{SELECT_RUN} ORDER BY id"))?;
    let rows = stmt.query_map([], StoredRun::read)?;
    rows.map(|row| row?.decode()).collect()
}

/// The most recent run, if any.
pub(crate) fn latest(conn: &Connection) -> Result<Option<Run>, Fault> {
    conn.query_row(
        &format!("{SELECT_RUN} ORDER BY id DESC LIMIT 1"),
        [],
        StoredRun::read,
    )
    .optional()?
    .map(StoredRun::decode)
    .transpose()
}

const SELECT_RUN: &str =
    "SELECT id, started, finished, command, paths, scope, version, counts FROM runs";

/// A run row before its JSON columns are parsed.
struct StoredRun {
    id: i64,
    started: Timestamp,
    finished: Timestamp,
    command: String,
    paths: String,
    scope: String,
    version: String,
    counts: String,
}

impl StoredRun {
    fn read(row: &Row<'_>) -> rusqlite::Result<StoredRun> {
        Ok(StoredRun {
            id: row.get(0)?,
            started: row.get(1)?,
            finished: row.get(2)?,
            command: row.get(3)?,
            paths: row.get(4)?,
            scope: row.get(5)?,
            version: row.get(6)?,
            counts: row.get(7)?,
        })
    }

    fn decode(self) -> Result<Run, Fault> {
        let what = || format!("run {}", self.id);
        Ok(Run {
            paths: from_json(what, &self.paths)?,
            counts: from_json(what, &self.counts)?,
            id: self.id,
            started: self.started,
            finished: self.finished,
            command: self.command,
            scope: self.scope,
            version: self.version,
        })
    }
}
