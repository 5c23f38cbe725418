//! Secrets written into what runs on a host: systemd units (`Environment=`, `ExecStart=`
//! arguments, `SetCredential=`) and crontab lines (environment lines and command lines).

use super::credential_rule::{place, shown, text, CredentialRule};
use super::examples::{account_id, example, inventory, secret};
use crate::rules::credential_facts::risk;
use nhi_model::{CredentialKind, OwaspNhi, Severity};
use serde_json::json;

/// Secrets in systemd units.
pub(crate) const SYSTEMD_UNIT_SECRET: CredentialRule = CredentialRule {
    meta: &risk(
        "host-systemd-unit-secret",
        "Secret written into a systemd unit",
        Severity::High,
        &[OwaspNhi::NHI2],
        "A password, token or key sits in clear in a systemd unit (`Environment=`, an `ExecStart=` argument or `SetCredential=`): unit files are world-readable, and `systemctl show` prints the environment to any user.",
        "Move the secret to a root-only file loaded with `LoadCredential=` (or `LoadCredentialEncrypted=` with `systemd-creds encrypt`) and read it from $CREDENTIALS_DIRECTORY; rotate the exposed value.",
    ),
    found_in: &["systemd-environment", "systemd-exec", "systemd-set-credential"],
    applies: |_, _| true,
    title: |c, _| {
        let unit = text(c, "unit").unwrap_or("a unit");
        let field = text(c, "field").unwrap_or("a setting");
        format!("{} {} in {unit} ({field}) at {}", c.kind.as_str(), shown(c), place(c))
    },
    examples: || {
        let environment = secret(
            CredentialKind::Password,
            "db",
            "web-01/etc/systemd/system/billing.service",
            "systemd-environment",
            "DB_PASSWORD",
            &[("unit", json!("billing.service"))],
        );
        let loaded = secret(CredentialKind::Password, "db", "web-01/etc/app/db.env", "dotenv", "DB_PASSWORD", &[]);
        vec![
            example("DB_PASSWORD in Environment=", true, inventory(vec![], vec![environment], vec![], vec![])),
            example("the same password in a dotenv file", false, inventory(vec![], vec![loaded], vec![], vec![])),
        ]
    },
};

/// Secrets in crontab lines.
pub(crate) const CRONTAB_SECRET: CredentialRule = CredentialRule {
    meta: &risk(
        "host-crontab-secret",
        "Secret written into a crontab",
        Severity::High,
        &[OwaspNhi::NHI2],
        "A password, token or key sits in clear on a crontab line (a variable or a command argument): it is copied into backups and configuration management, and visible in the process list whenever the job runs.",
        "Have the job read the secret from a root-only file or a secrets manager at run time (e.g. `--password-file`, `PGPASSFILE`, `~/.my.cnf` with mode 0600), or run it as a systemd timer with `LoadCredential=`; rotate the exposed value.",
    ),
    found_in: &["crontab"],
    applies: |_, _| true,
    title: |c, _| {
        let account = c.identity.as_deref().and_then(|i| i.strip_prefix("host:account:")).unwrap_or("an unknown account");
        format!("{} {} in a crontab of {account} at {}", c.kind.as_str(), shown(c), place(c))
    },
    examples: || {
        let mut job = secret(CredentialKind::Password, "dump", "web-01/etc/cron.d/backup", "crontab", "-p", &[]);
        job.identity = Some(account_id("backup"));
        let file = secret(CredentialKind::Password, "dump", "web-01/home/backup/.my.cnf", "dotenv", "password", &[]);
        vec![
            example("mysqldump -pSECRET in cron.d", true, inventory(vec![], vec![job], vec![], vec![])),
            example("the password kept in a file", false, inventory(vec![], vec![file], vec![], vec![])),
        ]
    },
};

/// Every rule of this module, for the list.
#[cfg(test)]
pub(crate) fn all() -> [&'static dyn crate::RiskRule; 2] {
    [&SYSTEMD_UNIT_SECRET, &CRONTAB_SECRET]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{examples_now, AnalysisContext};

    #[test]
    fn titles_name_the_unit_and_the_account() {
        let ctx = AnalysisContext::new(examples_now());
        for rule in all() {
            for example in rule.examples().into_iter().filter(|e| e.fires) {
                let findings = rule.evaluate(&example.inventory, &ctx);
                assert_eq!(findings.len(), 1);
                let title = &findings[0].title;
                assert!(
                    title.contains("billing.service") || title.contains("web-01/backup"),
                    "{title}"
                );
                assert!(!title.contains("fp1:"), "{title}");
            }
        }
    }
}
