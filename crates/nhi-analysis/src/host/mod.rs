//! Host and credential-file risk rules over what the `host` and `credfiles` sources discover.
//!
//! The contract with the sources: accounts are `host:account:<host>/<user>` with the attributes
//! `class` (`superuser`, `system`, `service`, `human`), `uid`, `gid`, `shell`, `login_shell`,
//! `password` (`set`, `locked`, `empty`) and `location`; groups are `member-of` edges to
//! `host:group:<host>/<name>` (and from `host:gid:<host>/<gid>` for primary groups); jobs are `uses`
//! edges from `host:systemd:...`/`host:cron:...` to the account they run as; sudo rules are grants
//! with `source` `sudoers` and `conditions.nopasswd`; secrets found in files are credentials with
//! `found_in` (the file kind) and `field`.

mod accounts;
mod credential_rule;
mod credfiles;
mod examples;
mod facts;
mod jwt;
mod secrets;
mod sudo;

pub(crate) use accounts::{EmptyPassword, ServiceAccountLoginPassword};
pub(crate) use credential_rule::{place, CredentialRule};
pub(crate) use credfiles::{
    AWS_STATIC_KEY, KUBECONFIG_LONG_LIVED_CERTIFICATE, KUBECONFIG_STATIC_TOKEN,
    PLAINTEXT_REGISTRY_TOKEN, TERRAFORM_STATE_SECRET,
};
pub(crate) use jwt::{JWT_ALG_NONE, JWT_EXPIRED, JWT_NO_EXPIRY};
pub(crate) use secrets::{CRONTAB_SECRET, SYSTEMD_UNIT_SECRET};
pub(crate) use sudo::SudoNopasswdAll;
