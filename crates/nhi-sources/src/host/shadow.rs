//! `/etc/shadow`: the password state of each account (set, locked, empty) as an attribute of its
//! identity, and each set password as a `password` credential with its last change and expiry.
//!
//! Invariant: the hash is only fingerprinted; its redacted form shows the algorithm and nothing of
//! the hash itself.

use super::root::HostRoot;
use super::{attr, for_each_line};
use crate::{Discovery, SourceFile};
use nhi_model::{Credential, CredentialKind, Identity, IdentityKind, Location, Timestamp};
use serde_json::Value;

/// A maximum password age at or above this means "never expires".
const NEVER_EXPIRES_DAYS: i64 = 99_999;

/// What the password field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PasswordState {
    /// A hash: password login works.
    Set,
    /// `!`, `!!`, `*` or a hash behind `!`: password login refused.
    Locked,
    /// Nothing at all: login without a password.
    Empty,
}

impl PasswordState {
    pub(crate) fn of(field: &str) -> PasswordState {
        if field.is_empty() {
            PasswordState::Empty
        } else if field.starts_with(['!', '*']) || field == "x" {
            PasswordState::Locked
        } else {
            PasswordState::Set
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PasswordState::Set => "set",
            PasswordState::Locked => "locked",
            PasswordState::Empty => "empty",
        }
    }
}

/// The crypt(3) scheme of a hash, from its prefix.
fn hash_algorithm(hash: &str) -> &'static str {
    match hash.split('$').nth(1) {
        Some("1") => "md5crypt",
        Some("2a" | "2b" | "2y") => "bcrypt",
        Some("5") => "sha256crypt",
        Some("6") => "sha512crypt",
        Some("y") => "yescrypt",
        Some("gy") => "gost-yescrypt",
        Some("7") => "scrypt",
        _ if hash.len() == 13 => "descrypt",
        _ => "unknown",
    }
}

/// A day count since 1970-01-01, as shadow stores dates.
fn day(field: &str) -> Option<Timestamp> {
    let days: i64 = field.parse().ok()?;
    chrono::DateTime::from_timestamp(days.checked_mul(86_400)?, 0)
}

/// Read a shadow file.
pub(crate) fn read(
    file: &SourceFile,
    text: &str,
    host: &HostRoot,
    ctx: &crate::SourceContext,
    out: &mut Discovery,
) {
    for_each_line(file, text, out, |line, number, out| {
        if line.starts_with(['+', '-']) {
            return Ok(());
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 2 || fields.len() > 9 || fields[0].is_empty() {
            return Err(format!(
                "malformed shadow entry: expected 2 to 9 ':'-separated fields, found {}",
                fields.len()
            ));
        }
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let (user, hash) = (fields[0], fields[1]);
        let location = Location::file(file.path, Some(number));
        let state = PasswordState::of(hash);
        let changed = day(field(2));
        let mut identity = Identity::new(host.account(user), IdentityKind::Unknown, "host", user);
        let attributes = &mut identity.attributes;
        attributes.insert(attr::HOST.into(), Value::from(host.name.as_str()));
        attributes.insert(attr::PASSWORD.into(), Value::from(state.as_str()));
        if let Some(changed) = changed {
            attributes.insert(
                attr::PASSWORD_CHANGED.into(),
                Value::from(changed.format("%Y-%m-%d").to_string()),
            );
        }
        if let Some(expires) = day(field(7)) {
            attributes.insert(
                attr::ACCOUNT_EXPIRES.into(),
                Value::from(expires.format("%Y-%m-%d").to_string()),
            );
        }
        attributes.insert(
            attr::SHADOW_LOCATION.into(),
            serde_json::to_value(&location).unwrap_or_default(),
        );
        out.inventory.add_identity(identity);

        if state == PasswordState::Set {
            let mut credential = Credential::new(
                format!("password:host:{}/{user}", host.name),
                CredentialKind::Password,
                ctx.fingerprinter.fingerprint(hash.as_bytes()),
            );
            let algorithm = hash_algorithm(hash);
            credential.identity = Some(host.account(user));
            credential.redacted = Some(format!("[{algorithm} hash]"));
            credential.created = changed;
            let max_days: Option<i64> = field(4).parse().ok().filter(|d| *d < NEVER_EXPIRES_DAYS);
            credential.expires = changed
                .zip(max_days)
                .map(|(c, d)| c + chrono::Duration::days(d));
            credential.locations.push(location);
            credential
                .attributes
                .insert("found_in".into(), Value::from("shadow"));
            credential
                .attributes
                .insert("hash_algorithm".into(), Value::from(algorithm));
            out.inventory.add_credential(credential);
        }
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_states_and_algorithms() {
        assert_eq!(PasswordState::of(""), PasswordState::Empty);
        assert_eq!(PasswordState::of("!"), PasswordState::Locked);
        assert_eq!(PasswordState::of("!$6$salt$hash"), PasswordState::Locked);
        assert_eq!(PasswordState::of("*"), PasswordState::Locked);
        assert_eq!(PasswordState::of("$y$j9T$salt$hash"), PasswordState::Set);
        assert_eq!(hash_algorithm("$6$salt$hash"), "sha512crypt");
        assert_eq!(hash_algorithm("$y$j9T$salt$hash"), "yescrypt");
        assert_eq!(hash_algorithm("abcdefghijklm"), "descrypt");
        assert_eq!(
            day("19000").unwrap().format("%Y-%m-%d").to_string(),
            "2022-01-08"
        );
        assert_eq!(day("x"), None);
    }
}
