//! GitLab CI pipelines (`.gitlab-ci.yml`). One identity per file, `gitlab:pipeline:<repo>`.
//!
//! Besides the shared attributes (see `mod.rs`) it carries `includes` (noted, never fetched) and
//! per job: `stage`, `environment`, `only_refs` and `rules_if` (what limits where it runs),
//! `secrets` (CI/CD variables it references that the file does not define, plus file variables
//! whose value is one), `id_tokens` (name and audiences), `echoes`, `env_dumps` and
//! `job_token_uses` (see `gitlab_script.rs`) and `roles` (AWS role ARNs written in a job that
//! requests an ID token: it federates into them).
//!
//! Invariant: a job is read as GitLab runs it (`extends`, `default:`, `!reference` applied); a
//! job that cannot be resolved is reported and skipped.

use super::gitlab_jobs::{is_job, resolve};
use super::gitlab_script::{variables, ScriptFacts, JOB_TOKEN};
use super::yaml::{self, get, get_text, scalar, scalars, shape};
use super::{assume_edge, to_value, CiFile};
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use serde::Serialize;
use serde_json::json;
use serde_yaml_ng::{Mapping, Value};
use std::collections::BTreeSet;

/// Reads GitLab CI pipeline files.
pub(crate) struct GitlabCi;

const PLATFORM: &str = "gitlab-ci";

impl Source for GitlabCi {
    fn name(&self) -> &'static str {
        "gitlab-ci"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        matches!(file.file_name(), ".gitlab-ci.yml" | ".gitlab-ci.yaml")
    }

    fn read(&self, file: &SourceFile, _ctx: &SourceContext, out: &mut Discovery) {
        let Ok(text) = std::str::from_utf8(file.bytes) else {
            out.errors
                .push(SourceError::new(file.path, None, "not UTF-8 text"));
            return;
        };
        let ci = CiFile::new(file.path, text, 1);
        let (documents, error) = yaml::documents(text);
        out.errors
            .extend(error.map(|e| ci.error(e.line, e.message)));
        // A CI/CD component's file starts with a `spec:` header document.
        let mut documents: Vec<_> = documents
            .into_iter()
            .filter(|d| !is_spec_header(&d.value))
            .collect();
        if documents.is_empty() {
            return;
        }
        for extra in documents.drain(1..) {
            let message = format!(
                "document {}: a pipeline file holds one document; this one is ignored",
                extra.index
            );
            out.errors.push(ci.error(None, message));
        }
        match &documents[0].value {
            Value::Mapping(root) => read_pipeline(&ci, root, out),
            other => {
                let message = format!(
                    "document {} is {}, not a pipeline",
                    documents[0].index,
                    shape(other)
                );
                out.errors.push(ci.error(Some(1), message));
            }
        }
    }
}

fn is_spec_header(value: &Value) -> bool {
    value
        .as_mapping()
        .is_some_and(|m| m.len() == 1 && m.contains_key("spec"))
}

/// One job of a pipeline.
#[derive(Debug, Serialize)]
struct Job {
    id: String,
    line: u32,
    stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    only_refs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rules_if: Vec<String>,
    secrets: BTreeSet<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    id_tokens: Vec<IdToken>,
    #[serde(flatten)]
    script: ScriptFacts,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    roles: BTreeSet<String>,
}

/// An `id_tokens:` entry: the variable that receives the OIDC token and its audiences.
#[derive(Debug, Serialize)]
struct IdToken {
    name: String,
    aud: Vec<String>,
}

fn read_pipeline(ci: &CiFile, root: &Mapping, out: &mut Discovery) {
    let globals = variable_names(root.get("variables"));
    let mut jobs = Vec::new();
    let mut cursor = 1;
    for (key, value) in root {
        let Some(name) = scalar(key) else { continue };
        if !is_job(&name, value) {
            continue;
        }
        cursor = ci.key_line(&name, cursor);
        match resolve(root, &name) {
            Ok(job) => jobs.push(read_job(ci, &name, &job, cursor, &globals, root)),
            Err(message) => out.errors.push(ci.error(
                Some(cursor),
                format!("job `{name}`: {message}; job skipped"),
            )),
        }
    }
    let id = format!("gitlab:pipeline:{}", ci.repository);
    let mut identity = ci.identity(
        id.clone(),
        format!("{} pipeline", ci.repository),
        PLATFORM,
        &jobs,
    );
    identity
        .attributes
        .insert("includes".into(), to_value(&includes(root.get("include"))));
    out.inventory.add_identity(identity);
    for job in &jobs {
        for role in &job.roles {
            let method = format!(
                "GitLab CI job `{}` exchanges its ID token for the role",
                job.id
            );
            let attributes = vec![
                ("job", json!(job.id)),
                ("repository", json!(ci.repository)),
                ("branches", json!(job.only_refs)),
                ("environment", json!(job.environment)),
                ("federated", json!(true)),
                ("location", to_value(&ci.location(job.line))),
            ];
            out.inventory.edges.push(assume_edge(
                &id,
                format!("aws:role:{role}"),
                method,
                attributes,
            ));
        }
    }
}

fn read_job(
    ci: &CiFile,
    name: &str,
    job: &Value,
    line: u32,
    globals: &[(String, Vec<String>)],
    root: &Mapping,
) -> Job {
    let mut script = ScriptFacts::default();
    let mut cursor = line;
    for key in ["before_script", "script", "after_script"] {
        let commands = get(job, key)
            .or_else(|| root.get(key))
            .map(flatten)
            .unwrap_or_default();
        for command in commands {
            cursor = ci.line_containing(&command, cursor);
            for (offset, text) in command.lines().enumerate() {
                script.read_line(text, cursor + offset as u32);
            }
        }
    }
    let id_tokens = id_tokens(get(job, "id_tokens"));
    let mut defined: Vec<(String, Vec<String>)> = globals.to_vec();
    defined.extend(variable_names(get(job, "variables")));
    defined.extend(id_tokens.iter().map(|t| (t.name.clone(), Vec::new())));
    let is_defined =
        |name: &str| defined.iter().any(|(n, _)| n == name) || script.assigned.contains(name);
    let external = |name: &str| !is_defined(name) && !is_predefined(name);

    let mut secrets = BTreeSet::new();
    yaml::visit_strings(job, None, &mut |_, text| {
        secrets.extend(variables(text).filter(|v| external(v)).map(str::to_string));
    });
    // A file variable whose value is a CI/CD variable holds that secret under its own name.
    for (variable, refs) in &defined {
        if refs.iter().any(|r| external(r)) {
            secrets.insert(variable.clone());
        }
    }
    script
        .echoes
        .retain(|echo| !is_defined(&echo.variable) || echo.variable == JOB_TOKEN);
    let roles = if id_tokens.is_empty() {
        BTreeSet::new()
    } else {
        role_arns(job)
    };
    Job {
        id: name.to_string(),
        line,
        stage: get_text(job, "stage").unwrap_or_else(|| "test".to_string()),
        environment: get(job, "environment")
            .and_then(|env| scalar(env).or_else(|| get_text(env, "name"))),
        only_refs: get(job, "only")
            .map(|only| scalars(get(only, "refs").or(Some(only))))
            .unwrap_or_default(),
        rules_if: get(job, "rules")
            .and_then(Value::as_sequence)
            .map(|rules| rules.iter().filter_map(|r| get_text(r, "if")).collect())
            .unwrap_or_default(),
        secrets,
        id_tokens,
        script,
        roles,
    }
}

/// Script entries as command strings; GitLab allows nested lists.
fn flatten(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().flat_map(flatten).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// The variables a `variables:` block defines, each with the variables its value references.
fn variable_names(block: Option<&Value>) -> Vec<(String, Vec<String>)> {
    let Some(Value::Mapping(map)) = block else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(key, value)| {
            let text = scalar(value)
                .or_else(|| get_text(value, "value"))
                .unwrap_or_default();
            Some((scalar(key)?, variables(&text).map(str::to_string).collect()))
        })
        .collect()
}

/// Variables GitLab or the shell set: never a CI/CD variable of the project.
fn is_predefined(name: &str) -> bool {
    const PREFIXES: [&str; 6] = ["CI_", "GITLAB_", "RUNNER_", "FF_", "TRIGGER_", "CHAT_"];
    const SHELL: [&str; 10] = [
        "HOME", "PATH", "PWD", "OLDPWD", "USER", "SHELL", "HOSTNAME", "TMPDIR", "RANDOM", "IFS",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || SHELL.contains(&name) || name == "CI"
}

fn id_tokens(block: Option<&Value>) -> Vec<IdToken> {
    let Some(Value::Mapping(map)) = block else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(key, value)| {
            Some(IdToken {
                name: scalar(key)?,
                aud: scalars(get(value, "aud")),
            })
        })
        .collect()
}

/// AWS role ARNs written anywhere in a job (variables, script arguments).
fn role_arns(job: &Value) -> BTreeSet<String> {
    let mut arns = BTreeSet::new();
    yaml::visit_strings(job, None, &mut |_, text| {
        for (at, _) in text.match_indices("arn:aws") {
            let arn: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "+=,.@_/-:".contains(*c))
                .collect();
            if arn.contains(":iam::") && arn.contains(":role/") {
                arns.insert(arn);
            }
        }
    });
    arns
}

/// `include:` entries as `{kind, target}`: local, project, remote, template or component.
fn includes(block: Option<&Value>) -> Vec<serde_json::Value> {
    let entries: Vec<&Value> = match block {
        Some(Value::Sequence(items)) => items.iter().collect(),
        Some(value) => vec![value],
        None => Vec::new(),
    };
    let kinds = ["local", "project", "remote", "template", "component"];
    let include =
        |kind: &str, target: &str| json!({"kind": kind, "target": without_credentials(target)});
    entries
        .into_iter()
        .filter_map(|entry| match entry {
            Value::Mapping(_) => kinds
                .iter()
                .find_map(|kind| get_text(entry, kind).map(|target| include(kind, &target))),
            // A bare string is a local path or, with a scheme, a remote URL.
            other => scalar(other).map(|target| {
                let kind = if target.contains("://") {
                    "remote"
                } else {
                    "local"
                };
                include(kind, &target)
            }),
        })
        .collect()
}

/// A remote include's URL without what may carry a credential (`user:token@`, `?private_token=`).
fn without_credentials(target: &str) -> String {
    let target = target.split(['?', '#']).next().unwrap_or_default();
    match target.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = authority.rsplit('@').next().unwrap_or_default();
            format!("{scheme}://{host}/{path}")
        }
        None => target.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_includes_lose_their_credentials() {
        let url = "https://ci:glpat-XXXXXXXXXXXX@gitlab.example.com/api/v4/x/raw?private_token=abc&ref=main";
        assert_eq!(
            without_credentials(url),
            "https://gitlab.example.com/api/v4/x/raw"
        );
        assert_eq!(without_credentials("ci/common.yml"), "ci/common.yml");
    }
}
