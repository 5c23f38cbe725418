//! Discovery: turns files into identities and credentials.
//!
//! Each file source implements [`Source`]: it says whether it [`recognises`](Source::recognises) a
//! file (by name and content) and [`read`](Source::read)s it into a [`Discovery`]. The walker hands
//! every file to every source that recognises it. Adding a source never touches the walker: write
//! one module and list it in [`sources`].
//!
//! Invariants: sources do no analysis (no findings, no judgement of risk); they never keep a
//! plaintext secret in what they return, only keyed fingerprints and redacted forms; bad content
//! gives a [`SourceError`] naming the file (and line where known), never a panic.

mod aws;
mod azure;
mod cicd;
mod cloud_export;
mod credfiles;
mod gcp;
pub mod git;
pub use git::{
    find_repositories, scan_history, BlobRef, HistoryError, HistoryOptions, HistoryOutcome,
};
mod host;
mod k8s;
mod mcp;
pub mod postgres;
mod registry;
mod secrets;
mod secrets_history;
mod ssh;
mod walk;
mod x509;

use nhi_model::{Fingerprinter, Inventory};

pub use registry::sources;
pub use secrets::{builtin_secrets, SecretsSource};
pub use secrets_history::{prefer_history_locations, scan_history_secrets};
pub use walk::{
    scan_paths, scan_paths_with, ScanOptions, ScanOutcome, ScanProgress, DEFAULT_MAX_FILE_SIZE,
};

/// One file as a source sees it.
pub struct SourceFile<'a> {
    /// The path as the user will read it in reports (the scan root joined with the relative path).
    pub path: &'a str,
    /// The file's bytes (at most the walker's size cap).
    pub bytes: &'a [u8],
}

impl SourceFile<'_> {
    /// The last path component, e.g. `authorized_keys`.
    pub fn file_name(&self) -> &str {
        self.path.rsplit(['/', '\\']).next().unwrap_or(self.path)
    }

    /// The lowercase extension without the dot, or `""`.
    pub fn extension(&self) -> String {
        let name = self.file_name();
        match name.rfind('.') {
            Some(dot) if dot > 0 => name[dot + 1..].to_ascii_lowercase(),
            _ => String::new(),
        }
    }
}

/// What sources need besides the file.
pub struct SourceContext<'a> {
    /// Keyed fingerprints for secret material.
    pub fingerprinter: &'a Fingerprinter,
}

/// What a source found in one file: inventory, plus errors for the parts it could not read.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inventory: Inventory,
    pub errors: Vec<SourceError>,
}

/// A problem with one input: which file, which line where known, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct SourceError {
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
}

impl SourceError {
    /// An error about `path` (and `line`, when known).
    pub fn new(path: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        SourceError {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

/// A source of identities and credentials that reads files.
pub trait Source: Sync {
    /// Short name, e.g. `x509`, `ssh`.
    fn name(&self) -> &'static str;
    /// Whether this source wants to read the file. Cheap: called for every file of a scan.
    fn recognises(&self, file: &SourceFile) -> bool;
    /// Read the file into `out`. Problems go to `out.errors`; never panic on content.
    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery);
}
