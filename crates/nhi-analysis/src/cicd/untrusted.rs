//! When a GitHub workflow runs code that outsiders control: triggers that run with the base
//! repository's secrets and token on events anyone can cause, checkouts of the pull request's
//! code, and what a job holds that such code could take.
//!
//! Invariant: shared by the untrusted-checkout rule, the id-token rule and the graph deriver, so
//! the three agree on what "untrusted" means.

use super::pipeline::{Checkout, Job, Pipeline, Platform};

/// Events whose workflows run with the base repository's secrets and a token that may write, on
/// input that anyone who can open a pull request or comment controls.
pub(super) const UNTRUSTED_TRIGGERS: [&str; 3] =
    ["pull_request_target", "workflow_run", "issue_comment"];

/// Expression parts that name a pull request's code (or the code of the run that triggered this
/// one), and commands that fetch it.
const PULL_REQUEST_CODE: [&str; 12] = [
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.repo",
    "github.head_ref",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit",
    "github.event.workflow_run.head_repository",
    "github.event.issue.number",
    "github.event.number",
    "refs/pull/",
    "gh pr checkout",
];

/// Job conditions that keep pull requests from forks out.
const SAME_REPOSITORY_GUARDS: [&str; 3] = [
    "head.repo.full_name==github.repository",
    "head.repo.fork==false",
    "!github.event.pull_request.head.repo.fork",
];

/// The untrusted events that trigger a GitHub workflow.
pub(super) fn untrusted_triggers<'a>(pipeline: &'a Pipeline) -> Vec<&'a str> {
    if pipeline.platform != Platform::GithubWorkflow {
        return Vec::new();
    }
    pipeline
        .triggers
        .iter()
        .map(String::as_str)
        .filter(|t| UNTRUSTED_TRIGGERS.contains(t))
        .collect()
}

/// The checkouts of `job` that fetch pull request code, when the workflow runs on an untrusted
/// event and the job does not keep forks out; empty otherwise.
pub(super) fn untrusted_checkouts<'a>(pipeline: &Pipeline, job: &'a Job) -> Vec<&'a Checkout> {
    let compact = |text: &str| {
        text.split_whitespace()
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let guarded = job
        .condition
        .as_deref()
        .map(compact)
        .is_some_and(|c| SAME_REPOSITORY_GUARDS.iter().any(|g| c.contains(g)));
    if guarded || untrusted_triggers(pipeline).is_empty() {
        return Vec::new();
    }
    job.checkouts
        .iter()
        .filter(|c| {
            [&c.git_ref, &c.repository]
                .into_iter()
                .flatten()
                .any(|text| {
                    PULL_REQUEST_CODE
                        .iter()
                        .any(|marker| compact(text).contains(&compact(marker)))
                })
        })
        .collect()
}

/// What `job` holds that code it runs could take, for humans; empty when nothing.
pub(super) fn privileges(job: &Job) -> Vec<String> {
    let mut held = Vec::new();
    let named: Vec<&str> = job
        .secrets
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "GITHUB_TOKEN")
        .collect();
    if !named.is_empty() {
        held.push(format!("secrets {}", named.join(", ")));
    }
    if let Some(how) = &job.all_secrets {
        held.push(format!("every secret ({how})"));
    }
    if job.permissions().may_write() {
        held.push("a GITHUB_TOKEN that may write".to_string());
    }
    for login in &job.cloud_logins {
        held.push(format!("a {} login ({})", login.cloud, login.action));
    }
    held
}
