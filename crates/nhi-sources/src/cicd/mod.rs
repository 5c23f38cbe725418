//! CI/CD sources: GitHub Actions workflows and composite actions, and GitLab CI pipelines. Each
//! workflow or pipeline file is one identity of kind `ci-workflow`; its jobs, the secrets they
//! read, the permissions they hold and the cloud roles they federate into are its attributes.
//!
//! What lands in the inventory, the contract `nhi-analysis::cicd` reads:
//! - identities `github:workflow:<repo>/<path>`, `github:action:<repo>/<path>` (composite actions)
//!   and `gitlab:pipeline:<repo>`, where `<repo>` is the name of the folder that holds `.github`
//!   (or `.gitlab-ci.yml`) and `<path>` the file's path inside it. Attributes: `platform`
//!   (`github-actions` or `gitlab-ci`), `repository`, `file`, `location`, `secrets` (the union of
//!   the jobs') and `jobs`: one object per job with its `id`, `line` and `secrets` (names only,
//!   never values), plus the facts of its platform (see `github_actions.rs` and `gitlab_ci.rs`);
//! - edges `can-assume` from a workflow to `aws:role:<arn>`, `gcp:serviceaccount:<email>` or
//!   `azure:serviceprincipal:<client id>` for every cloud login whose target is written in the
//!   file, with `method`, `job`, `repository`, `branches`, `environment`, `federated` and `location`.
//!
//! Invariants: sources record facts and judge nothing; no secret value is read or kept (a literal
//! value in a file is the secret scanner's business); bad input gives errors naming the file and
//! the document or job, never a panic, and the rest of the file still counts.

mod expressions;
mod github_actions;
mod github_steps;
mod gitlab_ci;
mod gitlab_jobs;
mod gitlab_script;
mod yaml;

#[cfg(test)]
mod tests;

pub(crate) use github_actions::GithubActions;
pub(crate) use gitlab_ci::GitlabCi;

use crate::SourceError;
use nhi_model::{Edge, EdgeKind, Identity, IdentityKind, Location};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// Attribute names shared with the analysis.
pub(crate) mod attr {
    /// `github-actions` or `gitlab-ci`.
    pub const PLATFORM: &str = "platform";
    /// The repository folder's name.
    pub const REPOSITORY: &str = "repository";
    /// The file's path inside the repository, e.g. `.github/workflows/deploy.yml`.
    pub const FILE: &str = "file";
    /// Where the file was read (a serialised `Location`).
    pub const LOCATION: &str = "location";
    /// The jobs, in file order.
    pub const JOBS: &str = "jobs";
    /// Per job and, as their union, per file: names of the secrets read (never values).
    pub const SECRETS: &str = "secrets";
    /// Graph convention: how an edge is taken, for humans.
    pub const METHOD: &str = "method";
}

/// One CI file being read: where it is, its lines, and the repository it belongs to.
pub(crate) struct CiFile<'a> {
    pub path: &'a str,
    lines: Vec<&'a str>,
    pub repository: String,
    /// The path inside the repository.
    pub file: String,
}

impl<'a> CiFile<'a> {
    /// The file at `path`, whose repository folder is the path component at `anchor` components
    /// before the end (`.github/workflows/x.yml` -> 3, `.gitlab-ci.yml` -> 1).
    pub(crate) fn new(path: &'a str, text: &'a str, anchor: usize) -> Self {
        let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
        let split = parts.len().saturating_sub(anchor);
        let file = parts[split..].join("/");
        let repository = match split.checked_sub(1).map(|i| parts[i]) {
            Some(name) if name != "." && name != ".." => name.to_string(),
            _ => folder_name(path, anchor),
        };
        CiFile {
            path,
            lines: text.lines().collect(),
            repository,
            file,
        }
    }

    /// An error about this file at `line`.
    pub(crate) fn error(&self, line: Option<u32>, message: impl Into<String>) -> SourceError {
        SourceError::new(self.path, line, message)
    }

    /// A location in this file.
    pub(crate) fn location(&self, line: u32) -> Location {
        Location::file(self.path, Some(line))
    }

    /// The 1-based line of the first line at or after `from` whose first word is the mapping key
    /// `key` (bare or quoted), else `from`. Value-based YAML parsing loses positions; keys are
    /// rarely repeated between a job's start and its own fields, so a forward search is exact
    /// for well-formed files and harmless otherwise.
    pub(crate) fn key_line(&self, key: &str, from: u32) -> u32 {
        let spellings = [key.to_string(), format!("\"{key}\""), format!("'{key}'")];
        self.find_line(from, |line| {
            let line = line.trim_start().trim_start_matches("- ");
            spellings.iter().any(|k| {
                line.strip_prefix(k.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
            })
        })
        .unwrap_or(from)
    }

    /// The 1-based line of the first line at or after `from` that holds the first line of
    /// `needle`; else of the first such line in the file (a template's script sits above the job
    /// that extends it); else `from`.
    pub(crate) fn line_containing(&self, needle: &str, from: u32) -> u32 {
        let needle = needle.lines().next().unwrap_or(needle).trim();
        let holds = |line: &str| line.contains(needle);
        self.find_line(from, holds)
            .or_else(|| self.find_line(1, holds))
            .unwrap_or(from)
    }

    fn find_line(&self, from: u32, matches: impl Fn(&str) -> bool) -> Option<u32> {
        let skip = (from.saturating_sub(1) as usize).min(self.lines.len());
        self.lines[skip..]
            .iter()
            .position(|line| !line.trim_start().starts_with('#') && matches(line))
            .map(|index| (skip + index) as u32 + 1)
    }

    /// The identity of this file with the shared attributes; `jobs` are serialised as given.
    pub(crate) fn identity(
        &self,
        id: String,
        name: String,
        platform: &str,
        jobs: &impl Serialize,
    ) -> Identity {
        let mut identity = Identity::new(id, IdentityKind::CiWorkflow, provider(platform), name);
        let attributes = &mut identity.attributes;
        attributes.insert(attr::PLATFORM.into(), platform.into());
        attributes.insert(attr::REPOSITORY.into(), self.repository.clone().into());
        attributes.insert(attr::FILE.into(), self.file.clone().into());
        attributes.insert(attr::LOCATION.into(), to_value(&self.location(1)));
        let jobs = to_value(jobs);
        // Every secret any job reads, for a reader who wants the file's secrets at a glance.
        let secrets: std::collections::BTreeSet<&str> = jobs
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|job| job.get(attr::SECRETS)?.as_array())
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        attributes.insert(attr::SECRETS.into(), to_value(&secrets));
        attributes.insert(attr::JOBS.into(), jobs);
        identity
    }
}

fn provider(platform: &str) -> &'static str {
    if platform.starts_with("gitlab") {
        "gitlab"
    } else {
        "github"
    }
}

/// The name of the folder `anchor` components above the file, from the canonical path: the
/// written path (`./.github/workflows/ci.yml`) does not name it. `.` when it cannot be known.
fn folder_name(path: &str, anchor: usize) -> String {
    let mut dir = Path::new(path).to_path_buf();
    for _ in 0..anchor {
        dir.pop();
    }
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".").to_path_buf()
    } else {
        dir
    };
    std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| ".".to_string())
}

/// Serialise a fact for an attribute; the types serialised here cannot fail.
pub(crate) fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A `can-assume` edge from a CI identity to a cloud identity, with its attributes.
pub(crate) fn assume_edge(
    from: &str,
    to: String,
    method: String,
    attributes: Vec<(&str, Value)>,
) -> Edge {
    let mut edge = Edge {
        from: from.to_string(),
        to,
        kind: EdgeKind::CanAssume,
        attributes: Default::default(),
    };
    edge.attributes
        .insert(attr::METHOD.into(), Value::String(method));
    for (key, value) in attributes {
        edge.attributes.insert(key.to_string(), value);
    }
    edge
}
