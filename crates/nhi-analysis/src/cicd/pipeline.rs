//! A typed view of the CI identities that `nhi-sources::cicd` discovers: the workflow or pipeline,
//! its jobs and their facts, read back from the identity's attributes.
//!
//! Invariant: lenient. A missing or mistyped attribute reads as empty, so an identity written by
//! an older or newer source never breaks a rule; jobs come in file order.

use nhi_model::{Identity, Inventory, Location};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Which CI system and which kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    GithubWorkflow,
    GithubAction,
    Gitlab,
}

/// One workflow, composite action or pipeline.
pub(crate) struct Pipeline<'a> {
    pub identity: &'a Identity,
    pub platform: Platform,
    pub repository: String,
    /// The file's path as scanned.
    pub path: Option<String>,
    pub triggers: Vec<String>,
    pub push_branches: Vec<String>,
    pub jobs: Vec<Job>,
}

/// GitHub `permissions`: a name (`default` when absent, `read-all`, `write-all`) or scopes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum Permissions {
    Named(String),
    Scopes(BTreeMap<String, String>),
}

/// One job, of either platform (fields of the other platform stay empty).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Job {
    pub id: String,
    pub line: u32,
    pub environment: Option<String>,
    pub condition: Option<String>,
    pub effective_permissions: Option<Permissions>,
    pub secrets: BTreeSet<String>,
    pub all_secrets: Option<String>,
    pub actions: Vec<ActionUse>,
    pub checkouts: Vec<Checkout>,
    pub cloud_logins: Vec<CloudLogin>,
    pub requests_id_token: bool,
    pub stage: Option<String>,
    pub only_refs: Vec<String>,
    pub rules_if: Vec<String>,
    pub echoes: Vec<Echo>,
    pub env_dumps: Vec<u32>,
    pub job_token_uses: Vec<TokenUse>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ActionUse {
    pub uses: String,
    pub line: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Checkout {
    pub line: u32,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub repository: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CloudLogin {
    pub cloud: String,
    pub action: String,
    pub federated: bool,
    pub target: Option<String>,
    pub secrets: Vec<String>,
    pub line: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Echo {
    pub variable: String,
    pub line: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TokenUse {
    pub line: u32,
    pub hosts: Vec<String>,
}

impl Permissions {
    /// Whether nothing was written: the repository default applies, which is write-all on
    /// repositories created before February 2023 and on many organisations since.
    pub(crate) fn is_default(&self) -> bool {
        matches!(self, Permissions::Named(name) if name == "default")
    }

    /// Whether every scope may be written.
    pub(crate) fn is_write_all(&self) -> bool {
        matches!(self, Permissions::Named(name) if name == "write-all")
    }

    /// Scopes granted `write`, sorted (`id-token` included).
    pub(crate) fn written_scopes(&self) -> Vec<&str> {
        match self {
            Permissions::Scopes(scopes) => scopes
                .iter()
                .filter(|(_, level)| *level == "write")
                .map(|(s, _)| s.as_str())
                .collect(),
            Permissions::Named(_) => Vec::new(),
        }
    }

    /// Whether the job can request an OIDC token.
    pub(crate) fn grants_id_token(&self) -> bool {
        self.is_write_all() || self.written_scopes().contains(&"id-token")
    }

    /// Whether the token may write to the repository: written scopes other than `id-token`,
    /// `write-all`, or the default (which may be write-all).
    pub(crate) fn may_write(&self) -> bool {
        self.is_default()
            || self.is_write_all()
            || self.written_scopes().iter().any(|s| *s != "id-token")
    }

    /// How the permissions read in evidence: as written.
    pub(crate) fn evidence(&self) -> Value {
        match self {
            Permissions::Named(name) => Value::String(name.clone()),
            Permissions::Scopes(scopes) => serde_json::to_value(scopes).unwrap_or(Value::Null),
        }
    }
}

impl Job {
    /// The job's effective permissions (`default` when the source did not say).
    pub(crate) fn permissions(&self) -> Permissions {
        self.effective_permissions
            .clone()
            .unwrap_or_else(|| Permissions::Named("default".into()))
    }

    /// Whether the job reads any secret (by name, or the whole context).
    pub(crate) fn reads_secrets(&self) -> bool {
        !self.secrets.is_empty() || self.all_secrets.is_some()
    }
}

impl Pipeline<'_> {
    /// The view of `identity`, when it is a CI identity.
    pub(crate) fn of(identity: &Identity) -> Option<Pipeline<'_>> {
        let attributes = &identity.attributes;
        let platform = match (
            text(attributes.get("platform")),
            identity.id.split(':').nth(1),
        ) {
            (Some("github-actions"), Some("workflow")) => Platform::GithubWorkflow,
            (Some("github-actions"), _) => Platform::GithubAction,
            (Some("gitlab-ci"), _) => Platform::Gitlab,
            _ => return None,
        };
        let list = |key: &str| -> Vec<String> {
            attributes
                .get(key)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default()
        };
        let location: Option<Location> = attributes
            .get("location")
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        Some(Pipeline {
            identity,
            platform,
            repository: text(attributes.get("repository"))
                .unwrap_or_default()
                .to_string(),
            path: location.and_then(|l| l.path),
            triggers: list("triggers"),
            push_branches: list("push_branches"),
            jobs: attributes
                .get("jobs")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default(),
        })
    }

    /// A location in the file at `line`.
    pub(crate) fn location(&self, line: u32) -> Option<Location> {
        self.path
            .as_ref()
            .map(|path| Location::file(path.clone(), Some(line)))
    }

    /// ``job `build` ``, or `the action` for a composite action (whose one job is its `runs:`).
    pub(crate) fn job_label(&self, job: &Job) -> String {
        match self.platform {
            Platform::GithubAction => "the action".to_string(),
            _ => format!("job `{}`", job.id),
        }
    }

    /// `repo/.github/workflows/x.yml` or `repo pipeline`, for titles.
    pub(crate) fn label(&self) -> String {
        match self
            .identity
            .id
            .split_once(':')
            .and_then(|(_, rest)| rest.split_once(':'))
        {
            Some((_, native)) if self.platform != Platform::Gitlab => native.to_string(),
            _ => format!("{} pipeline", self.repository),
        }
    }
}

fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

/// Every CI identity of the inventory, in id order.
pub(crate) fn pipelines(inventory: &Inventory) -> impl Iterator<Item = Pipeline<'_>> {
    inventory
        .identities
        .values()
        .filter(|i| i.kind == nhi_model::IdentityKind::CiWorkflow)
        .filter_map(Pipeline::of)
}
