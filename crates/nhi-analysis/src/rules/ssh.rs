//! SSH rules: an authorized key that lets a service account log in from anywhere and run
//! anything.
//!
//! Invariant: only entries whose account (or key comment) denotes automation are judged; a human's
//! own login key is a different risk, left to other rules.

use super::credential_facts::{finding_about, risk};
use super::example_builders::{authorized_key, example};
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{
    AuthorizedKeyDetails, CredentialDetails, Finding, Inventory, OwaspNhi, RuleMeta, Severity,
};
use serde_json::json;

/// Accounts that are services, not people (compared case-insensitively).
const SERVICE_ACCOUNTS: &[&str] = &[
    "ansible",
    "apache",
    "app",
    "automation",
    "backup",
    "backups",
    "bot",
    "build",
    "buildbot",
    "builder",
    "cd",
    "chef",
    "ci",
    "cron",
    "daemon",
    "deploy",
    "deployer",
    "git",
    "github-runner",
    "gitlab-runner",
    "jenkins",
    "monitor",
    "mysql",
    "nagios",
    "nginx",
    "nobody",
    "postgres",
    "prometheus",
    "puppet",
    "redis",
    "replication",
    "rsync",
    "runner",
    "salt",
    "service",
    "sftp",
    "svc",
    "sync",
    "terraform",
    "uploader",
    "www-data",
    "zabbix",
];
/// Account name prefixes and suffixes that denote a service (`svc-billing`, `release-bot`).
const SERVICE_PREFIXES: &[&str] = &[
    "svc-", "svc_", "sa-", "ci-", "deploy-", "build-", "backup-", "bot-",
];
const SERVICE_SUFFIXES: &[&str] = &[
    "-svc", "_svc", "-sa", "-bot", "_bot", "-ci", "-deploy", "-service", "-runner", "-agent",
];
/// Words in a key comment that say the key is used by automation (`deploy@ci-runner`).
const AUTOMATION_WORDS: &[&str] = &[
    "actions",
    "ansible",
    "automation",
    "automated",
    "backup",
    "bot",
    "cd",
    "ci",
    "cron",
    "deploy",
    "deployment",
    "jenkins",
    "pipeline",
    "runner",
    "service",
    "svc",
    "terraform",
];

static UNRESTRICTED: RuleMeta = risk(
    "ssh-authorized-key-unrestricted",
    "Service account SSH key without from= or command= restriction",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "An authorized_keys entry lets a non-interactive (service) account's key log in from any address and run \
     any command.",
    "Restrict the entry to what the automation needs: add `from=\"<runner addresses>\"` and \
     `restrict,command=\"<the one command>\"` (or use an SSH certificate with a forced command), and remove \
     the entry if the automation no longer uses it.",
);

/// `ssh-authorized-key-unrestricted`.
pub(crate) struct UnrestrictedServiceKey;

/// Why the entry belongs to automation, if it does.
fn automation_reason(entry: &AuthorizedKeyDetails) -> Option<&'static str> {
    if entry.account.as_deref().is_some_and(is_service_account) {
        return Some("account name denotes a service");
    }
    let comment = entry.comment.as_deref()?.to_ascii_lowercase();
    comment
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| AUTOMATION_WORDS.contains(&word))
        .then_some("key comment denotes automation")
}

/// Whether an account name denotes a service rather than a person.
fn is_service_account(account: &str) -> bool {
    let account = account.to_ascii_lowercase();
    SERVICE_ACCOUNTS.contains(&account.as_str())
        || SERVICE_PREFIXES.iter().any(|p| account.starts_with(p))
        || SERVICE_SUFFIXES.iter().any(|s| account.ends_with(s))
}

/// Whether an option list limits where from, or what, the key may run.
fn is_restricted(options: &[String]) -> bool {
    options.iter().any(|option| {
        let name = option.split('=').next().unwrap_or("").to_ascii_lowercase();
        name == "from" || name == "command"
    })
}

impl RiskRule for UnrestrictedServiceKey {
    fn meta(&self) -> &RuleMeta {
        &UNRESTRICTED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        inventory
            .credentials
            .values()
            .filter_map(|credential| {
                let CredentialDetails::AuthorizedKey(entry) = &credential.details else {
                    return None;
                };
                if is_restricted(&entry.options) {
                    return None;
                }
                let reason = automation_reason(entry)?;
                let key = entry.comment.as_deref().unwrap_or("without comment");
                let account = entry.account.as_deref().unwrap_or("an unknown account");
                let title = format!("SSH key '{key}' can log in to {account} from anywhere and run any command");
                let evidence = json!({
                    "account": entry.account, "options": entry.options, "comment": entry.comment, "reason": reason,
                });
                Some(finding_about(&UNRESTRICTED, credential, None, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let from = &["from=\"10.0.0.0/8\""][..];
        let forced = &["restrict", "command=\"/usr/local/bin/backup\""][..];
        vec![
            example(
                "deploy account, no options",
                true,
                vec![authorized_key("d", "deploy", &[], None)],
            ),
            example(
                "svc-billing account with only no-pty",
                true,
                vec![authorized_key("b", "svc-billing", &["no-pty"], None)],
            ),
            example(
                "human account, CI key",
                true,
                vec![authorized_key("c", "alice", &[], Some("gitlab-ci deploy"))],
            ),
            example(
                "human account, own key",
                false,
                vec![authorized_key("a", "alice", &[], Some("alice@laptop"))],
            ),
            example(
                "deploy account restricted by from=",
                false,
                vec![authorized_key("d", "deploy", from, None)],
            ),
            example(
                "backup account with restrict and command=",
                false,
                vec![authorized_key("b", "backup", forced, None)],
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_accounts_by_name_and_pattern() {
        for account in [
            "deploy",
            "Jenkins",
            "svc-billing",
            "release-bot",
            "www-data",
            "etl_svc",
        ] {
            assert!(is_service_account(account), "{account}");
        }
        for account in ["alice", "bob", "root", "deployment-lead"] {
            assert!(!is_service_account(account), "{account}");
        }
    }
}
