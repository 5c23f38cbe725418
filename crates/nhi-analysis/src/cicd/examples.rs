//! Small inventories for the CI/CD rules' examples, shaped as the `cicd` sources shape them (same
//! ids, same attributes), in the repositories of the fictional Larkspur Freight.

use nhi_model::{Identity, IdentityKind, Inventory};
use serde_json::{json, Value};

/// The repository the GitHub examples live in.
pub(super) const REPO: &str = "shipment-api";
/// The AWS account of the example roles.
pub(super) const ACCOUNT: &str = "418272791100";

/// A job `id` at line 10 with no secrets, plus the given fields.
pub(super) fn job(id: &str, fields: Value) -> Value {
    with(json!({"id": id, "line": 10, "secrets": []}), fields)
}

/// `job` with `fields` added or replaced.
pub(super) fn with(mut job: Value, fields: Value) -> Value {
    if let (Some(job), Value::Object(fields)) = (job.as_object_mut(), fields) {
        job.extend(fields);
    }
    job
}

/// A GitHub workflow `file` (under `.github/workflows/`) triggered by `triggers`.
pub(super) fn workflow(file: &str, triggers: &[&str], jobs: Vec<Value>) -> Identity {
    let path = format!(".github/workflows/{file}");
    let mut identity = ci_identity(
        &format!("github:workflow:{REPO}/{path}"),
        "github-actions",
        &path,
        jobs,
    );
    identity
        .attributes
        .insert("triggers".into(), json!(triggers));
    identity
}

/// A workflow as above that runs on pushes to `branches`.
pub(super) fn push_workflow(file: &str, branches: &[&str], jobs: Vec<Value>) -> Identity {
    let mut identity = workflow(file, &["push"], jobs);
    identity
        .attributes
        .insert("push_branches".into(), json!(branches));
    identity
}

/// A composite action at `.github/actions/<name>/action.yml`.
pub(super) fn composite_action(name: &str, job: Value) -> Identity {
    let path = format!(".github/actions/{name}/action.yml");
    ci_identity(
        &format!("github:action:{REPO}/{path}"),
        "github-actions",
        &path,
        vec![job],
    )
}

/// The GitLab pipeline of the `dispatch-portal` repository.
pub(super) fn pipeline(jobs: Vec<Value>) -> Identity {
    let mut identity = ci_identity(
        "gitlab:pipeline:dispatch-portal",
        "gitlab-ci",
        ".gitlab-ci.yml",
        jobs,
    );
    identity
        .attributes
        .insert("repository".into(), "dispatch-portal".into());
    identity.attributes.insert(
        "location".into(),
        json!({"path": "repos/dispatch-portal/.gitlab-ci.yml", "line": 1}),
    );
    identity
}

fn ci_identity(id: &str, platform: &str, file: &str, jobs: Vec<Value>) -> Identity {
    let mut identity = Identity::new(
        id,
        IdentityKind::CiWorkflow,
        platform.split('-').next().unwrap_or(platform),
        file,
    );
    let attributes = &mut identity.attributes;
    attributes.insert("platform".into(), platform.into());
    attributes.insert("repository".into(), REPO.into());
    attributes.insert("file".into(), file.into());
    attributes.insert(
        "location".into(),
        json!({"path": format!("repos/{REPO}/{file}"), "line": 1}),
    );
    attributes.insert("jobs".into(), Value::Array(jobs));
    identity
}

/// The ARN of the example role `name`.
pub(super) fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// An AWS role as the `aws` source writes it, with its trust policy.
pub(super) fn role(name: &str, trust: Value) -> Identity {
    let arn = role_arn(name);
    let mut identity = Identity::new(
        format!("aws:role:{arn}"),
        IdentityKind::CloudRole,
        "aws",
        name,
    );
    identity.attributes.insert("arn".into(), arn.into());
    identity.attributes.insert("aws_trust_policy".into(), trust);
    identity
}

/// A trust policy that lets GitHub's OIDC provider assume the role for subjects `subjects`
/// (no `sub` condition at all when empty).
pub(super) fn github_trust(subjects: &[&str]) -> Value {
    let mut condition =
        json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}});
    if !subjects.is_empty() {
        condition["StringLike"] = json!({"token.actions.githubusercontent.com:sub": subjects});
    }
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }]})
}

/// A federated `configure-aws-credentials` login into the example role `name`.
pub(super) fn aws_login(name: &str) -> Value {
    json!({"cloud": "aws", "action": "aws-actions/configure-aws-credentials", "federated": true, "target": role_arn(name), "line": 14})
}

/// An inventory of these identities.
pub(super) fn inventory(identities: Vec<Identity>) -> Inventory {
    crate::example::inventory(identities, Vec::new(), Vec::new())
}
