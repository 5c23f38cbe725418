//! GitHub Actions: workflow files (`.github/workflows/*.yml|yaml`) and composite actions
//! (`action.yml` with `runs.using: composite`).
//!
//! A workflow identity carries, besides the shared attributes (see `mod.rs`): `name`, `triggers`
//! (event names), `push_branches` and `push_tags` (from `on.push`), `permissions` (workflow level,
//! `default` when absent) and per job: `environment`, `condition` (`if:`), `runs_on`,
//! `permissions` (job level, absent when inherited), `effective_permissions`, `secrets`,
//! `all_secrets` (`inherit` or `expression` when every secret is passed on), `actions`,
//! `checkouts`, `cloud_logins` and `requests_id_token` (see `github_steps.rs`). A composite action
//! has one job, `runs`, with only the step facts.
//!
//! Invariant: one identity per file; a job that cannot be read is reported and skipped.

use super::expressions::{expressions, SecretReads};
use super::github_steps::{read_steps, ActionUse, CloudLogin, StepFacts};
use super::yaml::{self, get, get_text, scalar, scalars, shape};
use super::{assume_edge, to_value, CiFile};
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use nhi_model::Edge;
use serde::Serialize;
use serde_json::json;
use serde_yaml_ng::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Reads GitHub Actions workflows and composite actions.
pub(crate) struct GithubActions;

/// The platform attribute of GitHub identities.
const PLATFORM: &str = "github-actions";

impl Source for GithubActions {
    fn name(&self) -> &'static str {
        "github-actions"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        matches!(file.extension().as_str(), "yml" | "yaml")
            && (is_workflow(file.path) || is_action(file))
    }

    fn read(&self, file: &SourceFile, _ctx: &SourceContext, out: &mut Discovery) {
        let Ok(text) = std::str::from_utf8(file.bytes) else {
            out.errors
                .push(SourceError::new(file.path, None, "not UTF-8 text"));
            return;
        };
        let workflow = is_workflow(file.path);
        let ci = CiFile::new(
            file.path,
            text,
            if workflow { 3 } else { action_depth(file.path) },
        );
        let (documents, error) = yaml::documents(text);
        out.errors
            .extend(error.map(|e| ci.error(e.line, e.message)));
        let mut documents = documents.into_iter();
        let Some(first) = documents.next() else {
            return;
        };
        for extra in documents {
            let message = format!(
                "document {}: a workflow file holds one document; this one is ignored",
                extra.index
            );
            out.errors.push(ci.error(None, message));
        }
        if !first.value.is_mapping() {
            let message = format!(
                "document {} is {}, not a workflow or action",
                first.index,
                shape(&first.value)
            );
            out.errors.push(ci.error(Some(1), message));
            return;
        }
        if workflow {
            read_workflow(&ci, &first.value, out);
        } else {
            read_action(&ci, &first.value, out);
        }
    }
}

/// Whether `path` is directly inside a `.github/workflows` folder (GitHub ignores subfolders).
fn is_workflow(path: &str) -> bool {
    let path = path.replace('\\', "/");
    let rest = match path.rfind(".github/workflows/") {
        Some(at) if at == 0 || path[..at].ends_with('/') => {
            &path[at + ".github/workflows/".len()..]
        }
        _ => return false,
    };
    !rest.is_empty() && !rest.contains('/')
}

fn is_action(file: &SourceFile) -> bool {
    matches!(file.file_name(), "action.yml" | "action.yaml")
        && memchr::memmem::find(file.bytes, b"composite").is_some()
}

/// How many path components of an action file belong to its repository path: the whole
/// `.github/actions/<name>/action.yml` when it lives there, else only the file (an action
/// repository keeps `action.yml` at its root).
fn action_depth(path: &str) -> usize {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    parts
        .iter()
        .rposition(|p| *p == ".github")
        .map_or(1, |at| parts.len() - at)
}

/// Permissions as written: a name (`read-all`, `write-all`, `default` when absent) or scopes.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum Permissions {
    Named(String),
    Scopes(BTreeMap<String, String>),
}

impl Permissions {
    fn read(value: Option<&Value>) -> Option<Permissions> {
        match value? {
            Value::Null => Some(Permissions::Scopes(BTreeMap::new())),
            Value::Mapping(map) => Some(Permissions::Scopes(
                map.iter()
                    .filter_map(|(scope, level)| {
                        Some((scalar(scope)?, scalar(level).unwrap_or_default()))
                    })
                    .collect(),
            )),
            other => Some(Permissions::Named(
                scalar(other).unwrap_or_else(|| shape(other).to_string()),
            )),
        }
    }

    fn default() -> Permissions {
        Permissions::Named("default".to_string())
    }
}

/// One job of a workflow.
#[derive(Debug, Serialize)]
struct Job {
    id: String,
    line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    runs_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions: Option<Permissions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_permissions: Option<Permissions>,
    secrets: BTreeSet<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    all_secrets: Option<&'static str>,
    #[serde(flatten)]
    steps: StepFacts,
}

fn read_workflow(ci: &CiFile, doc: &Value, out: &mut Discovery) {
    // A tool that re-wrote the file as YAML 1.1 turns the `on` key into `true`.
    let on = get(doc, "on").or_else(|| doc.as_mapping().and_then(|m| m.get(Value::Bool(true))));
    let triggers = match on {
        Some(Value::Mapping(events)) => events.keys().filter_map(scalar).collect(),
        other => scalars(other),
    };
    let push = on.and_then(|on| get(on, "push"));
    let workflow_permissions = Permissions::read(get(doc, "permissions"));
    let mut env_reads = SecretReads::default();
    if let Some(env) = get(doc, "env") {
        scan_secrets(env, &mut env_reads);
    }

    let mut jobs = Vec::new();
    match get(doc, "jobs") {
        Some(Value::Mapping(map)) => {
            let mut cursor = ci.key_line("jobs", 1);
            for (key, value) in map {
                let Some(id) = scalar(key) else { continue };
                cursor = ci.key_line(&id, cursor);
                if id.contains("${{") {
                    let message = format!(
                        "job id `{id}` is an expression, which GitHub does not accept; job skipped"
                    );
                    out.errors.push(ci.error(Some(cursor), message));
                    continue;
                }
                if !value.is_mapping() {
                    out.errors.push(ci.error(
                        Some(cursor),
                        format!("job `{id}` is {}, not a job", shape(value)),
                    ));
                    continue;
                }
                let mut job = read_job(ci, &id, value, cursor, &mut out.errors);
                job.secrets.extend(env_reads.names.iter().cloned());
                job.all_secrets = job.all_secrets.or(env_reads.whole.then_some("expression"));
                job.effective_permissions = job
                    .permissions
                    .clone()
                    .or_else(|| workflow_permissions.clone())
                    .or_else(|| Some(Permissions::default()));
                jobs.push(job);
            }
        }
        Some(other) => out
            .errors
            .push(ci.error(Some(1), format!("jobs is {}, not a mapping", shape(other)))),
        None => out
            .errors
            .push(ci.error(Some(1), "no jobs: not a workflow")),
    }

    let id = format!("github:workflow:{}/{}", ci.repository, ci.file);
    let name = get_text(doc, "name").unwrap_or_else(|| ci.file.clone());
    let mut identity = ci.identity(id.clone(), name, PLATFORM, &jobs);
    let push_branches = scalars(push.and_then(|p| get(p, "branches")));
    let attributes = [
        ("triggers", to_value(&triggers)),
        ("push_branches", to_value(&push_branches)),
        (
            "push_tags",
            to_value(&scalars(push.and_then(|p| get(p, "tags")))),
        ),
        (
            "permissions",
            to_value(&workflow_permissions.unwrap_or_else(Permissions::default)),
        ),
    ];
    for (key, value) in attributes {
        identity.attributes.insert(key.to_string(), value);
    }
    out.inventory.add_identity(identity);
    for job in &jobs {
        for login in &job.steps.cloud_logins {
            if let Some(edge) = login_edge(ci, &id, job, login, &push_branches) {
                out.inventory.edges.push(edge);
            }
        }
    }
}

fn read_job(ci: &CiFile, id: &str, value: &Value, line: u32, errors: &mut Vec<SourceError>) -> Job {
    let mut reads = SecretReads::default();
    scan_secrets(value, &mut reads);
    let inherits = get_text(value, "secrets").is_some_and(|s| s == "inherit");
    let environment =
        get(value, "environment").and_then(|env| scalar(env).or_else(|| get_text(env, "name")));
    let runs_on =
        get(value, "runs-on").map(|r| match get(r, "labels").or_else(|| get(r, "group")) {
            Some(labels) => scalars(Some(labels)).join(", "),
            None => scalars(Some(r)).join(", "),
        });
    let mut steps = read_steps(ci, get(value, "steps"), id, line, errors);
    if let Some(workflow) = get_text(value, "uses") {
        // A reusable workflow call: it runs with what this job passes on.
        let line = ci.line_containing(&workflow, line);
        steps.actions.push(ActionUse {
            uses: workflow,
            line,
        });
    }
    Job {
        id: id.to_string(),
        line,
        environment,
        condition: get(value, "if").and_then(scalar),
        runs_on: runs_on.filter(|r| !r.is_empty()),
        permissions: Permissions::read(get(value, "permissions")),
        effective_permissions: None,
        secrets: reads.names,
        all_secrets: if inherits {
            Some("inherit")
        } else {
            reads.whole.then_some("expression")
        },
        steps,
    }
}

/// Add the secrets read anywhere in `value`: in `${{ }}` expressions, and in `if:` conditions,
/// which are expressions even when written bare.
fn scan_secrets(value: &Value, reads: &mut SecretReads) {
    yaml::visit_strings(value, None, &mut |under, text| {
        let found = expressions(text);
        if found.is_empty() && under == Some("if") {
            reads.scan(text);
        }
        found.into_iter().for_each(|e| reads.scan(e));
    });
}

/// The `can-assume` edge of a cloud login whose target is written out (not an expression).
fn login_edge(
    ci: &CiFile,
    from: &str,
    job: &Job,
    login: &CloudLogin,
    branches: &[String],
) -> Option<Edge> {
    let target = login.target.as_deref().filter(|t| !t.contains("${{"))?;
    let to = match login.cloud {
        "aws" if target.starts_with("arn:") && target.contains(":role/") => {
            format!("aws:role:{target}")
        }
        "gcp" if target.contains('@') => {
            format!("gcp:serviceaccount:{}", target.to_ascii_lowercase())
        }
        "azure" => format!("azure:serviceprincipal:{}", target.to_ascii_lowercase()),
        _ => return None,
    };
    let how = if login.federated {
        "OIDC token"
    } else {
        "stored key"
    };
    let method = format!(
        "GitHub Actions job `{}` logs in with {} ({how})",
        job.id, login.action
    );
    let attributes = vec![
        ("job", json!(job.id)),
        ("repository", json!(ci.repository)),
        ("branches", json!(branches)),
        ("environment", json!(job.environment)),
        ("federated", json!(login.federated)),
        ("location", to_value(&ci.location(login.line))),
    ];
    Some(assume_edge(from, to, method, attributes))
}

fn read_action(ci: &CiFile, doc: &Value, out: &mut Discovery) {
    let runs = get(doc, "runs");
    if runs.and_then(|r| get_text(r, "using")).as_deref() != Some("composite") {
        return; // JavaScript and container actions hold no steps to read.
    }
    let line = ci.key_line("runs", 1);
    let steps = read_steps(
        ci,
        runs.and_then(|r| get(r, "steps")),
        "runs",
        line,
        &mut out.errors,
    );
    let job = Job {
        id: "runs".to_string(),
        line,
        environment: None,
        condition: None,
        runs_on: None,
        permissions: None,
        effective_permissions: None,
        secrets: BTreeSet::new(),
        all_secrets: None,
        steps,
    };
    let id = format!("github:action:{}/{}", ci.repository, ci.file);
    let name = get_text(doc, "name").unwrap_or_else(|| ci.file.clone());
    out.inventory
        .add_identity(ci.identity(id, name, PLATFORM, &[job]));
}
