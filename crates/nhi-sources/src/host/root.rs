//! Where a host's tree starts and what the host is called. A host is a mounted filesystem root or
//! an unpacked image: its files are recognised by their path inside the tree (`etc/passwd`,
//! `etc/cron.d/backup`), and the part of the path before that is the host's root.
//!
//! Invariant: the host name comes from `<root>/etc/hostname` when that file exists (its first word),
//! else from the root folder's own name, else `localhost`; ids built here are the only account,
//! group and job ids the host source uses.

use std::path::Path;

/// A host tree: the path prefix of its root (empty, or ending in `/`) and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostRoot {
    pub prefix: String,
    pub name: String,
}

impl HostRoot {
    /// The host whose root is `prefix` (as it appears in scanned paths).
    pub(crate) fn at(prefix: &str) -> HostRoot {
        HostRoot {
            prefix: prefix.to_string(),
            name: host_name(prefix),
        }
    }

    /// The host holding `path`, whose part inside the tree starts at byte `inner`.
    pub(crate) fn of(path: &str, inner: usize) -> HostRoot {
        HostRoot::at(&path[..inner])
    }

    /// `host:account:<host>/<user>`.
    pub(crate) fn account(&self, user: &str) -> String {
        format!("host:account:{}/{user}", self.name)
    }

    /// `host:group:<host>/<group>`.
    pub(crate) fn group(&self, group: &str) -> String {
        format!("host:group:{}/{group}", self.name)
    }

    /// `host:gid:<host>/<gid>`: stands for "accounts whose primary group is this gid".
    pub(crate) fn gid(&self, gid: &str) -> String {
        format!("host:gid:{}/{gid}", self.name)
    }

    /// `host:uid:<host>/<uid>`: an account named by uid (`#1001` in sudoers).
    pub(crate) fn uid(&self, uid: &str) -> String {
        format!("host:uid:{}/{uid}", self.name)
    }

    /// A job node (`host:systemd:<host>/<unit>`, `host:cron:<host>/<file>`) for `kind`.
    pub(crate) fn job(&self, kind: &str, name: &str) -> String {
        format!("host:{kind}:{}/{name}", self.name)
    }

    /// The path relative to the root.
    pub(crate) fn inner<'a>(&self, path: &'a str) -> &'a str {
        path.strip_prefix(self.prefix.as_str()).unwrap_or(path)
    }

    /// Whether the root holds an account database (`etc/passwd`), i.e. it is a host tree and not
    /// just a folder that happens to be called `home`.
    pub(crate) fn has_accounts(&self) -> bool {
        self.fs_path("etc/passwd").is_file()
    }

    fn fs_path(&self, inner: &str) -> std::path::PathBuf {
        Path::new(if self.prefix.is_empty() {
            "."
        } else {
            &self.prefix
        })
        .join(inner)
    }
}

/// The byte offset where `dir_marker` (e.g. `etc/cron.d/`) starts in `path` at a component
/// boundary, with exactly one more component (the file) after it.
pub(crate) fn file_in(path: &str, dir_marker: &str) -> Option<usize> {
    let at = path.rfind(dir_marker)?;
    let at_boundary = at == 0 || path[..at].ends_with('/');
    let file = &path[at + dir_marker.len()..];
    (at_boundary && !file.is_empty() && !file.contains('/')).then_some(at)
}

/// The byte offset where `suffix` (e.g. `etc/passwd`) starts when `path` ends with it at a
/// component boundary.
pub(crate) fn ends_with(path: &str, suffix: &str) -> Option<usize> {
    let at = path.len().checked_sub(suffix.len())?;
    (path.ends_with(suffix) && (at == 0 || path[..at].ends_with('/'))).then_some(at)
}

/// A user's home inside a host tree: `home/<user>/` or `root/`. Returns the offset of the
/// root's end, the user and the offset just past the home folder.
pub(crate) fn home_of(path: &str) -> Option<(usize, &str, usize)> {
    let mut search = 0;
    let mut found = None;
    while let Some(rel) = path[search..].find("home/") {
        let at = search + rel;
        if at == 0 || path[..at].ends_with('/') {
            let rest = &path[at + 5..];
            if let Some(slash) = rest.find('/') {
                found = Some((at, &rest[..slash], at + 5 + slash + 1));
            }
        }
        search = at + 5;
    }
    if found.is_some() {
        return found;
    }
    let at = path.rfind("root/")?;
    (at == 0 || path[..at].ends_with('/')).then_some((at, "root", at + 5))
}

/// The account that owns a file in a home folder of a host tree (`<root>/home/alice/.aws/...`),
/// when the tree has an account database.
pub(crate) fn home_account(path: &str) -> Option<String> {
    let (root_end, user, _) = home_of(path)?;
    let host = HostRoot::of(path, root_end);
    host.has_accounts().then(|| host.account(user))
}

fn host_name(prefix: &str) -> String {
    let dir = Path::new(if prefix.is_empty() { "." } else { prefix });
    if let Ok(text) = std::fs::read_to_string(dir.join("etc/hostname")) {
        if let Some(name) = text.split_whitespace().next().filter(|n| valid_name(n)) {
            return name.to_string();
        }
    }
    let folder = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    folder
        .filter(|n| valid_name(n))
        .unwrap_or_else(|| "localhost".to_string())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 253 && !name.contains(['/', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_match_at_component_boundaries() {
        assert_eq!(ends_with("img/etc/passwd", "etc/passwd"), Some(4));
        assert_eq!(ends_with("etc/passwd", "etc/passwd"), Some(0));
        assert_eq!(ends_with("img/xetc/passwd", "etc/passwd"), None);
        assert_eq!(file_in("/mnt/etc/cron.d/backup", "etc/cron.d/"), Some(5));
        assert_eq!(file_in("/mnt/etc/cron.d/sub/backup", "etc/cron.d/"), None);
        assert_eq!(file_in("/mnt/etc/cron.d/", "etc/cron.d/"), None);
    }

    #[test]
    fn homes_name_their_user() {
        assert_eq!(
            home_of("t/home/alice/.aws/credentials"),
            Some((2, "alice", 13))
        );
        assert_eq!(home_of("t/root/.kube/config"), Some((2, "root", 7)));
        assert_eq!(home_of("t/myhome/x/y"), None);
        assert_eq!(home_of("home/bob/home/carol/x"), Some((9, "carol", 20)));
    }

    #[test]
    fn names_fall_back_to_the_folder() {
        let dir = std::env::temp_dir().join(format!("nhi-host-root-{}/web-01", std::process::id()));
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        let prefix = format!("{}/", dir.display());
        assert_eq!(HostRoot::at(&prefix).name, "web-01");
        std::fs::write(dir.join("etc/hostname"), "db-7.larkspur.example\n").unwrap();
        let host = HostRoot::at(&prefix);
        assert_eq!(host.name, "db-7.larkspur.example");
        assert_eq!(
            host.account("deploy"),
            "host:account:db-7.larkspur.example/deploy"
        );
        assert!(!host.has_accounts());
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
