//! `/etc/passwd`: one identity per account, `host:account:<host>/<user>`, classed as superuser,
//! system, service or human from its uid, name, home and shell.
//!
//! Invariant: the class is a fact of the file alone (uid ranges, the documented service-name list,
//! homes outside `/home`); humans are kept, with `human: true`, so counts stay honest.

use super::root::HostRoot;
use super::{attr, for_each_line};
use crate::{Discovery, SourceFile};
use nhi_model::{Identity, IdentityKind, Location};
use serde_json::Value;

/// Accounts with a uid below this are system accounts (Debian and Red Hat `UID_MIN`).
const UID_MIN: u32 = 1000;
/// Uids from here up are reserved for dynamic system users and `nobody` (Debian policy).
const UID_RESERVED: u32 = 60000;

/// Shells that refuse an interactive login.
const NO_LOGIN_SHELLS: &[&str] = &["nologin", "false", "sync", "halt", "shutdown", "true"];

/// Account names that denote a service rather than a person, whatever their uid.
const SERVICE_NAMES: &[&str] = &[
    "deploy",
    "deployer",
    "ci",
    "build",
    "builder",
    "backup",
    "git",
    "jenkins",
    "gitlab-runner",
    "ansible",
    "terraform",
    "automation",
    "bot",
    "svc",
    "service",
    "app",
    "www-data",
    "nginx",
    "apache",
    "postgres",
    "mysql",
    "redis",
    "nobody",
    "nagios",
    "zabbix",
    "prometheus",
    "grafana",
    "elasticsearch",
    "kafka",
    "zookeeper",
    "rabbitmq",
    "docker",
    "runner",
    "etl",
    "monitor",
    "monitoring",
    "sftp",
    "ftp",
    "ops-bot",
];
const SERVICE_PREFIXES: &[&str] = &["svc-", "svc_", "sa-", "app-", "srv-", "robot-"];
const SERVICE_SUFFIXES: &[&str] = &[
    "-svc", "_svc", "-bot", "_bot", "-service", "-runner", "-agent", "-deploy",
];

/// One parsed passwd entry.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Account<'a> {
    pub name: &'a str,
    pub password: &'a str,
    pub uid: u32,
    pub gid: u32,
    pub gecos: &'a str,
    pub home: &'a str,
    pub shell: &'a str,
}

/// What sort of account this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Superuser,
    System,
    Service,
    Human,
}

impl Class {
    fn as_str(self) -> &'static str {
        match self {
            Class::Superuser => "superuser",
            Class::System => "system",
            Class::Service => "service",
            Class::Human => "human",
        }
    }
}

impl<'a> Account<'a> {
    /// Parse `name:password:uid:gid:gecos:home:shell`.
    pub(crate) fn parse(line: &'a str) -> Result<Self, String> {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() != 7 {
            return Err(format!(
                "expected 7 ':'-separated fields, found {}",
                fields.len()
            ));
        }
        let number = |i: usize, what: &str| {
            fields[i]
                .parse::<u32>()
                .map_err(|_| format!("{what} '{}' is not a number", fields[i]))
        };
        if fields[0].is_empty() {
            return Err("empty account name".into());
        }
        Ok(Account {
            name: fields[0],
            password: fields[1],
            uid: number(2, "uid")?,
            gid: number(3, "gid")?,
            gecos: fields[4],
            home: fields[5],
            shell: fields[6],
        })
    }

    /// Whether the shell lets someone log in (an empty shell means `/bin/sh`).
    pub(crate) fn login_shell(&self) -> bool {
        let program = self.shell.rsplit('/').next().unwrap_or(self.shell);
        !NO_LOGIN_SHELLS.contains(&program)
    }

    pub(crate) fn class(&self) -> Class {
        if self.uid == 0 {
            Class::Superuser
        } else if self.uid < UID_MIN || self.uid >= UID_RESERVED {
            Class::System
        } else if is_service_name(self.name)
            || !self.home.starts_with("/home/")
            || !self.login_shell()
        {
            Class::Service
        } else {
            Class::Human
        }
    }

    /// The identity, with the facts analysis reads (see [`attr`]).
    pub(crate) fn identity(&self, host: &HostRoot, location: Location) -> Identity {
        let class = self.class();
        let kind = match class {
            Class::Human => IdentityKind::Unknown,
            _ => IdentityKind::DaemonAccount,
        };
        let mut identity = Identity::new(host.account(self.name), kind, "host", self.name);
        let attributes = &mut identity.attributes;
        attributes.insert(attr::HOST.into(), Value::from(host.name.as_str()));
        attributes.insert(attr::UID.into(), Value::from(self.uid));
        attributes.insert(attr::GID.into(), Value::from(self.gid));
        attributes.insert(attr::HOME.into(), Value::from(self.home));
        attributes.insert(attr::SHELL.into(), Value::from(self.shell));
        attributes.insert(attr::LOGIN_SHELL.into(), Value::from(self.login_shell()));
        attributes.insert(attr::CLASS.into(), Value::from(class.as_str()));
        attributes.insert(attr::HUMAN.into(), Value::from(class == Class::Human));
        if !self.gecos.is_empty() {
            attributes.insert(attr::GECOS.into(), Value::from(self.gecos));
        }
        if self.password != "x" {
            // A hash kept in passwd itself (no shadow entry): its state is known here.
            let state = super::shadow::PasswordState::of(self.password);
            attributes.insert(attr::PASSWORD.into(), Value::from(state.as_str()));
        }
        attributes.insert(
            attr::LOCATION.into(),
            serde_json::to_value(location).unwrap_or_default(),
        );
        identity
    }
}

/// Whether an account name is on the documented service list or follows a service pattern.
pub(crate) fn is_service_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SERVICE_NAMES.contains(&lower.as_str())
        || SERVICE_PREFIXES.iter().any(|p| lower.starts_with(p))
        || SERVICE_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Read a passwd file.
pub(crate) fn read(file: &SourceFile, text: &str, host: &HostRoot, out: &mut Discovery) {
    for_each_line(file, text, out, |line, number, out| {
        // NIS compat entries (`+`, `-name`) defer to a directory service.
        if line.starts_with(['+', '-']) {
            return Ok(());
        }
        let account = Account::parse(line).map_err(|e| format!("malformed passwd entry: {e}"))?;
        let identity = account.identity(host, Location::file(file.path, Some(number)));
        out.inventory.add_identity(identity);
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_uid_name_home_and_shell() {
        let class = |line| Account::parse(line).unwrap().class();
        assert_eq!(class("root:x:0:0:root:/root:/bin/bash"), Class::Superuser);
        assert_eq!(
            class("www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin"),
            Class::System
        );
        assert_eq!(
            class("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"),
            Class::System
        );
        assert_eq!(
            class("deploy:x:1001:1001::/home/deploy:/bin/bash"),
            Class::Service
        );
        assert_eq!(
            class("jenkins:x:1002:1002::/var/lib/jenkins:/bin/bash"),
            Class::Service
        );
        assert_eq!(
            class("etl-bot:x:1003:1003::/home/etl-bot:/bin/bash"),
            Class::Service
        );
        assert_eq!(
            class("alice:x:1004:1004:Alice:/home/alice:/bin/zsh"),
            Class::Human
        );
        assert!(Account::parse("sync:x:4:65534:sync:/bin:/bin/sync")
            .map(|a| !a.login_shell())
            .unwrap());
        assert!(
            Account::parse("old:x:5:5::/:").unwrap().login_shell(),
            "an empty shell is /bin/sh"
        );
    }

    #[test]
    fn malformed_entries_say_why() {
        assert!(Account::parse("a:x:1:1:/home/a:/bin/sh")
            .unwrap_err()
            .contains("7"));
        assert!(Account::parse("a:x:one:1::/home/a:/bin/sh")
            .unwrap_err()
            .contains("uid 'one'"));
        assert!(Account::parse(":x:1:1::/:/bin/sh")
            .unwrap_err()
            .contains("empty"));
    }
}
