//! GitLab CI rules: secrets printed to job logs, the job token sent to hosts other than GitLab,
//! and deploy jobs that hold cloud keys yet run on any branch.
//!
//! Invariant: grounded in what the file shows. Masking, protected variables and protected
//! environments live in project settings that a file scan cannot see, so each finding says what
//! the file does and the remediation names the settings to check.

use super::cloud_keys::is_cloud_key;
use super::examples::{inventory, job, pipeline, with};
use super::pipeline::{Job, Platform};
use super::{per_file, Hit};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// Parts of a variable name that say it holds a secret.
const SECRET_WORDS: [&str; 13] = [
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "KEY",
    "CREDENTIALS",
    "CREDENTIAL",
    "CREDS",
    "PRIVATE",
    "AUTH",
    "JWT",
    "APIKEY",
];

fn looks_secret(variable: &str) -> bool {
    variable
        .to_ascii_uppercase()
        .split('_')
        .any(|word| SECRET_WORDS.contains(&word))
}

fn gitlab_job(platform: Platform, job: &Job) -> Option<&Job> {
    (platform == Platform::Gitlab).then_some(job)
}

/// A job prints secret variables, or the whole environment, to its log.
pub(crate) struct SecretEchoed;

static ECHOED: RuleMeta = risk(
    "gitlab-secret-printed",
    "GitLab job prints secrets to its log",
    Severity::High,
    &[OwaspNhi::NHI2],
    "A GitLab CI job `echo`es or `printf`s a variable whose name says it is a secret, or dumps \
     every variable (`env`, `printenv`, `set`): job logs are kept, downloadable by every \
     developer, and masking misses values that are transformed, split or not masked.",
    "Remove the command; never print secrets or the environment. Mark the variables masked and \
     protected in Settings > CI/CD > Variables, rotate any value that reached a log, and delete \
     the affected job logs.",
);

impl RiskRule for SecretEchoed {
    fn meta(&self) -> &RuleMeta {
        &ECHOED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &ECHOED, |pipeline, job| {
            let job = gitlab_job(pipeline.platform, job)?;
            let echoed: Vec<_> = job
                .echoes
                .iter()
                .filter(|e| looks_secret(&e.variable))
                .collect();
            let line = echoed
                .first()
                .map(|e| e.line)
                .into_iter()
                .chain(job.env_dumps.iter().copied())
                .min()?;
            let mut printed: Vec<String> =
                echoed.iter().map(|e| format!("${}", e.variable)).collect();
            if !job.env_dumps.is_empty() {
                printed.push("every variable".to_string());
            }
            Some(Hit {
                line,
                what: format!("job `{}` prints {}", job.id, super::listed(&printed)),
                evidence: json!({
                    "echoed": echoed.iter().map(|e| json!({"variable": e.variable, "line": e.line})).collect::<Vec<_>>(),
                    "environment_dumps": job.env_dumps,
                }),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let echo = |variable: &str| {
            job(
                "deploy",
                json!({"echoes": [{"variable": variable, "line": 12}]}),
            )
        };
        vec![
            RuleExample {
                name: "echo $DEPLOY_TOKEN",
                inventory: inventory(vec![pipeline(vec![echo("DEPLOY_TOKEN")])]),
                fires: true,
            },
            RuleExample {
                name: "printenv",
                inventory: inventory(vec![pipeline(vec![job(
                    "debug",
                    json!({"env_dumps": [14]}),
                )])]),
                fires: true,
            },
            RuleExample {
                name: "echo $CI_COMMIT_SHA",
                inventory: inventory(vec![pipeline(vec![echo("CI_COMMIT_SHA")])]),
                fires: false,
            },
        ]
    }
}

/// `CI_JOB_TOKEN` sent to a host that is not GitLab.
pub(crate) struct JobTokenSentAway;

static SENT_AWAY: RuleMeta = risk(
    "gitlab-job-token-sent-externally",
    "GitLab job token sent to a host other than GitLab",
    Severity::High,
    &[OwaspNhi::NHI2],
    "A GitLab CI command carries `CI_JOB_TOKEN` in a request to a literal URL whose host is not a \
     GitLab instance: the token acts as the user who ran the pipeline on every project that allows \
     it, and that host (or anyone on the way) receives it.",
    "Send the job token only to GitLab itself (`$CI_SERVER_URL`, `$CI_API_V4_URL`, \
     `$CI_REGISTRY`); give third-party services their own narrowly scoped credential, and limit \
     the job token's reach in Settings > CI/CD > Job token permissions.",
);

impl RiskRule for JobTokenSentAway {
    fn meta(&self) -> &RuleMeta {
        &SENT_AWAY
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &SENT_AWAY, |pipeline, job| {
            let job = gitlab_job(pipeline.platform, job)?;
            let away: Vec<_> = job
                .job_token_uses
                .iter()
                .filter(|u| u.hosts.iter().any(|h| !h.contains("gitlab")))
                .collect();
            let hosts: Vec<String> = away
                .iter()
                .flat_map(|u| u.hosts.iter().cloned())
                .filter(|h| !h.contains("gitlab"))
                .collect();
            Some(Hit {
                line: away.first()?.line,
                what: format!(
                    "job `{}` sends CI_JOB_TOKEN to {}",
                    job.id,
                    super::listed(&hosts)
                ),
                evidence: json!({"uses": away.iter().map(|u| json!({"line": u.line, "hosts": u.hosts})).collect::<Vec<_>>()}),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let sends = |host: &str| {
            job(
                "publish",
                json!({"job_token_uses": [{"line": 20, "hosts": [host]}]}),
            )
        };
        vec![
            RuleExample {
                name: "token posted to an artifact store",
                inventory: inventory(vec![pipeline(vec![sends("artifacts.example.net")])]),
                fires: true,
            },
            RuleExample {
                name: "token sent to the GitLab instance",
                inventory: inventory(vec![pipeline(vec![sends("gitlab.larkspur.example")])]),
                fires: false,
            },
            RuleExample {
                name: "token sent through $CI_API_V4_URL",
                inventory: inventory(vec![pipeline(vec![job(
                    "publish",
                    json!({"job_token_uses": [{"line": 20, "hosts": []}]}),
                )])]),
                fires: false,
            },
        ]
    }
}

/// Refs in `only:` that do not limit a job to particular branches or tags.
const ANY_REF: [&str; 11] = [
    "branches",
    "merge_requests",
    "pushes",
    "web",
    "api",
    "triggers",
    "schedules",
    "pipelines",
    "external",
    "chat",
    "external_pull_requests",
];

/// Predefined variables whose test in `rules: if` ties a job to branches, tags or protected refs.
const REF_VARIABLES: [&str; 5] = [
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "CI_DEFAULT_BRANCH",
    "CI_COMMIT_TAG",
    "CI_COMMIT_REF_PROTECTED",
];

/// Whether the job is limited to some branches or tags (or protected refs).
fn limited_to_refs(job: &Job) -> bool {
    job.only_refs.iter().any(|r| !ANY_REF.contains(&r.as_str()))
        || job
            .rules_if
            .iter()
            .any(|rule| REF_VARIABLES.iter().any(|v| rule.contains(v)))
}

/// Whether the job deploys: it names an environment, or its stage or name says so.
fn deploys(job: &Job) -> bool {
    let deploy_words = ["deploy", "release", "prod", "publish"];
    job.environment.is_some()
        || [job.stage.as_deref().unwrap_or_default(), job.id.as_str()]
            .iter()
            .any(|name| {
                deploy_words
                    .iter()
                    .any(|w| name.to_ascii_lowercase().contains(w))
            })
}

/// A deploy job that holds cloud keys and runs on any branch.
pub(crate) struct UnprotectedDeploy;

static UNPROTECTED: RuleMeta = risk(
    "gitlab-deploy-unprotected-cloud-keys",
    "GitLab deploy job holds cloud keys on any branch",
    Severity::High,
    &[OwaspNhi::NHI8, OwaspNhi::NHI7],
    "A GitLab CI deploy job reads long-lived cloud keys and has no `only:` or `rules:` that ties it \
     to a branch, tag or protected ref: a pipeline on any branch (or merge request) gets \
     production credentials unless the variables happen to be protected.",
    "Limit the job with `rules: - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH` (or tags), mark the \
     variables protected and the environment protected, and replace the keys with `id_tokens:` \
     federation.",
);

impl RiskRule for UnprotectedDeploy {
    fn meta(&self) -> &RuleMeta {
        &UNPROTECTED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &UNPROTECTED, |pipeline, job| {
            let job = gitlab_job(pipeline.platform, job)?;
            let keys: Vec<&String> = job.secrets.iter().filter(|s| is_cloud_key(s)).collect();
            (!keys.is_empty() && deploys(job) && !limited_to_refs(job)).then(|| Hit {
                line: job.line,
                what: format!("deploy job `{}` holds cloud keys on every branch", job.id),
                evidence: json!({"secrets": keys, "environment": job.environment, "stage": job.stage}),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let base = job(
            "deploy",
            json!({"stage": "deploy", "environment": "production", "secrets": ["AWS_SECRET_ACCESS_KEY"]}),
        );
        let deploy = |fields| with(base.clone(), fields);
        vec![
            RuleExample {
                name: "production deploy with AWS keys and no rules",
                inventory: inventory(vec![pipeline(vec![deploy(json!({}))])]),
                fires: true,
            },
            RuleExample {
                name: "only on main",
                inventory: inventory(vec![pipeline(vec![deploy(json!({"only_refs": ["main"]}))])]),
                fires: false,
            },
            RuleExample {
                name: "rules on the default branch",
                inventory: inventory(vec![pipeline(vec![deploy(
                    json!({"rules_if": ["$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"]}),
                )])]),
                fires: false,
            },
            RuleExample {
                name: "test job with keys",
                inventory: inventory(vec![pipeline(vec![job(
                    "test",
                    json!({"stage": "test", "secrets": ["AWS_SECRET_ACCESS_KEY"]}),
                )])]),
                fires: false,
            },
        ]
    }
}
