//! Long-lived cloud keys stored as CI secrets, where both GitHub Actions and GitLab CI could log in
//! with a short-lived OIDC token instead (AWS, Google Cloud and Azure all federate with both).
//!
//! Invariant: judged by names only (the secret's name, or a login step that takes a stored key):
//! the values are never seen.

use super::examples::{aws_login, inventory, job, pipeline, push_workflow};
use super::{per_file, Hit};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;
use std::collections::BTreeSet;

/// Names that cloud CLIs and SDKs read long-lived keys from (matched inside a secret's name, so
/// `PROD_AWS_SECRET_ACCESS_KEY` counts too).
const CLOUD_KEY_NAMES: [&str; 10] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "GOOGLE_CREDENTIALS",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GCP_SA_KEY",
    "GCP_CREDENTIALS",
    "GCLOUD_SERVICE_KEY",
    "AZURE_CREDENTIALS",
    "ARM_CLIENT_SECRET",
    "AZURE_CLIENT_SECRET",
];

/// A job reads a long-lived cloud key.
pub(crate) struct LongLivedCloudKey;

static LONG_LIVED: RuleMeta = risk(
    "cicd-long-lived-cloud-key",
    "CI job uses a long-lived cloud key where OIDC federation would do",
    Severity::High,
    &[OwaspNhi::NHI7],
    "A GitHub Actions or GitLab CI job reads a stored cloud key (AWS access key, Google service \
     account key, Azure client secret) from its secrets: the key does not expire, is copied into \
     every run, and leaks with any log or compromised step.",
    "Federate instead: grant `id-token: write` (GitHub) or `id_tokens:` (GitLab) to the deploy job \
     and log in with `aws-actions/configure-aws-credentials` `role-to-assume`, \
     `google-github-actions/auth` `workload_identity_provider` or `azure/login` `client-id`; \
     restrict the cloud trust to the repository and branch, then delete and revoke the stored key.",
);

impl RiskRule for LongLivedCloudKey {
    fn meta(&self) -> &RuleMeta {
        &LONG_LIVED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &LONG_LIVED, |_, job| {
            let mut keys: BTreeSet<&str> = job
                .secrets
                .iter()
                .map(String::as_str)
                .filter(|s| is_cloud_key(s))
                .collect();
            let stored_logins: Vec<_> = job.cloud_logins.iter().filter(|l| !l.federated).collect();
            keys.extend(
                stored_logins
                    .iter()
                    .flat_map(|l| l.secrets.iter().map(String::as_str)),
            );
            let first = keys.iter().next()?;
            let line = stored_logins.first().map_or(job.line, |l| l.line);
            let more = if keys.len() > 1 {
                format!(" and {} more", keys.len() - 1)
            } else {
                String::new()
            };
            Some(Hit {
                line,
                what: format!(
                    "job `{}` reads the long-lived cloud key {first}{more}",
                    job.id
                ),
                evidence: json!({
                    "secrets": keys,
                    "stored_key_logins": stored_logins.iter().map(|l| json!({"action": l.action, "line": l.line})).collect::<Vec<_>>(),
                }),
            })
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let gcp_login = json!({"cloud": "gcp", "action": "google-github-actions/auth", "federated": false, "secrets": ["PROD_SA"], "line": 20});
        vec![
            RuleExample {
                name: "GitHub job reads AWS keys",
                inventory: inventory(vec![push_workflow(
                    "deploy.yml",
                    &["main"],
                    vec![job(
                        "deploy",
                        json!({"secrets": ["AWS_ACCESS_KEY_ID", "PROD_AWS_SECRET_ACCESS_KEY"]}),
                    )],
                )]),
                fires: true,
            },
            RuleExample {
                name: "google-github-actions/auth with a key file from any secret name",
                inventory: inventory(vec![push_workflow(
                    "deploy.yml",
                    &["main"],
                    vec![job("deploy", json!({"cloud_logins": [gcp_login]}))],
                )]),
                fires: true,
            },
            RuleExample {
                name: "GitLab job references an Azure client secret",
                inventory: inventory(vec![pipeline(vec![job(
                    "deploy",
                    json!({"stage": "deploy", "secrets": ["ARM_CLIENT_SECRET"]}),
                )])]),
                fires: true,
            },
            RuleExample {
                name: "federated login and unrelated secrets",
                inventory: inventory(vec![push_workflow(
                    "deploy.yml",
                    &["main"],
                    vec![job(
                        "deploy",
                        json!({"secrets": ["SLACK_WEBHOOK"], "cloud_logins": [aws_login("deploy")]}),
                    )],
                )]),
                fires: false,
            },
        ]
    }
}

/// Whether a secret's name says it holds a long-lived cloud key.
pub(super) fn is_cloud_key(secret: &str) -> bool {
    let upper = secret.to_ascii_uppercase();
    CLOUD_KEY_NAMES.iter().any(|name| upper.contains(name))
}
