//! The nhi store: an SQLite database that records every scan as a run, keeps the inventory with
//! when each item was first and last seen, and tracks each finding's lifecycle across runs
//! (open, resolved when a later run of the same scope no longer sees it, reopened when it returns).
//!
//! Invariants: a run is written in one transaction, so a crash leaves the previous state intact;
//! the store holds fingerprints and redacted forms only, never a plaintext secret; the database
//! file and its companions have mode 0600.
//!
//! ```no_run
//! # fn main() -> Result<(), nhi_store::StoreError> {
//! let store = nhi_store::Store::open(".nhi/nhi.db")?;
//! for tracked in store.findings(&nhi_store::FindingQuery::default())? {
//!     println!("{} {}", tracked.finding.rule, tracked.finding.title);
//! }
//! # Ok(()) }
//! ```

mod alerts;
mod error;
mod files;
mod json;
mod meta;
mod read;
mod runs;
mod schema;
mod write;

pub use alerts::{alert_id, RecordedAlerts};
pub use error::StoreError;
pub use read::{FindingQuery, IdentitySighting, ItemHistory, Recorded, StatusFilter};
pub use runs::{NewRun, Run, RunCounts, SeverityCounts};
pub use write::RunSummary;

use error::Fault;
use nhi_model::{Credential, Finding, Fingerprinter, Identity, Inventory, TrackedFinding};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// An open nhi database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// The database file, named in every error (`:memory:` for an in-memory store).
    path: PathBuf,
    fingerprinter: Fingerprinter,
}

impl Store {
    /// Open the database at `path`, creating it (and its directory) when missing and bringing its
    /// schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        files::prepare(path)?;
        let conn = Connection::open(path).map_err(|e| Fault::from(e).at(path))?;
        let store = Store::init(conn, path)?;
        files::restrict(path)?;
        Ok(store)
    }

    /// A private database in memory, gone when the store is dropped (for tests and dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = Path::new(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| Fault::from(e).at(path))?;
        Store::init(conn, path)
    }

    /// Configure the connection, migrate the schema and load the fingerprint key.
    fn init(mut conn: Connection, path: &Path) -> Result<Store, StoreError> {
        let prepared = schema::configure(&conn)
            .and_then(|()| schema::migrate(&mut conn))
            .and_then(|()| meta::fingerprinter(&mut conn));
        let fingerprinter = prepared.map_err(|fault| fault.at(path))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            fingerprinter,
        })
    }

    /// The fingerprinter keyed with this store's own random key: fingerprints made with it link
    /// the same secret across runs of this store, and nowhere else.
    pub fn fingerprinter(&self) -> Fingerprinter {
        self.fingerprinter.clone()
    }

    /// Record a scan: the run, its inventory and its findings, all or nothing. A finding belongs
    /// to the scope of the latest run that saw it; open findings of this run's scope that it did
    /// not see become resolved, and findings of other scopes are left as they are.
    pub fn record_run(
        &mut self,
        run: &NewRun,
        inventory: &Inventory,
        findings: &[Finding],
    ) -> Result<RunSummary, StoreError> {
        write::record(&mut self.conn, run, inventory, findings).map_err(|f| f.at(&self.path))
    }

    /// Every recorded run, oldest first.
    pub fn runs(&self) -> Result<Vec<Run>, StoreError> {
        runs::all(&self.conn).map_err(|f| f.at(&self.path))
    }

    /// The most recent run, if any.
    pub fn latest_run(&self) -> Result<Option<Run>, StoreError> {
        runs::latest(&self.conn).map_err(|f| f.at(&self.path))
    }

    /// Everything recorded so far: every identity, every credential with every location it was
    /// seen at, every grant and edge. Each item is as its most recent run saw it.
    pub fn inventory(&self) -> Result<Inventory, StoreError> {
        read::inventory(&self.conn).map_err(|f| f.at(&self.path))
    }

    /// Findings matching `query`, worst first.
    pub fn findings(&self, query: &FindingQuery) -> Result<Vec<TrackedFinding>, StoreError> {
        read::findings(&self.conn, query).map_err(|f| f.at(&self.path))
    }

    /// Every finding, open or resolved, about the identity or credential `subject_id`.
    pub fn findings_about(&self, subject_id: &str) -> Result<Vec<TrackedFinding>, StoreError> {
        self.findings(&FindingQuery {
            status: StatusFilter::All,
            subject: Some(subject_id.to_string()),
            ..FindingQuery::default()
        })
    }

    /// What the store remembers of every identity (first and last seen, last used), so that a new
    /// run can carry facts forward that its own sources cannot see (a role not connected right now
    /// was still used last week).
    pub fn identity_sightings(
        &self,
    ) -> Result<std::collections::HashMap<String, IdentitySighting>, StoreError> {
        read::identity_sightings(&self.conn).map_err(|f| f.at(&self.path))
    }

    /// One identity with when it was first and last seen.
    pub fn identity(&self, id: &str) -> Result<Option<Recorded<Identity>>, StoreError> {
        read::identity(&self.conn, id).map_err(|f| f.at(&self.path))
    }

    /// One credential, with every location it was seen at, and when it was first and last seen.
    pub fn credential(&self, id: &str) -> Result<Option<Recorded<Credential>>, StoreError> {
        read::credential(&self.conn, id).map_err(|f| f.at(&self.path))
    }

    /// Record the alerts of a hunt (recorded at `recorded`), all or nothing. An alert already held
    /// (same detector, principal and first event) is merged with the new one, not duplicated.
    pub fn record_alerts(
        &mut self,
        alerts: &[nhi_model::Alert],
        recorded: nhi_model::Timestamp,
    ) -> Result<RecordedAlerts, StoreError> {
        alerts::record(&mut self.conn, alerts, recorded).map_err(|f| f.at(&self.path))
    }

    /// Every recorded alert, oldest first.
    pub fn alerts(&self) -> Result<Vec<nhi_model::Alert>, StoreError> {
        alerts::all(&self.conn).map_err(|f| f.at(&self.path))
    }

    /// Ids of the alerts that the log event `event_id` is behind.
    pub fn alerts_for_event(&self, event_id: &str) -> Result<Vec<String>, StoreError> {
        alerts::for_event(&self.conn, event_id).map_err(|f| f.at(&self.path))
    }
}

#[cfg(test)]
mod tests;
