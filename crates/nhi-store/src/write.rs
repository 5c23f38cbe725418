//! Recording one run: the run row, then every identity, credential (with its locations), grant,
//! edge and finding upserted with its first and last sighting, then the findings of the run's scope
//! that it no longer saw marked resolved. All of it is one transaction.

use crate::error::Fault;
use crate::json::to_json;
use crate::runs::{self, NewRun, RunCounts};
use crate::schema::severity_rank;
use nhi_model::{Credential, Finding, Inventory, Timestamp};
use rusqlite::types::Null;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior};
use serde::{Deserialize, Serialize};

/// What recording a run changed in the findings. `new + reopened + still_open` is the number of
/// distinct findings the run saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub run_id: i64,
    /// Findings never seen before this run.
    pub new: usize,
    /// Open findings of the run's scope that this run no longer saw.
    pub resolved: usize,
    /// Resolved findings that this run saw again.
    pub reopened: usize,
    /// Findings already open that this run saw again.
    pub still_open: usize,
}

/// The run that saw a row, and when: the run's start.
struct Sighting {
    run: i64,
    at: Timestamp,
}

/// Write a whole run in one transaction: all of it, or on any error nothing.
pub(crate) fn record(
    conn: &mut Connection,
    run: &NewRun,
    inventory: &Inventory,
    findings: &[Finding],
) -> Result<RunSummary, Fault> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let summary = write_run(&tx, run, inventory, findings)?;
    tx.commit()?;
    Ok(summary)
}

fn write_run(
    conn: &Connection,
    run: &NewRun,
    inventory: &Inventory,
    findings: &[Finding],
) -> Result<RunSummary, Fault> {
    let run_id = runs::insert(conn, run, &RunCounts::of(run, inventory, findings))?;
    let seen = Sighting {
        run: run_id,
        at: run.started,
    };
    for identity in inventory.identities.values() {
        let json = to_json(identity)?;
        let columns: [(&str, &dyn ToSql); 4] = [
            ("id", &identity.id),
            ("kind", &identity.kind.as_str()),
            ("provider", &identity.provider),
            ("json", &json),
        ];
        upsert(conn, "identities", "id", &columns, &seen)?;
    }
    for credential in inventory.credentials.values() {
        record_credential(conn, credential, &seen)?;
    }
    for grant in &inventory.grants {
        let json = to_json(grant)?;
        let columns: [(&str, &dyn ToSql); 2] = [("json", &json), ("identity", &grant.identity)];
        upsert(conn, "grants", "json", &columns, &seen)?;
    }
    for edge in &inventory.edges {
        let json = to_json(edge)?;
        let columns: [(&str, &dyn ToSql); 3] = [
            ("json", &json),
            ("from_id", &edge.from),
            ("to_id", &edge.to),
        ];
        upsert(conn, "edges", "json", &columns, &seen)?;
    }
    let mut summary = RunSummary {
        run_id,
        ..RunSummary::default()
    };
    for finding in findings {
        record_finding(conn, finding, &run.scope, &seen, &mut summary)?;
    }
    summary.resolved = conn.execute(
        "UPDATE findings SET status = 'resolved', resolved_at = ?1
         WHERE scope = ?2 AND status = 'open' AND last_run <> ?3",
        (seen.at, &run.scope, seen.run),
    )?;
    Ok(summary)
}

/// A credential row holds the credential without its locations; each location is a row of its own
/// (its JSON is its key), so every place keeps its own first and last sighting.
fn record_credential(
    conn: &Connection,
    credential: &Credential,
    seen: &Sighting,
) -> Result<(), Fault> {
    let json = to_json(&Credential {
        locations: Vec::new(),
        ..credential.clone()
    })?;
    let columns: [(&str, &dyn ToSql); 5] = [
        ("id", &credential.id),
        ("kind", &credential.kind.as_str()),
        ("identity", &credential.identity),
        ("fingerprint", &credential.fingerprint),
        ("json", &json),
    ];
    upsert(conn, "credentials", "id", &columns, seen)?;
    for location in &credential.locations {
        let location = to_json(location)?;
        let columns: [(&str, &dyn ToSql); 2] =
            [("credential_id", &credential.id), ("location", &location)];
        upsert(
            conn,
            "credential_locations",
            "credential_id, location",
            &columns,
            seen,
        )?;
    }
    Ok(())
}

/// Upsert one finding as open in `scope` and count it as new, reopened or still open. A finding
/// listed twice in one run counts once.
fn record_finding(
    conn: &Connection,
    finding: &Finding,
    scope: &str,
    seen: &Sighting,
    summary: &mut RunSummary,
) -> Result<(), Fault> {
    let prior: Option<(String, i64)> = conn
        .prepare_cached("SELECT status, last_run FROM findings WHERE id = ?1")?
        .query_row([&finding.id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    match prior {
        None => summary.new += 1,
        Some((_, last_run)) if last_run == seen.run => {}
        Some((status, _)) if status == "resolved" => summary.reopened += 1,
        Some(_) => summary.still_open += 1,
    }
    let json = to_json(finding)?;
    let columns: [(&str, &dyn ToSql); 8] = [
        ("id", &finding.id),
        ("rule", &finding.rule),
        ("severity", &finding.severity.as_str()),
        ("severity_rank", &severity_rank(finding.severity)),
        ("status", &"open"),
        ("scope", &scope),
        ("resolved_at", &Null),
        ("json", &json),
    ];
    upsert(conn, "findings", "id", &columns, seen)?;
    let mut subject = conn.prepare_cached(
        "INSERT OR IGNORE INTO finding_subjects (subject_id, finding_id) VALUES (?1, ?2)",
    )?;
    for subject_id in &finding.subjects {
        subject.execute((subject_id, &finding.id))?;
    }
    Ok(())
}

/// Insert a row, or refresh the one with the same `key`: overwrite `columns` and move its last
/// sighting to `seen`, keeping its first. Table and column names are this crate's constants.
fn upsert(
    conn: &Connection,
    table: &str,
    key: &str,
    columns: &[(&str, &dyn ToSql)],
    seen: &Sighting,
) -> rusqlite::Result<()> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let (at, run) = (columns.len() + 1, columns.len() + 2);
    // Key columns are never rewritten: updating a parent key would make SQLite check every
    // child table that references it (a scan per row).
    let key_columns: Vec<&str> = key.split(',').map(str::trim).collect();
    let updates: String = names
        .iter()
        .filter(|n| !key_columns.contains(n))
        .map(|n| format!("{n} = excluded.{n}, "))
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({names}, first_seen, last_seen, first_run, last_run)
         VALUES ({placeholders}, ?{at}, ?{at}, ?{run}, ?{run})
         ON CONFLICT ({key}) DO UPDATE SET {updates}
             last_seen = excluded.last_seen, last_run = excluded.last_run",
        names = names.join(", "),
        placeholders = placeholders.join(", "),
    );
    let mut params: Vec<&dyn ToSql> = columns.iter().map(|(_, value)| *value).collect();
    params.push(&seen.at);
    params.push(&seen.run);
    conn.prepare_cached(&sql)?.execute(params.as_slice())?;
    Ok(())
}
