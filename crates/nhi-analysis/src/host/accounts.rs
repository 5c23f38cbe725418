//! Rules about host accounts themselves: a service account a person can log into with a password,
//! and an account with no password at all.

use super::examples::{account, example, inventory, unit};
use super::facts::{accounts, Account, HostFacts};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

fn finding(
    meta: &RuleMeta,
    account: &Account,
    title: String,
    evidence: serde_json::Value,
) -> Finding {
    Finding::new(
        meta,
        title,
        vec![account.identity.id.clone()],
        account.location(),
        evidence,
    )
}

/// A service account with a login shell and a usable password.
pub(crate) struct ServiceAccountLoginPassword;

static LOGIN_PASSWORD: RuleMeta = risk(
    "host-service-account-login-password",
    "Service account can log in with a password",
    Severity::Medium,
    &[OwaspNhi::NHI10],
    "A system or service account (one that runs daemons, units or jobs) has a login shell and a password set: people can, and do, log in as it, so its actions can no longer be told from theirs.",
    "Lock the password (`passwd -l <user>` or `usermod -L`), set the shell to /usr/sbin/nologin, and give the people who need access their own accounts with sudo rules for the exact commands; use SSH keys restricted with `command=` for automation.",
);

impl RiskRule for ServiceAccountLoginPassword {
    fn meta(&self) -> &RuleMeta {
        &LOGIN_PASSWORD
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let facts = HostFacts::of(inventory);
        accounts(inventory)
            .filter(|a| facts.is_service(a) && a.flag("login_shell") && a.password() == "set")
            .map(|a| {
                let title = format!(
                    "Service account {} on {} has login shell {} and a password",
                    a.user(),
                    a.host(),
                    a.text("shell").unwrap_or("?")
                );
                let evidence = json!({"class": a.class(), "uid": a.number("uid"), "shell": a.text("shell"),
                    "password_changed": a.text("password_changed"), "runs": facts.runs(&a)});
                finding(&LOGIN_PASSWORD, &a, title, evidence)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let one = |identity| inventory(vec![identity], vec![], vec![], vec![]);
        vec![
            example(
                "service account with bash and a password",
                true,
                one(account("deploy", "service", 1001, "/bin/bash", "set")),
            ),
            example(
                "a person's account that runs a system unit",
                true,
                inventory(
                    vec![account("carol", "human", 1002, "/bin/bash", "set")],
                    vec![],
                    vec![],
                    vec![unit("sync.service", "carol", "/usr/local/bin/sync")],
                ),
            ),
            example(
                "locked service account",
                false,
                one(account("deploy", "service", 1001, "/bin/bash", "locked")),
            ),
            example(
                "daemon with nologin",
                false,
                one(account(
                    "www-data",
                    "system",
                    33,
                    "/usr/sbin/nologin",
                    "set",
                )),
            ),
            example(
                "a person",
                false,
                one(account("alice", "human", 1000, "/bin/zsh", "set")),
            ),
            example(
                "root",
                false,
                one(account("root", "superuser", 0, "/bin/bash", "set")),
            ),
        ]
    }
}

/// An account without a password.
pub(crate) struct EmptyPassword;

static EMPTY_PASSWORD: RuleMeta = risk(
    "host-account-empty-password",
    "Account has an empty password",
    Severity::High,
    &[OwaspNhi::NHI4],
    "A non-human account (a daemon, a service or root) has an empty password field: wherever PAM allows null passwords (nullok), anyone can become it without knowing anything.",
    "Lock the account (`passwd -l <user>`) or set a strong password; remove `nullok` from the PAM configuration so that empty passwords never authenticate.",
);

impl RiskRule for EmptyPassword {
    fn meta(&self) -> &RuleMeta {
        &EMPTY_PASSWORD
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        accounts(inventory)
            .filter(|a| a.password() == "empty" && !a.flag("human"))
            .map(|a| {
                let title = format!("Account {} on {} has an empty password", a.user(), a.host());
                let evidence = json!({"class": a.class(), "shell": a.text("shell"), "login_shell": a.flag("login_shell")});
                finding(&EMPTY_PASSWORD, &a, title, evidence)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let one = |identity| inventory(vec![identity], vec![], vec![], vec![]);
        vec![
            example(
                "backup account without a password",
                true,
                one(account("backup", "service", 1003, "/bin/sh", "empty")),
            ),
            example(
                "root without a password",
                true,
                one(account("root", "superuser", 0, "/bin/bash", "empty")),
            ),
            example(
                "locked daemon",
                false,
                one(account(
                    "backup",
                    "system",
                    34,
                    "/usr/sbin/nologin",
                    "locked",
                )),
            ),
            example(
                "a person (not an NHI)",
                false,
                one(account("alice", "human", 1000, "/bin/zsh", "empty")),
            ),
        ]
    }
}
