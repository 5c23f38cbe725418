//! Git history as a source of bytes: every blob reachable from every ref, each handed once to a
//! caller's closure with the first commit that introduced it. Matching is the caller's job.
//!
//! Invariants: a blob is visited at most once, however many commits or paths hold it; which
//! commit counts as "first" is settled by one deterministic pass before any thread starts; blob
//! contents are never held beyond the visit of that blob; bad objects become [`HistoryError`]s
//! naming the repository and the object, and the walk goes on with the rest.

mod discover;
mod graph;
mod index;
mod inflate;
mod pack_order;
mod tips;

use crate::DEFAULT_MAX_FILE_SIZE;
use nhi_model::Timestamp;
use std::fmt;
use std::path::Path;

pub use discover::find_repositories;

/// How to walk a history.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Blobs larger than this many bytes are skipped with a warning, like the file walker's cap.
    pub max_blob_size: u64,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            max_blob_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// One blob as the visitor sees it: where history first shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// The blob's object id, in hex.
    pub blob: String,
    /// Its path (from the repository root) in the commit that introduced it.
    pub path: String,
    /// The oldest commit (parents before children, then by commit time) whose tree holds it.
    pub commit: String,
    /// That commit's author, as `Name <email>`.
    pub author: String,
    /// That commit's committer time.
    pub committed: Timestamp,
    /// Whether the blob is still in HEAD's tree, at any path.
    pub at_head: bool,
}

/// What a history walk did, and what it could not do.
#[derive(Debug, Default)]
pub struct HistoryOutcome {
    /// Commits walked.
    pub commits: u64,
    /// Blobs handed to the visitor.
    pub blobs_visited: u64,
    /// Their total size in bytes.
    pub bytes_visited: u64,
    /// The repository is a shallow clone: history older than its boundary is not there to walk.
    pub shallow: bool,
    /// Paths of submodule entries (gitlinks): noted, not followed, sorted.
    pub submodules: Vec<String>,
    /// Objects deliberately passed over (too large, refs to non-commits): not failures.
    pub warnings: Vec<HistoryError>,
    /// Objects or refs that could not be read: one per problem.
    pub errors: Vec<HistoryError>,
}

/// A problem with one repository: which one, which object where known, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct HistoryError {
    /// The repository as given by the caller.
    pub repository: String,
    /// The object id (hex) the problem is about, when there is one.
    pub object: Option<String>,
    pub message: String,
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.repository)?;
        if let Some(object) = &self.object {
            write!(f, "object {object}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Where errors of one walk are attributed: the repository as the caller named it.
pub(crate) struct Repo<'a> {
    pub name: &'a str,
}

impl Repo<'_> {
    /// An error about this repository, and about `object` when known.
    pub(crate) fn error(
        &self,
        object: Option<&gix::oid>,
        message: impl Into<String>,
    ) -> HistoryError {
        HistoryError {
            repository: self.name.to_string(),
            object: object.map(|id| id.to_string()),
            message: message.into(),
        }
    }
}

/// Walk every blob reachable from every ref of the repository at `repo` (a work tree, its `.git`
/// directory, or a bare repository) and call `visit` once per blob with its bytes, from several
/// threads. Blobs over [`HistoryOptions::max_blob_size`] are skipped with a warning; binary blobs
/// are passed through.
pub fn scan_history(
    repo: &Path,
    options: &HistoryOptions,
    visit: impl Fn(&BlobRef, &[u8]) + Sync,
) -> HistoryOutcome {
    let name = repo.to_string_lossy();
    let at = Repo { name: &name };
    let mut outcome = HistoryOutcome::default();
    let shared = match gix::open::Options::isolated().open(repo) {
        Ok(shared) => shared,
        Err(err) => {
            outcome
                .errors
                .push(at.error(None, format!("cannot open as a git repository: {err}")));
            return outcome;
        }
    };
    let local = shared.to_thread_local();
    let tips = tips::collect(&local, &at, &mut outcome);
    let commits = graph::load(&local, &tips, &at, &mut outcome);
    outcome.commits = commits.len() as u64;
    let index = index::build(&local, &commits, &at, &mut outcome);
    inflate::visit_all(&shared, &commits, &index, options, &at, &mut outcome, visit);
    outcome
}
