//! Rules about `id-token: write`: the permission to mint the job's OIDC token, which every cloud
//! that trusts the repository accepts. It belongs to the jobs that log in with it, and never to a
//! workflow that outsiders can trigger.
//!
//! Invariant: "does not use it" is claimed only when no step could: no federated login, no script
//! that asks for the token, and nothing but GitHub-owned actions known not to read it. Local and
//! third-party actions might, so a job that has them is given the benefit of the doubt.

use super::examples::{aws_login, inventory, job, push_workflow, workflow};
use super::pinning::{origin, Origin};
use super::pipeline::{Job, Platform};
use super::untrusted::untrusted_triggers;
use super::{per_file, Hit};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// GitHub-owned actions that request the OIDC token (attestations, Pages deployments).
const GITHUB_OWNED_TOKEN_USERS: [&str; 4] = [
    "actions/attest",
    "actions/attest-build-provenance",
    "actions/attest-sbom",
    "actions/deploy-pages",
];

/// Whether some step of `job` may request the OIDC token.
fn may_use_id_token(job: &Job) -> bool {
    job.requests_id_token
        || job.cloud_logins.iter().any(|l| l.federated)
        || job.actions.iter().any(|a| {
            let name = a
                .uses
                .split('@')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            origin(&a.uses) != Origin::GithubOwned
                || GITHUB_OWNED_TOKEN_USERS.contains(&name.as_str())
        })
}

/// A job granted `id-token: write` that never uses it.
pub(crate) struct IdTokenUnused;

static UNUSED: RuleMeta = risk(
    "github-id-token-unused",
    "Job can mint an OIDC token it does not use",
    Severity::Low,
    &[OwaspNhi::NHI5],
    "A workflow job is granted `id-token: write` (often inherited from the workflow level) but no \
     step logs in to a cloud or otherwise requests the token: any step of it could still mint a \
     token that the cloud roles trusting the repository accept.",
    "Grant `id-token: write` only to the jobs that log in (at job level), and keep the workflow \
     level at `permissions: {}` or `contents: read`.",
);

impl RiskRule for IdTokenUnused {
    fn meta(&self) -> &RuleMeta {
        &UNUSED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &UNUSED, |pipeline, job| {
            let unused = pipeline.platform == Platform::GithubWorkflow
                && job.permissions().grants_id_token()
                && !may_use_id_token(job);
            unused.then(|| Hit {
                line: job.line,
                what: format!("job `{}` may mint an OIDC token but never uses it", job.id),
                evidence: json!({
                    "permissions": job.permissions().evidence(),
                    "actions": job.actions.iter().map(|a| a.uses.clone()).collect::<Vec<_>>(),
                }),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let token = json!({"id-token": "write", "contents": "read"});
        let build = job(
            "build",
            json!({"effective_permissions": token, "actions": [{"uses": "actions/checkout@v4", "line": 12}]}),
        );
        let deploy = job(
            "deploy",
            json!({"effective_permissions": token, "cloud_logins": [aws_login("deploy")]}),
        );
        let third_party = job(
            "sign",
            json!({"effective_permissions": token, "actions": [{"uses": "sigstore/cosign-installer@v3", "line": 12}]}),
        );
        vec![
            RuleExample {
                name: "workflow-level id-token reaches a build job",
                inventory: inventory(vec![push_workflow(
                    "deploy.yml",
                    &["main"],
                    vec![build, deploy],
                )]),
                fires: true,
            },
            RuleExample {
                name: "the job that logs in",
                inventory: inventory(vec![push_workflow(
                    "deploy.yml",
                    &["main"],
                    vec![job(
                        "deploy",
                        json!({"effective_permissions": token, "cloud_logins": [aws_login("deploy")]}),
                    )],
                )]),
                fires: false,
            },
            RuleExample {
                name: "a third-party action might request it",
                inventory: inventory(vec![push_workflow(
                    "sign.yml",
                    &["main"],
                    vec![third_party],
                )]),
                fires: false,
            },
        ]
    }
}

/// `id-token: write` in a workflow that outsiders can trigger.
pub(crate) struct IdTokenOnUntrustedTrigger;

static UNTRUSTED: RuleMeta = risk(
    "github-id-token-untrusted-trigger",
    "OIDC token available to a workflow outsiders can trigger",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A job of a workflow triggered by `pull_request_target`, `workflow_run` or `issue_comment` is \
     granted `id-token: write`: the workflow runs on events anyone can cause, and one injection \
     or untrusted checkout hands out tokens that the repository's cloud roles accept.",
    "Move cloud logins to workflows triggered by `push`, `workflow_dispatch` or a protected \
     environment, and remove `id-token: write` from workflows on untrusted triggers.",
);

impl RiskRule for IdTokenOnUntrustedTrigger {
    fn meta(&self) -> &RuleMeta {
        &UNTRUSTED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &UNTRUSTED, |pipeline, job| {
            let triggers = untrusted_triggers(pipeline);
            (!triggers.is_empty() && job.permissions().grants_id_token()).then(|| Hit {
                line: job.line,
                what: format!("job `{}` may mint an OIDC token on {}", job.id, triggers.join("/")),
                evidence: json!({"triggers": triggers, "permissions": job.permissions().evidence()}),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let label = job(
            "label",
            json!({"effective_permissions": {"id-token": "write"}}),
        );
        let read_only = job(
            "label",
            json!({"effective_permissions": {"pull-requests": "write"}}),
        );
        vec![
            RuleExample {
                name: "pull_request_target with id-token write",
                inventory: inventory(vec![workflow(
                    "triage.yml",
                    &["pull_request_target"],
                    vec![label],
                )]),
                fires: true,
            },
            RuleExample {
                name: "pull_request_target without id-token",
                inventory: inventory(vec![workflow(
                    "triage.yml",
                    &["pull_request_target"],
                    vec![read_only],
                )]),
                fires: false,
            },
            RuleExample {
                name: "push with id-token write",
                inventory: inventory(vec![push_workflow(
                    "deploy.yml",
                    &["main"],
                    vec![job(
                        "deploy",
                        json!({"effective_permissions": {"id-token": "write"}, "cloud_logins": [aws_login("deploy")]}),
                    )],
                )]),
                fires: false,
            },
        ]
    }
}
