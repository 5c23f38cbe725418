//! Where something was seen: a file and line, a git commit, a cloud account or a cluster.

use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// One place where a credential, identity or finding was seen. Every field is optional because
/// sources know different things: a file scan knows `path` and `line`, git history adds `commit`,
/// `author` and `committed`, a cloud export knows `account`, a cluster dump knows `cluster`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// File path as given on the command line (joined with the walked relative path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Git commit that introduced the value (null outside git history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Commit author.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Commit time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed: Option<Timestamp>,
    /// Cloud account, subscription or project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Kubernetes cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

impl Location {
    /// A location in a file, with an optional 1-based line.
    pub fn file(path: impl Into<String>, line: Option<u32>) -> Self {
        Location {
            path: Some(path.into()),
            line,
            ..Location::default()
        }
    }

    /// A short human form: `path:line`, `path@commit`, `account` or `cluster`.
    pub fn display(&self) -> String {
        let mut out = String::new();
        if let Some(path) = &self.path {
            out.push_str(path);
            if let Some(line) = self.line {
                out.push_str(&format!(":{line}"));
            }
        }
        if let Some(commit) = &self.commit {
            out.push_str(&format!("@{}", &commit[..commit.len().min(12)]));
        }
        for extra in [&self.account, &self.cluster].into_iter().flatten() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(extra);
        }
        out
    }
}
