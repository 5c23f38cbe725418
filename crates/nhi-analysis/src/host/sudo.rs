//! Passwordless sudo to root for service accounts: `NOPASSWD: ALL`, or a command that is root in
//! all but name (a shell, `su`, an editor or interpreter that can spawn one).
//!
//! Invariant: a grant reaches an account directly, through `ALL` users, a group (listed members and
//! primary groups) or a uid; only service accounts are judged.

use super::examples::{account, account_id, example, inventory, member, sudo, HOST};
use super::facts::{accounts, Account, HostFacts};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Grant, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::{json, Value};

/// Programs that hand out a root shell to whoever may run them as root, whatever their arguments
/// (a documented subset of the well-known escapes: shells, `su`, editors, pagers, `find`, `awk`).
const ROOT_EQUIVALENT: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "csh", "tcsh", "fish", "su", "sudo", "env", "vi", "vim",
    "nvim", "nano", "emacs", "less", "more", "man", "find", "awk", "gawk",
];
/// Programs that are root-equivalent when their arguments are open (none given, or a wildcard):
/// interpreters, file copiers and writers, package managers, service and container managers.
const ROOT_WHEN_OPEN: &[&str] = &[
    "perl",
    "python",
    "python3",
    "ruby",
    "lua",
    "node",
    "php",
    "tee",
    "dd",
    "cp",
    "mv",
    "chmod",
    "chown",
    "tar",
    "zip",
    "git",
    "docker",
    "rsync",
    "systemctl",
    "journalctl",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "pip",
    "pip3",
];

/// Passwordless sudo to root for a service account.
pub(crate) struct SudoNopasswdAll;

static SUDO_ALL: RuleMeta = risk(
    "host-service-account-sudo-nopasswd-all",
    "Service account has passwordless sudo to root",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A service account may run ALL commands (or a shell, su, an editor or interpreter) as root without a password: whoever controls the service, or steals its key, owns the host.",
    "Replace `NOPASSWD: ALL` with the exact commands the service needs, with fixed arguments (e.g. `deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app`), or run the task as a systemd unit with only the capabilities it needs.",
);

impl RiskRule for SudoNopasswdAll {
    fn meta(&self) -> &RuleMeta {
        &SUDO_ALL
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let facts = HostFacts::of(inventory);
        let mut findings = Vec::new();
        for grant in inventory.grants.iter().filter(|g| is_root_grant(g)) {
            for account in holders(grant, inventory, &facts) {
                if !facts.is_service(&account) {
                    continue;
                }
                let commands: Vec<&str> = grant
                    .actions
                    .iter()
                    .map(String::as_str)
                    .filter(|c| root_equivalent(c))
                    .collect();
                let how = if commands.contains(&"ALL") {
                    "ALL".to_string()
                } else {
                    commands.join(", ")
                };
                let via = if grant.identity == account.identity.id {
                    String::new()
                } else {
                    format!(" via {}", grant.identity)
                };
                let title = format!(
                    "Service account {} on {} may run {how} as root without a password{via}",
                    account.user(),
                    account.host()
                );
                let evidence = json!({"commands": commands, "granted_to": grant.identity, "runas": grant.resources,
                    "class": account.class(), "runs": facts.runs(&account)});
                findings.push(Finding::new(
                    &SUDO_ALL,
                    title,
                    vec![account.identity.id.clone()],
                    grant.location.clone(),
                    evidence,
                ));
            }
        }
        findings
    }

    fn examples(&self) -> Vec<RuleExample> {
        let deploy = || account("deploy", "service", 1001, "/bin/bash", "locked");
        vec![
            example(
                "deploy ALL=(ALL) NOPASSWD: ALL",
                true,
                inventory(
                    vec![deploy()],
                    vec![],
                    vec![sudo(&account_id("deploy"), &["ALL"], "*", true)],
                    vec![],
                ),
            ),
            example(
                "backup in %admin with NOPASSWD: /bin/bash",
                true,
                inventory(
                    vec![account(
                        "backup",
                        "system",
                        34,
                        "/usr/sbin/nologin",
                        "locked",
                    )],
                    vec![],
                    vec![sudo(
                        &format!("host:group:{HOST}/admin"),
                        &["/bin/bash"],
                        "root",
                        true,
                    )],
                    vec![member("backup", "admin")],
                ),
            ),
            example(
                "NOPASSWD for one fixed command",
                false,
                inventory(
                    vec![deploy()],
                    vec![],
                    vec![sudo(
                        &account_id("deploy"),
                        &["/usr/bin/systemctl restart app"],
                        "root",
                        true,
                    )],
                    vec![],
                ),
            ),
            example(
                "ALL with a password",
                false,
                inventory(
                    vec![deploy()],
                    vec![],
                    vec![sudo(&account_id("deploy"), &["ALL"], "root", false)],
                    vec![],
                ),
            ),
            example(
                "a person with NOPASSWD: ALL",
                false,
                inventory(
                    vec![account("alice", "human", 1000, "/bin/zsh", "set")],
                    vec![],
                    vec![sudo(&account_id("alice"), &["ALL"], "root", true)],
                    vec![],
                ),
            ),
        ]
    }
}

fn nopasswd(grant: &Grant) -> bool {
    grant
        .conditions
        .as_ref()
        .and_then(|c| c.get("nopasswd"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// Whether a command is `ALL` or a root-equivalent program (whatever its arguments).
fn root_equivalent(command: &str) -> bool {
    if command == "ALL" {
        return true;
    }
    let mut words = command.split_whitespace();
    let program = words.next().unwrap_or(command);
    let name = program.rsplit('/').next().unwrap_or(program);
    let args: Vec<&str> = words.collect();
    let open = args.is_empty() || args.iter().any(|a| a.contains('*'));
    ROOT_EQUIVALENT.contains(&name) || (open && ROOT_WHEN_OPEN.contains(&name))
}

/// An allow grant from sudoers, passwordless, run as root (or anyone), with a root-equivalent command.
fn is_root_grant(grant: &Grant) -> bool {
    let as_root = grant
        .resources
        .iter()
        .any(|r| r.ends_with("/root") || r.ends_with("/*"));
    grant.source.as_deref() == Some("sudoers")
        && grant.effect == "allow"
        && nopasswd(grant)
        && as_root
        && grant.actions.iter().any(|c| root_equivalent(c))
}

/// The accounts a grant reaches.
fn holders<'a>(grant: &Grant, inventory: &'a Inventory, facts: &HostFacts) -> Vec<Account<'a>> {
    let holder = grant.identity.as_str();
    let host_of = |rest: &str| {
        rest.rsplit_once('/')
            .map(|(host, name)| (host.to_string(), name.to_string()))
    };
    accounts(inventory)
        .filter(|account| {
            if let Some((host, user)) = holder.strip_prefix("host:account:").and_then(host_of) {
                return account.host() == host && (user == "*" || user == account.user());
            }
            if holder.starts_with("host:group:") {
                return facts
                    .members
                    .get(holder)
                    .is_some_and(|m| m.contains(&account.identity.id));
            }
            if let Some((host, uid)) = holder.strip_prefix("host:uid:").and_then(host_of) {
                return account.host() == host
                    && account.number("uid").map(|u| u.to_string()) == Some(uid);
            }
            if let Some((host, gid)) = holder.strip_prefix("host:gid:").and_then(host_of) {
                return account.host() == host
                    && account.number("gid").map(|g| g.to_string()) == Some(gid);
            }
            false
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_equivalents() {
        for command in [
            "ALL",
            "/bin/bash",
            "/usr/bin/vim /etc/hosts",
            "/usr/bin/find / -name x",
            "/usr/bin/systemctl *",
        ] {
            assert!(root_equivalent(command), "{command}");
        }
        for command in [
            "/usr/bin/systemctl restart app",
            "/usr/local/bin/backup.sh",
            "/usr/bin/rsync-helper",
        ] {
            assert!(!root_equivalent(command), "{command}");
        }
    }
}
