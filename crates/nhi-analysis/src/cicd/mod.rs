//! CI/CD risk rules over what the `cicd` sources discover (GitHub Actions workflows and composite
//! actions, GitLab CI pipelines), the cross-check of GitHub OIDC federation against the AWS roles'
//! trust policies, and the edge deriver that lets pull request authors into the identity graph.
//!
//! The contract with the sources: CI identities have kind `ci-workflow` and ids
//! `github:workflow:<repo>/<path>`, `github:action:<repo>/<path>` or `gitlab:pipeline:<repo>`;
//! their attributes are read through [`pipeline::Pipeline`]. AWS roles are `aws:role:<arn>` with
//! their trust policy document under `aws_trust_policy`.
//!
//! Invariants: one finding per rule and CI file (finding ids hash the rule, the identity and the
//! file, so several jobs share one finding that lists them all); locations point at the first
//! offending line.

mod cloud_keys;
mod deriver;
mod examples;
mod github;
mod gitlab;
mod id_token;
mod oidc_trust;
mod pinning;
mod pipeline;
mod trust_policy;
mod untrusted;

pub(crate) use cloud_keys::LongLivedCloudKey;
pub(crate) use deriver::PullRequestEdges;
pub(crate) use github::{DefaultPermissions, UntrustedCheckout, WriteAllPermissions};
pub(crate) use gitlab::{JobTokenSentAway, SecretEchoed, UnprotectedDeploy};
pub(crate) use id_token::{IdTokenOnUntrustedTrigger, IdTokenUnused};
pub(crate) use oidc_trust::{TrustRejectsWorkflow, TrustTooBroad};
pub(crate) use pinning::{FirstPartyActionUnpinned, ThirdPartyActionUnpinned};

use nhi_model::{Finding, Inventory, RuleMeta};
use pipeline::{pipelines, Job, Pipeline};
use serde_json::{json, Value};

/// What a rule found in one job: the line it points at, a phrase for the title and evidence.
struct Hit {
    line: u32,
    what: String,
    evidence: Value,
}

/// One finding per CI file in which `judge` finds something in at least one job. The title is
/// `<file>: <what the jobs show>`; the evidence lists each job's hit; the location is the first.
fn per_file(
    inventory: &Inventory,
    meta: &RuleMeta,
    judge: impl Fn(&Pipeline, &Job) -> Option<Hit>,
) -> Vec<Finding> {
    pipelines(inventory)
        .filter_map(|pipeline| {
            let hits: Vec<(&Job, Hit)> = pipeline
                .jobs
                .iter()
                .filter_map(|job| Some((job, judge(&pipeline, job)?)))
                .collect();
            let line = hits.first()?.1.line;
            let whats: Vec<String> = hits.iter().map(|(_, hit)| hit.what.clone()).collect();
            let title = format!("{}: {}", pipeline.label(), listed(&whats));
            let jobs: Vec<Value> = hits
                .into_iter()
                .map(|(job, hit)| {
                    let mut evidence = json!({"job": job.id, "line": hit.line});
                    if let (Some(map), Value::Object(more)) =
                        (evidence.as_object_mut(), hit.evidence)
                    {
                        map.extend(more);
                    }
                    evidence
                })
                .collect();
            let subjects = vec![pipeline.identity.id.clone()];
            let location = pipeline.location(line);
            Some(Finding::new(
                meta,
                title,
                subjects,
                location,
                json!({"jobs": jobs}),
            ))
        })
        .collect()
}

/// `a`, `a and b`, `a, b and 2 more`: a list for a title.
fn listed(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [first, second, rest @ ..] => format!("{first}, {second} and {} more", rest.len()),
    }
}
