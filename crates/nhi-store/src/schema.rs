//! The database layout and its numbered migrations. `PRAGMA user_version` holds the number of
//! migrations applied; each migration runs in its own transaction together with the version bump, so
//! a database is always at exactly one known version. Migrations are append-only: never edit one
//! that has shipped, add the next.

use crate::error::Fault;
use nhi_model::Severity;
use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order; migration `n` (1-based) brings the schema to version `n`.
const MIGRATIONS: &[&str] = &[
    // 1: runs, the inventory with its sightings, findings with their lifecycle.
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE runs (
        id       INTEGER PRIMARY KEY,
        started  TEXT NOT NULL,
        finished TEXT NOT NULL,
        command  TEXT NOT NULL,
        paths    TEXT NOT NULL,
        scope    TEXT NOT NULL,
        version  TEXT NOT NULL,
        counts   TEXT NOT NULL
    );
    CREATE INDEX runs_by_scope ON runs (scope, id);

    CREATE TABLE identities (
        id         TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        provider   TEXT NOT NULL,
        json       TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen  TEXT NOT NULL,
        first_run  INTEGER NOT NULL REFERENCES runs (id),
        last_run   INTEGER NOT NULL REFERENCES runs (id)
    );

    CREATE TABLE credentials (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        identity    TEXT,
        fingerprint TEXT NOT NULL,
        json        TEXT NOT NULL,
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        first_run   INTEGER NOT NULL REFERENCES runs (id),
        last_run    INTEGER NOT NULL REFERENCES runs (id)
    );
    CREATE INDEX credentials_by_identity ON credentials (identity);
    CREATE INDEX credentials_by_fingerprint ON credentials (fingerprint);

    CREATE TABLE credential_locations (
        credential_id TEXT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
        location      TEXT NOT NULL,
        first_seen    TEXT NOT NULL,
        last_seen     TEXT NOT NULL,
        first_run     INTEGER NOT NULL REFERENCES runs (id),
        last_run      INTEGER NOT NULL REFERENCES runs (id),
        PRIMARY KEY (credential_id, location)
    ) WITHOUT ROWID;

    CREATE TABLE grants (
        json       TEXT PRIMARY KEY,
        identity   TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen  TEXT NOT NULL,
        first_run  INTEGER NOT NULL REFERENCES runs (id),
        last_run   INTEGER NOT NULL REFERENCES runs (id)
    );
    CREATE INDEX grants_by_identity ON grants (identity);

    CREATE TABLE edges (
        json       TEXT PRIMARY KEY,
        from_id    TEXT NOT NULL,
        to_id      TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen  TEXT NOT NULL,
        first_run  INTEGER NOT NULL REFERENCES runs (id),
        last_run   INTEGER NOT NULL REFERENCES runs (id)
    );

    CREATE TABLE findings (
        id            TEXT PRIMARY KEY,
        rule          TEXT NOT NULL,
        severity      TEXT NOT NULL,
        severity_rank INTEGER NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
        scope         TEXT NOT NULL,
        resolved_at   TEXT,
        json          TEXT NOT NULL,
        first_seen    TEXT NOT NULL,
        last_seen     TEXT NOT NULL,
        first_run     INTEGER NOT NULL REFERENCES runs (id),
        last_run      INTEGER NOT NULL REFERENCES runs (id)
    );
    CREATE INDEX findings_by_scope ON findings (scope, status);
    CREATE INDEX findings_by_rule ON findings (rule);
    CREATE INDEX findings_by_first_run ON findings (first_run);

    CREATE TABLE finding_subjects (
        subject_id TEXT NOT NULL,
        finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
        PRIMARY KEY (subject_id, finding_id)
    ) WITHOUT ROWID;
    CREATE INDEX finding_subjects_by_finding ON finding_subjects (finding_id);
    ",
    // 2: alerts from `nhi hunt` / `nhi watch`, with the log events behind each.
    "
    CREATE TABLE alerts (
        id            TEXT PRIMARY KEY,
        detector      TEXT NOT NULL,
        severity      TEXT NOT NULL,
        severity_rank INTEGER NOT NULL,
        principal     TEXT NOT NULL,
        time          TEXT NOT NULL,
        summary       TEXT NOT NULL,
        json          TEXT NOT NULL,
        recorded      TEXT NOT NULL
    );
    CREATE INDEX alerts_by_time ON alerts (time);
    CREATE INDEX alerts_by_principal ON alerts (principal, time);
    CREATE INDEX alerts_by_detector ON alerts (detector);

    CREATE TABLE alert_events (
        alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        event_id TEXT NOT NULL,
        PRIMARY KEY (alert_id, event_id)
    ) WITHOUT ROWID;
    CREATE INDEX alert_events_by_event ON alert_events (event_id);
    ",
];

/// The schema version this build writes and understands.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Connection settings every store uses: foreign keys enforced, write-ahead log with `NORMAL`
/// sync (durable at each checkpoint, never corrupt), and a wait instead of an error when another
/// nhi holds the write lock.
pub(crate) fn configure(conn: &Connection) -> Result<(), Fault> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;",
    )?;
    Ok(())
}

/// Bring the schema up to `VERSION`, one migration per transaction. The version is read inside
/// each write transaction, so two processes opening a fresh database never apply one twice.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), Fault> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = version(&tx)?;
        if found > VERSION {
            return Err(Fault::NewerSchema {
                found,
                known: VERSION,
            });
        }
        let applied = usize::try_from(found)
            .map_err(|_| Fault::decode("schema version", format!("{found} is negative")))?;
        let Some(next) = MIGRATIONS.get(applied) else {
            return Ok(());
        };
        tx.execute_batch(next)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}

/// The schema version recorded in the database.
pub(crate) fn version(conn: &Connection) -> Result<i64, Fault> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// The `severity_rank` column: higher is worse, so "at least high" is `severity_rank >= rank(High)`.
pub(crate) fn severity_rank(severity: Severity) -> i64 {
    // `Severity` declares its variants from least to most severe.
    severity as i64
}
