//! The host source: accounts (`etc/passwd`, `etc/shadow`, `etc/group`), what they may run as root
//! (`etc/sudoers`, `etc/sudoers.d/*`), what runs as them (crontabs, systemd units), and which SSH
//! keys they hold or accept (`home/<user>/.ssh/`). Files are recognised by their path inside a
//! host tree (a mounted root or an unpacked image), see [`root`].
//!
//! What lands in the inventory, the contract `nhi-analysis::host` reads:
//! - identities `host:account:<host>/<user>` (kind `daemon-account`, or `unknown` with
//!   `human: true` for people), with the [`attr`] facts;
//! - `member-of` edges from accounts (and from `host:gid:<host>/<gid>`) to `host:group:<host>/<name>`;
//! - grants with `source` `sudoers` (see [`sudoers`]);
//! - `uses` edges from jobs (`host:systemd:<host>/<unit>`, `host:cron:<host>/<file>`) to the
//!   account they run as, with `program`, `schedule`/`unit` and `location` attributes;
//! - credentials: set passwords from shadow, and literal secrets in units and crontabs, with
//!   `found_in` `systemd-environment`, `systemd-exec`, `systemd-set-credential` or `crontab`;
//! - `owns` edges from accounts to the SSH keys in their `.ssh`, `can-assume` edges from the keys
//!   in their `authorized_keys` to them.
//!
//! Invariants: a bad line gives one error with its line number and the rest of the file counts;
//! binary content gives one error for the file; no secret value is kept, only fingerprints.

mod cron;
mod group;
mod passwd;
pub(crate) mod root;
mod shadow;
mod ssh_keys;
mod sudoers;
mod systemd;

use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use root::{ends_with, file_in, HostRoot};
use std::borrow::Cow;

/// Attribute names shared with the analysis.
pub(crate) mod attr {
    pub const HOST: &str = "host";
    pub const UID: &str = "uid";
    pub const GID: &str = "gid";
    pub const HOME: &str = "home";
    pub const SHELL: &str = "shell";
    pub const GECOS: &str = "gecos";
    /// Whether the shell allows an interactive login.
    pub const LOGIN_SHELL: &str = "login_shell";
    /// `superuser`, `system`, `service` or `human`.
    pub const CLASS: &str = "class";
    pub const HUMAN: &str = "human";
    /// `set`, `locked` or `empty`.
    pub const PASSWORD: &str = "password";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const ACCOUNT_EXPIRES: &str = "account_expires";
    /// Where the passwd entry was (a serialised `Location`); the shadow entry's, separately.
    pub const LOCATION: &str = "location";
    pub const SHADOW_LOCATION: &str = "shadow_location";
    /// Job edges: the program run, the cron schedule, the unit name.
    pub const PROGRAM: &str = "program";
    pub const SCHEDULE: &str = "schedule";
    pub const UNIT: &str = "unit";
}

/// Reads host account databases, sudoers, crontabs, systemd units and home `.ssh` folders.
pub(crate) struct HostSource;

/// Which host file this is, and where the host's root ends in its path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostFile {
    Passwd,
    Shadow,
    Group,
    Sudoers,
    /// `etc/crontab` and `etc/cron.d/*`: lines name their user.
    SystemCrontab,
    /// `var/spool/cron/crontabs/<user>`: every line runs as the file's user.
    UserCrontab(String),
    /// A unit or a drop-in for it; `Some(user)` for a user unit under a home.
    Unit {
        name: String,
        drop_in: bool,
        user: Option<String>,
    },
    /// A file in `home/<user>/.ssh/` (or `root/.ssh/`).
    Ssh(String),
}

fn classify(file: &SourceFile) -> Option<(HostFile, usize)> {
    let path = file.path;
    let name = file.file_name();
    let exact = [
        ("etc/passwd", HostFile::Passwd),
        ("etc/shadow", HostFile::Shadow),
        ("etc/group", HostFile::Group),
        ("etc/sudoers", HostFile::Sudoers),
        ("etc/crontab", HostFile::SystemCrontab),
    ];
    for (suffix, kind) in exact {
        if let Some(at) = ends_with(path, suffix) {
            return Some((kind, at));
        }
    }
    // sudo skips files in an include dir whose names hold a `.` or end in `~`.
    if let Some(at) =
        file_in(path, "etc/sudoers.d/").filter(|_| !name.contains('.') && !name.ends_with('~'))
    {
        return Some((HostFile::Sudoers, at));
    }
    let skipped = name.starts_with('.')
        || name.ends_with('~')
        || name.contains(".dpkg-")
        || name.contains(".rpm");
    if let Some(at) = file_in(path, "etc/cron.d/").filter(|_| !skipped) {
        return Some((HostFile::SystemCrontab, at));
    }
    for dir in ["var/spool/cron/crontabs/", "var/spool/cron/"] {
        if let Some(at) = file_in(path, dir).filter(|_| !skipped) {
            return Some((HostFile::UserCrontab(name.to_string()), at));
        }
    }
    if let Some(unit) = systemd::classify(file) {
        return Some(unit);
    }
    ssh_keys::classify(path).map(|(user, at)| (HostFile::Ssh(user), at))
}

impl Source for HostSource {
    fn name(&self) -> &'static str {
        "host"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        classify(file).is_some()
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let Some((kind, root_end)) = classify(file) else {
            return;
        };
        let host = HostRoot::of(file.path, root_end);
        if let HostFile::Ssh(user) = &kind {
            // Key files are the ssh source's; here they only tie keys to accounts.
            return ssh_keys::read(file, &host, user, out);
        }
        let what = match &kind {
            HostFile::Passwd => "passwd file",
            HostFile::Shadow => "shadow file",
            HostFile::Group => "group file",
            HostFile::Sudoers => "sudoers file",
            HostFile::SystemCrontab | HostFile::UserCrontab(_) => "crontab",
            HostFile::Unit { .. } => "systemd unit",
            HostFile::Ssh(_) => "ssh file",
        };
        let text = match text(file, what) {
            Ok(text) => text,
            Err(err) => return out.errors.push(err),
        };
        match kind {
            HostFile::Passwd => passwd::read(file, &text, &host, out),
            HostFile::Shadow => shadow::read(file, &text, &host, ctx, out),
            HostFile::Group => group::read(file, &text, &host, out),
            HostFile::Sudoers => sudoers::read(file, &text, &host, out),
            HostFile::SystemCrontab => cron::read(file, &text, &host, None, ctx, out),
            HostFile::UserCrontab(user) => cron::read(file, &text, &host, Some(&user), ctx, out),
            HostFile::Unit {
                name,
                drop_in,
                user,
            } => {
                let unit = systemd::UnitFile {
                    name: &name,
                    drop_in,
                    user: user.as_deref(),
                };
                systemd::read(file, &text, &host, &unit, ctx, out)
            }
            HostFile::Ssh(_) => {}
        }
    }
}

/// The file as text: binary content (a NUL byte) is refused with one error naming what the file
/// should have been; other invalid UTF-8 is read leniently (GECOS fields in Latin-1 exist).
fn text<'a>(file: &SourceFile<'a>, what: &str) -> Result<Cow<'a, str>, SourceError> {
    if memchr::memchr(0, file.bytes).is_some() {
        return Err(SourceError::new(
            file.path,
            None,
            format!("binary content: not a {what}"),
        ));
    }
    Ok(String::from_utf8_lossy(file.bytes))
}

/// Run `parse` on every line that is not blank or a `#` comment; its errors are reported with the
/// line number and the next line goes on.
fn for_each_line(
    file: &SourceFile,
    text: &str,
    out: &mut Discovery,
    mut parse: impl FnMut(&str, u32, &mut Discovery) -> Result<(), String>,
) {
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if let Err(message) = parse(trimmed, number, out) {
            out.errors
                .push(SourceError::new(file.path, Some(number), message));
        }
    }
}

#[cfg(test)]
mod tests;
