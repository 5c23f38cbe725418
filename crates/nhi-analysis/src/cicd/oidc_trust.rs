//! GitHub OIDC federation seen from both sides: the workflows that log in to an AWS role with
//! their OIDC token, and the role's trust policy `sub` condition. A trust that admits far more
//! than the workflows that really use it is an open door; a trust that admits none of them is a
//! login that will fail.
//!
//! Invariant: a folder scan knows a repository's name but not its owner, so a pattern's own owner
//! is assumed when it names one; a job whose branch cannot be known (manual runs, schedules) is
//! admitted by any pattern that could match some branch. Doubt never makes a finding.

use super::examples::{
    aws_login, github_trust, inventory, job, push_workflow, role, with, workflow,
};
use super::pipeline::{pipelines, Job, Pipeline};
use super::trust_policy::{
    breadth, github_statements, glob, literal_prefix, Breadth, GithubStatement, SubjectPattern,
};
use super::{listed, per_file, Hit};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Identity, Inventory, Location, OwaspNhi, RuleMeta, Severity};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Where the `aws` source keeps a role's trust policy document.
const TRUST_POLICY: &str = "aws_trust_policy";
/// Stands for the repository owner when nothing tells it.
const UNKNOWN_OWNER: &str = "<owner>";

/// What GitHub writes after `repo:<owner>/<repo>:` in a job's token.
struct Context {
    text: String,
    /// `false` when only a prefix is known (`ref:refs/heads/` for "some branch").
    exact: bool,
}

impl Context {
    fn exact(text: String) -> Context {
        Context { text, exact: true }
    }

    fn prefix(text: &str) -> Context {
        Context {
            text: text.to_string(),
            exact: false,
        }
    }
}

/// The subjects a job's OIDC token may carry: its environment's, else one per trigger.
fn contexts(pipeline: &Pipeline, job: &Job) -> Vec<Context> {
    if let Some(environment) = &job.environment {
        return vec![Context::exact(format!("environment:{environment}"))];
    }
    let mut contexts = Vec::new();
    for trigger in &pipeline.triggers {
        match trigger.as_str() {
            "push" if !pipeline.push_branches.is_empty() => {
                for branch in &pipeline.push_branches {
                    let text = format!("ref:refs/heads/{branch}");
                    contexts.push(if branch.contains('*') {
                        Context::prefix(literal_prefix(&text))
                    } else {
                        Context::exact(text)
                    });
                }
            }
            "pull_request" => contexts.push(Context::exact("pull_request".into())),
            "workflow_call" => contexts.push(Context::prefix("")),
            "push" => contexts.push(Context::prefix("ref:refs/")),
            // pull_request_target and the rest run on the default or a chosen branch.
            _ => contexts.push(Context::prefix("ref:refs/heads/")),
        }
    }
    contexts
}

/// Whether `pattern` may admit the job of `repository` with this context.
fn pattern_admits(pattern: &str, repository: &str, context: &Context) -> bool {
    let owner = SubjectPattern::parse(pattern).map_or(UNKNOWN_OWNER, |p| p.owner_or(UNKNOWN_OWNER));
    let subject = format!("repo:{owner}/{repository}:{}", context.text);
    if context.exact {
        glob(pattern, &subject)
    } else {
        let literal = literal_prefix(pattern);
        subject.starts_with(literal) || literal.starts_with(&subject)
    }
}

fn statement_admits(statement: &GithubStatement, repository: &str, contexts: &[Context]) -> bool {
    match statement {
        None => true,
        Some(patterns) => patterns
            .iter()
            .any(|p| contexts.iter().any(|c| pattern_admits(p, repository, c))),
    }
}

/// The AWS roles a job logs in to with its OIDC token, as identity ids, with the login line.
fn assumed_roles(job: &Job) -> impl Iterator<Item = (String, u32)> + '_ {
    job.cloud_logins
        .iter()
        .filter(|l| l.cloud == "aws" && l.federated)
        .filter_map(|l| {
            l.target
                .as_deref()
                .filter(|t| t.starts_with("arn:"))
                .map(|t| (format!("aws:role:{t}"), l.line))
        })
}

/// A role of the inventory with its GitHub trust statements (`None` when it has no trust policy).
fn trust_of<'a>(
    inventory: &'a Inventory,
    role: &str,
) -> Option<(&'a Identity, Vec<GithubStatement>)> {
    let identity = inventory.identities.get(role)?;
    Some((
        identity,
        github_statements(identity.attributes.get(TRUST_POLICY)?),
    ))
}

/// The widest breadth of a role's GitHub statements.
fn widest(statements: &[GithubStatement]) -> Option<Breadth> {
    statements
        .iter()
        .map(|s| match s {
            None => Breadth::Everyone,
            Some(patterns) => patterns
                .iter()
                .map(|p| breadth(p))
                .max()
                .unwrap_or(Breadth::Narrow),
        })
        .max()
}

/// A role's trust admits much more of GitHub than the workflows that use it.
pub(crate) struct TrustTooBroad;

static TOO_BROAD: RuleMeta = risk(
    "github-oidc-trust-broader-than-use",
    "AWS role trusts more of GitHub than the workflows that use it",
    Severity::High,
    &[OwaspNhi::NHI6],
    "An AWS role's trust policy lets GitHub Actions tokens from every repository, every repository \
     of an organisation, or every branch and pull request of a repository assume it, while the \
     workflows that really log in to it run from named branches or environments of one place: \
     any other workflow there can take the role.",
    "Narrow the `token.actions.githubusercontent.com:sub` condition (StringEquals) to the subjects \
     listed in the finding's evidence, e.g. `repo:<owner>/<repo>:environment:production` or \
     `repo:<owner>/<repo>:ref:refs/heads/main`, and keep `aud` at `sts.amazonaws.com`.",
);

/// Who logs in to one role.
struct RoleUser<'a> {
    pipeline: &'a Pipeline<'a>,
    job: &'a Job,
    line: u32,
}

impl RiskRule for TrustTooBroad {
    fn meta(&self) -> &RuleMeta {
        &TOO_BROAD
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let all: Vec<Pipeline> = pipelines(inventory).collect();
        let mut users: BTreeMap<String, Vec<RoleUser>> = BTreeMap::new();
        for pipeline in &all {
            for job in &pipeline.jobs {
                for (role, line) in assumed_roles(job) {
                    users.entry(role).or_default().push(RoleUser {
                        pipeline,
                        job,
                        line,
                    });
                }
            }
        }
        users
            .iter()
            .filter_map(|(role, users)| {
                let (identity, statements) = trust_of(inventory, role)?;
                broad_trust_finding(identity, &statements, users)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let deploy = |fields: Value| {
            push_workflow(
                "deploy.yml",
                &["main"],
                vec![with(
                    job("deploy", json!({"cloud_logins": [aws_login("deploy")]})),
                    fields,
                )],
            )
        };
        let example = |name, trust: &[&str], workflow_fields: Value, fires| RuleExample {
            name,
            inventory: inventory(vec![
                role("deploy", github_trust(trust)),
                deploy(workflow_fields),
            ]),
            fires,
        };
        vec![
            example(
                "trust admits every repository of the organisation",
                &["repo:larkspur-freight/*"],
                json!({}),
                true,
            ),
            example("trust has no sub condition", &[], json!({}), true),
            example(
                "trust admits any ref while the job runs from an environment",
                &["repo:larkspur-freight/shipment-api:*"],
                json!({"environment": "production"}),
                true,
            ),
            example(
                "trust names the job's environment",
                &["repo:larkspur-freight/shipment-api:environment:production"],
                json!({"environment": "production"}),
                false,
            ),
            example(
                "trust names the branch",
                &["repo:larkspur-freight/shipment-api:ref:refs/heads/main"],
                json!({}),
                false,
            ),
            RuleExample {
                name: "broad trust that no scanned workflow uses",
                inventory: inventory(vec![role(
                    "deploy",
                    github_trust(&["repo:larkspur-freight/*"]),
                )]),
                fires: false,
            },
        ]
    }
}

fn broad_trust_finding(
    role: &Identity,
    statements: &[GithubStatement],
    users: &[RoleUser],
) -> Option<Finding> {
    let widest = widest(statements)?;
    let exact = users
        .iter()
        .all(|u| contexts(u.pipeline, u.job).iter().all(|c| c.exact));
    let (owner, what) = match &widest {
        Breadth::Everyone => (
            UNKNOWN_OWNER.to_string(),
            "every GitHub repository".to_string(),
        ),
        Breadth::AnyRepository(owner) => (owner.clone(), format!("every repository of {owner}")),
        Breadth::AnyRef(repository) if exact => {
            let owner = repository
                .split('/')
                .next()
                .unwrap_or(UNKNOWN_OWNER)
                .to_string();
            (
                owner,
                format!("every branch, tag and pull request of {repository}"),
            )
        }
        _ => return None,
    };
    let mut suggested: Vec<String> = users
        .iter()
        .flat_map(|u| {
            let (owner, repository) = (&owner, &u.pipeline.repository);
            contexts(u.pipeline, u.job)
                .into_iter()
                .filter(|c| c.exact)
                .map(move |c| format!("repo:{owner}/{repository}:{}", c.text))
        })
        .collect();
    suggested.sort();
    suggested.dedup();
    let mut labels: Vec<String> = users
        .iter()
        .map(|u| format!("{} (job `{}`)", u.pipeline.label(), u.job.id))
        .collect();
    labels.dedup();
    let title = format!(
        "role {} trusts {what}, but only {} log{} in to it",
        role.name,
        listed(&labels),
        if labels.len() == 1 { "s" } else { "" }
    );
    let evidence = json!({
        "trust_subjects": statements,
        "used_by": users.iter().map(|u| json!({"workflow": u.pipeline.identity.id, "job": u.job.id, "line": u.line,
            "location": u.pipeline.location(u.line)})).collect::<Vec<_>>(),
        "suggested_subjects": suggested,
    });
    let mut subjects = vec![role.id.clone()];
    subjects.extend(users.iter().map(|u| u.pipeline.identity.id.clone()));
    subjects.dedup();
    let account = role
        .id
        .split(':')
        .nth(6)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    let location = account.map(|account| Location {
        account: Some(account),
        ..Location::default()
    });
    Some(Finding::new(
        &TOO_BROAD, title, subjects, location, evidence,
    ))
}

/// A workflow logs in to a role whose trust policy does not admit it.
pub(crate) struct TrustRejectsWorkflow;

static REJECTS: RuleMeta = risk(
    "github-oidc-trust-rejects-workflow",
    "Workflow logs in to an AWS role whose trust does not admit it",
    Severity::Info,
    &[OwaspNhi::NHI6],
    "A GitHub Actions job logs in to an AWS role with its OIDC token, but the role's trust policy \
     does not federate GitHub or its `sub` condition admits none of the subjects the job's token \
     can carry: the login will fail (or the workflow is stale, or the trust was narrowed).",
    "Either add the job's subject (its `environment:` if it has one, else its branch) to the \
     role's `token.actions.githubusercontent.com:sub` condition, or remove the login from the \
     workflow if the role is no longer meant for it.",
);

impl RiskRule for TrustRejectsWorkflow {
    fn meta(&self) -> &RuleMeta {
        &REJECTS
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &REJECTS, |pipeline, job| {
            let contexts = contexts(pipeline, job);
            let rejected: Vec<Value> = assumed_roles(job)
                .filter_map(|(role, line)| {
                    let (identity, statements) = trust_of(inventory, &role)?;
                    let admitted = statements.iter().any(|s| statement_admits(s, &pipeline.repository, &contexts));
                    (!admitted).then(|| json!({"role": role, "name": identity.name, "line": line, "trust_subjects": statements}))
                })
                .collect();
            let first = rejected.first()?;
            let names: Vec<String> = rejected
                .iter()
                .filter_map(|r| r["name"].as_str().map(str::to_string))
                .collect();
            let token_subjects: Vec<String> = contexts
                .iter()
                .map(|c| {
                    format!(
                        "repo:{UNKNOWN_OWNER}/{}:{}{}",
                        pipeline.repository,
                        c.text,
                        if c.exact { "" } else { "*" }
                    )
                })
                .collect();
            Some(Hit {
                line: first["line"].as_u64().map_or(job.line, |l| l as u32),
                what: format!(
                    "job `{}` logs in to {}, whose trust does not admit it",
                    job.id,
                    listed(&names)
                ),
                evidence: json!({"roles": rejected, "token_subjects": token_subjects}),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let deploy = push_workflow(
            "deploy.yml",
            &["main"],
            vec![job(
                "deploy",
                json!({"cloud_logins": [aws_login("deploy")]}),
            )],
        );
        let trusts = |subjects: &[&str]| role("deploy", github_trust(subjects));
        let ec2_only = role(
            "deploy",
            json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}),
        );
        let manual = workflow(
            "deploy.yml",
            &["workflow_dispatch"],
            vec![job(
                "deploy",
                json!({"cloud_logins": [aws_login("deploy")]}),
            )],
        );
        vec![
            RuleExample {
                name: "trust names another repository",
                inventory: inventory(vec![
                    trusts(&["repo:larkspur-freight/billing:ref:refs/heads/main"]),
                    deploy.clone(),
                ]),
                fires: true,
            },
            RuleExample {
                name: "trust names an environment the job does not use",
                inventory: inventory(vec![
                    trusts(&["repo:larkspur-freight/shipment-api:environment:production"]),
                    deploy.clone(),
                ]),
                fires: true,
            },
            RuleExample {
                name: "trust does not federate GitHub",
                inventory: inventory(vec![ec2_only, deploy.clone()]),
                fires: true,
            },
            RuleExample {
                name: "trust names the job's branch",
                inventory: inventory(vec![
                    trusts(&["repo:larkspur-freight/shipment-api:ref:refs/heads/main"]),
                    deploy.clone(),
                ]),
                fires: false,
            },
            RuleExample {
                name: "manual run on an unknown branch, trust names a branch",
                inventory: inventory(vec![
                    trusts(&["repo:larkspur-freight/shipment-api:ref:refs/heads/main"]),
                    manual,
                ]),
                fires: false,
            },
            RuleExample {
                name: "role not in the inventory",
                inventory: inventory(vec![deploy]),
                fires: false,
            },
        ]
    }
}
