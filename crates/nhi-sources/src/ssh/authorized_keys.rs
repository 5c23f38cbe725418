//! `authorized_keys` files: each entry is a credential (`ssh-authorized-key`) of the key's
//! identity, plus a grant of `ssh:login` to the account the file belongs to, with the entry's
//! options as conditions.
//!
//! Invariants: the account comes only from the path (`home/<user>/.ssh/`, `/root/.ssh/`,
//! `/etc/ssh/authorized_keys/<user>`); when the path does not tell, ids and grants name the file.

use super::key::{self, KeyPart};
use super::options::{self, KeyOption, OptionError};
use super::{for_each_entry, LineError};
use crate::{Discovery, SourceContext, SourceFile};
use nhi_model::{
    AuthorizedKeyDetails, Credential, CredentialDetails, CredentialKind, Grant, Location,
};

/// One parsed entry.
#[derive(Debug)]
pub(crate) struct Entry {
    pub options: Vec<KeyOption>,
    pub key: KeyPart,
}

impl Entry {
    /// Parse one non-comment line.
    pub fn parse(line: &str) -> Result<Self, LineError> {
        let (first, rest) = options::split_field(line);
        if key::is_key_type(first) {
            return Ok(Entry {
                options: Vec::new(),
                key: KeyPart::parse(first, rest)?,
            });
        }
        let options = options::parse(first)?;
        let (key_type, rest) = options::split_field(rest.trim_start());
        if !key::is_key_type(key_type) {
            return Err(LineError::ExpectedKeyType(key_type.to_string()));
        }
        Ok(Entry {
            options,
            key: KeyPart::parse(key_type, rest)?,
        })
    }

    /// Whether the line starts with options (used to sniff files by content).
    pub fn has_options(line: &str) -> Result<bool, OptionError> {
        let (first, rest) = options::split_field(line);
        if key::is_key_type(first) {
            return Ok(false);
        }
        options::parse(first)?;
        Ok(key::is_key_type(options::split_field(rest.trim_start()).0))
    }
}

/// Read an authorized_keys file.
pub(crate) fn read(file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
    let account = account_from_path(file.path);
    let holder = account.clone().unwrap_or_else(|| file.path.to_string());
    let resource = match &account {
        Some(user) => format!("account:{user}"),
        None => format!("ssh-authorized-keys:{}", file.path),
    };
    for_each_entry(file, out, Entry::parse, |entry, line, out| {
        let location = Location::file(file.path, Some(line));
        let key = &entry.key.key;
        let identity = key.identity(entry.key.comment.as_deref());
        let mut credential = Credential::new(
            format!("ssh-authorized-key:{}:{holder}", key.fingerprint),
            CredentialKind::SshAuthorizedKey,
            ctx.fingerprinter.fingerprint(&entry.key.blob),
        );
        credential.identity = Some(identity.id.clone());
        credential.locations.push(location.clone());
        credential.details = CredentialDetails::AuthorizedKey(AuthorizedKeyDetails {
            account: account.clone(),
            options: entry.options.iter().map(KeyOption::render).collect(),
            comment: entry.key.comment.clone(),
            key: key.details.clone(),
        });
        out.inventory.grants.push(Grant {
            identity: identity.id.clone(),
            effect: "allow".to_string(),
            actions: vec!["ssh:login".to_string()],
            resources: vec![resource.clone()],
            conditions: options::conditions(&entry.options),
            source: Some(file.path.to_string()),
            access_level: None,
            location: Some(location),
        });
        out.inventory.add_identity(identity);
        out.inventory.add_credential(credential);
    });
}

/// The account an authorized_keys path grants login to, when the path tells it.
pub(crate) fn account_from_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let (name, dirs) = parts.split_last()?;
    match dirs {
        // AuthorizedKeysFile /etc/ssh/authorized_keys/%u
        [.., "ssh", "authorized_keys"] => Some((*name).to_string()),
        [.., "root", ".ssh"] => Some("root".to_string()),
        [.., "home" | "Users", user, ".ssh"] | [.., "var", "lib", user, ".ssh"] => {
            Some((*user).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn account_comes_from_known_home_layouts_only() {
        let cases = [
            ("/home/deploy/.ssh/authorized_keys", Some("deploy")),
            ("srv/backup/home/ci/.ssh/authorized_keys2", Some("ci")),
            ("/root/.ssh/authorized_keys", Some("root")),
            ("/var/lib/jenkins/.ssh/authorized_keys", Some("jenkins")),
            ("/etc/ssh/authorized_keys/git", Some("git")),
            ("fixtures/.ssh/authorized_keys", None),
            ("authorized_keys", None),
        ];
        for (path, account) in cases {
            assert_eq!(account_from_path(path).as_deref(), account, "{path}");
        }
    }

    #[test]
    fn entry_with_options_and_without() {
        let key = "AAAAC3NzaC1lZDI1NTE5AAAAINEyYWXPRlLgqqjxRfcPtl9x2/Md9HImcItuoiTDQ5+t";
        let plain = Entry::parse(&format!("ssh-ed25519 {key} a b")).unwrap();
        assert!(plain.options.is_empty());
        assert_eq!(plain.key.comment.as_deref(), Some("a b"));
        let restricted =
            Entry::parse(&format!("restrict,command=\"x y\" ssh-ed25519 {key}")).unwrap();
        assert_eq!(restricted.options.len(), 2);
        assert!(restricted.key.comment.is_none());
        let err = Entry::parse(&format!("no-pty ssh-foo {key}")).unwrap_err();
        assert_eq!(err.to_string(), "expected an SSH key type, found 'ssh-foo'");
    }

    proptest! {
        #[test]
        fn random_lines_never_panic(line in r#"[a-z0-9=",\\ /+-]{0,30}( ssh-ed25519| ssh-rsa)? ?[A-Za-z0-9+/=]{0,80}( [a-z@]{0,10})?"#) {
            let _ = Entry::parse(&line);
            let _ = Entry::has_options(&line);
        }
    }
}
