//! Typed errors of rule loading. Each carries the file and, where known, the line, so the binary
//! can print one readable line per problem and go on.

use std::path::PathBuf;

/// Why a rule file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file could not be read.
    #[error("{path}: cannot read rule file: {source}", path = path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML, or not the rule-file shape.
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Yaml {
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// One rule breaks a rule invariant (bad id, no keyword, bad pattern...).
    #[error("{file}{}: rule '{id}': {reason}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    InvalidRule {
        file: String,
        line: Option<usize>,
        id: String,
        reason: String,
    },
    /// Two rules share an id.
    #[error("{file}: rule id '{id}' is already defined in {first}")]
    DuplicateId {
        file: String,
        id: String,
        first: String,
    },
    /// The keyword prefilter could not be built.
    #[error("cannot build the keyword prefilter: {0}")]
    Prefilter(String),
}
