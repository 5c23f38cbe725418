//! Rules about what GitHub workflow jobs hold: pull request code run with secrets or a token that
//! may write, the repository-default token on workflows that use secrets, and write-all tokens.
//!
//! Invariant: only workflows are judged (a composite action runs with its caller's permissions).

use super::examples::{aws_login, inventory, job, push_workflow, workflow};
use super::pipeline::{Job, Pipeline, Platform};
use super::untrusted::{privileges, untrusted_checkouts, untrusted_triggers};
use super::{listed, per_file, Hit};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// Scopes written at once, beyond `id-token`, from which a job's token counts as broad.
const BROAD_WRITE_SCOPES: usize = 4;

fn is_workflow(pipeline: &Pipeline) -> bool {
    pipeline.platform == Platform::GithubWorkflow
}

/// A job on an untrusted trigger checks out pull request code while holding something worth taking.
pub(crate) struct UntrustedCheckout;

static UNTRUSTED: RuleMeta = risk(
    "github-untrusted-checkout-privileged",
    "Workflow runs pull request code with secrets or a write token",
    Severity::Critical,
    &[OwaspNhi::NHI3, OwaspNhi::NHI5],
    "A job triggered by `pull_request_target`, `workflow_run` or `issue_comment` checks out the \
     pull request's code while it holds secrets, a GITHUB_TOKEN that may write or a cloud login: \
     anyone who can open a pull request can run code with them (a \"pwn request\").",
    "Do not check out or build pull request code in privileged workflows: use `pull_request` \
     (no secrets, read-only token for forks) for building and testing, and pass results to a \
     separate privileged `workflow_run` job as artifacts treated as data; if the head must be \
     checked out, drop every secret and set `permissions: {}` for that job.",
);

impl RiskRule for UntrustedCheckout {
    fn meta(&self) -> &RuleMeta {
        &UNTRUSTED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &UNTRUSTED, |pipeline, job| {
            let checkouts = untrusted_checkouts(pipeline, job);
            let held = privileges(job);
            let first = checkouts.first().filter(|_| !held.is_empty())?;
            let triggers = untrusted_triggers(pipeline);
            Some(Hit {
                line: first.line,
                what: format!(
                    "{} job `{}` runs pull request code holding {}",
                    triggers.join("/"),
                    job.id,
                    listed(&held)
                ),
                evidence: json!({
                    "triggers": triggers,
                    "checkouts": checkouts.iter().map(|c| json!({"line": c.line, "ref": c.git_ref, "repository": c.repository})).collect::<Vec<_>>(),
                    "holds": held,
                    "permissions": job.permissions().evidence(),
                }),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let head = json!([{"line": 14, "via": "actions/checkout", "ref": "${{ github.event.pull_request.head.sha }}"}]);
        let preview = |fields: serde_json::Value| job("preview", fields);
        vec![
            RuleExample {
                name: "pull_request_target checks out the head with a secret",
                inventory: inventory(vec![workflow(
                    "preview.yml",
                    &["pull_request_target"],
                    vec![preview(
                        json!({"checkouts": head, "secrets": ["NPM_TOKEN"], "effective_permissions": {"contents": "read"}}),
                    )],
                )]),
                fires: true,
            },
            RuleExample {
                name: "issue_comment runs gh pr checkout with the default token",
                inventory: inventory(vec![workflow(
                    "bot.yml",
                    &["issue_comment"],
                    vec![preview(
                        json!({"checkouts": [{"line": 9, "via": "run", "ref": "gh pr checkout"}], "effective_permissions": "default"}),
                    )],
                )]),
                fires: true,
            },
            RuleExample {
                name: "head checkout with a read-only token and no secrets",
                inventory: inventory(vec![workflow(
                    "preview.yml",
                    &["pull_request_target"],
                    vec![preview(
                        json!({"checkouts": head, "effective_permissions": {"contents": "read"}}),
                    )],
                )]),
                fires: false,
            },
            RuleExample {
                name: "pull_request (not _target) checks out the head with a secret",
                inventory: inventory(vec![workflow(
                    "ci.yml",
                    &["pull_request"],
                    vec![preview(
                        json!({"checkouts": head, "secrets": ["NPM_TOKEN"]}),
                    )],
                )]),
                fires: false,
            },
            RuleExample {
                name: "forks kept out by the job condition",
                inventory: inventory(vec![workflow(
                    "preview.yml",
                    &["pull_request_target"],
                    vec![preview(json!({"checkouts": head, "secrets": ["NPM_TOKEN"],
                        "condition": "github.event.pull_request.head.repo.full_name == github.repository"}))],
                )]),
                fires: false,
            },
        ]
    }
}

/// A workflow that uses secrets leaves some job's token at the repository default.
pub(crate) struct DefaultPermissions;

static DEFAULT: RuleMeta = risk(
    "github-workflow-permissions-default",
    "Workflow with secrets leaves GITHUB_TOKEN permissions at the repository default",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "A workflow that reads secrets sets no `permissions`, so its jobs get the repository's default \
     GITHUB_TOKEN, which is write-all on older repositories and organisations: every action in \
     those jobs can push code, create releases and change issues.",
    "Add `permissions: {}` (or `contents: read`) at the top of the workflow and grant each job only \
     the scopes it needs; set the organisation's default workflow permissions to read.",
);

impl RiskRule for DefaultPermissions {
    fn meta(&self) -> &RuleMeta {
        &DEFAULT
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &DEFAULT, |pipeline, job| {
            let uses_secrets = pipeline.jobs.iter().any(Job::reads_secrets);
            (is_workflow(pipeline) && uses_secrets && job.permissions().is_default()).then(|| Hit {
                line: job.line,
                what: format!("job `{}` runs with the repository's default token", job.id),
                evidence: json!({"secrets": job.secrets, "all_secrets": job.all_secrets}),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let deploy = |permissions: serde_json::Value| {
            job(
                "deploy",
                json!({"secrets": ["SLACK_WEBHOOK"], "effective_permissions": permissions}),
            )
        };
        vec![
            RuleExample {
                name: "secrets and no permissions anywhere",
                inventory: inventory(vec![push_workflow(
                    "deploy.yml",
                    &["main"],
                    vec![deploy(json!("default"))],
                )]),
                fires: true,
            },
            RuleExample {
                name: "secrets with explicit read permissions",
                inventory: inventory(vec![push_workflow(
                    "deploy.yml",
                    &["main"],
                    vec![deploy(json!({"contents": "read"}))],
                )]),
                fires: false,
            },
            RuleExample {
                name: "no secrets at all",
                inventory: inventory(vec![push_workflow(
                    "lint.yml",
                    &["main"],
                    vec![job("lint", json!({"effective_permissions": "default"}))],
                )]),
                fires: false,
            },
        ]
    }
}

/// A job holds a write-all token, or writes to many scopes at once.
pub(crate) struct WriteAllPermissions;

static WRITE_ALL: RuleMeta = risk(
    "github-workflow-permissions-write-all",
    "Workflow job holds a write-all or broadly writing GITHUB_TOKEN",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "A workflow job is granted `permissions: write-all`, or write access to four or more scopes: \
     any action or script in it can push code, publish packages, change releases and approve \
     its own way through the repository.",
    "Replace `write-all` with the scopes the job needs (`contents: read` plus, say, \
     `pull-requests: write`), declared per job, and keep `permissions: {}` at the workflow level.",
);

impl RiskRule for WriteAllPermissions {
    fn meta(&self) -> &RuleMeta {
        &WRITE_ALL
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &WRITE_ALL, |pipeline, job| {
            let permissions = job.permissions();
            let written: Vec<&str> = permissions
                .written_scopes()
                .into_iter()
                .filter(|s| *s != "id-token")
                .collect();
            let what = if permissions.is_write_all() {
                format!("job `{}` holds a write-all token", job.id)
            } else if written.len() >= BROAD_WRITE_SCOPES {
                format!("job `{}` may write {}", job.id, written.join(", "))
            } else {
                return None;
            };
            is_workflow(pipeline).then(|| Hit {
                line: job.line,
                what,
                evidence: json!({"permissions": permissions.evidence()}),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let release = |permissions: serde_json::Value| {
            job(
                "release",
                json!({"effective_permissions": permissions, "cloud_logins": [aws_login("release")]}),
            )
        };
        let broad = json!({"contents": "write", "packages": "write", "pull-requests": "write", "issues": "write"});
        vec![
            RuleExample {
                name: "write-all",
                inventory: inventory(vec![push_workflow(
                    "release.yml",
                    &["main"],
                    vec![release(json!("write-all"))],
                )]),
                fires: true,
            },
            RuleExample {
                name: "four written scopes",
                inventory: inventory(vec![push_workflow(
                    "release.yml",
                    &["main"],
                    vec![release(broad)],
                )]),
                fires: true,
            },
            RuleExample {
                name: "contents write and id-token write",
                inventory: inventory(vec![push_workflow(
                    "release.yml",
                    &["main"],
                    vec![release(json!({"contents": "write", "id-token": "write"}))],
                )]),
                fires: false,
            },
        ]
    }
}
