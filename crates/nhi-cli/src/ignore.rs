//! `.nhiignore`: findings a team has accepted. One entry a line (`#` starts a comment): a rule id
//! (`generic-password`), a keyed fingerprint (`fp1:...`), or a path glob (`tests/fixtures/**`,
//! `*.example`), matched against the path relative to the scan root it was found under.

use anyhow::Context;
use nhi_model::Finding;
use std::path::{Path, PathBuf};

/// The accepted findings of every `.nhiignore` at the scan roots.
#[derive(Debug, Default)]
pub struct IgnoreList {
    entries: Vec<(PathBuf, String)>,
}

impl IgnoreList {
    /// Read `.nhiignore` from each root that is a directory, and from the current directory for
    /// roots that are files (as a pre-commit hook passes them); a missing file is no error.
    pub fn load(roots: &[PathBuf]) -> anyhow::Result<IgnoreList> {
        let mut list = IgnoreList::default();
        let mut dirs: Vec<PathBuf> = roots
            .iter()
            .map(|r| {
                if r.is_dir() {
                    r.clone()
                } else {
                    PathBuf::from(".")
                }
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        for root in &dirs {
            let file = root.join(".nhiignore");
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => {
                    return Err(err).with_context(|| format!("cannot read {}", file.display()))
                }
            };
            for line in text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                list.entries.push((root.clone(), line.to_string()));
            }
        }
        Ok(list)
    }

    /// Whether an entry accepts this finding.
    pub fn suppresses(&self, finding: &Finding) -> bool {
        let fingerprint = finding.evidence.get("fingerprint").and_then(|v| v.as_str());
        let path = finding.location.as_ref().and_then(|l| l.path.as_deref());
        self.entries.iter().any(|(root, entry)| {
            entry == &finding.rule
                || Some(entry.as_str()) == fingerprint
                || path.is_some_and(|p| glob_matches(entry, relative(Path::new(p), root)))
        })
    }
}

fn relative<'a>(path: &'a Path, root: &Path) -> &'a str {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_str().unwrap_or_default()
}

/// Glob match: `*` any run within a path segment, `**` any run across segments, `?` one character.
/// A pattern without `/` matches the file name at any depth, as in `.gitignore`.
fn glob_matches(pattern: &str, path: &str) -> bool {
    if !pattern.contains('/') {
        let name = path.rsplit('/').next().unwrap_or(path);
        return matches(pattern.as_bytes(), name.as_bytes());
    }
    matches(pattern.trim_start_matches('/').as_bytes(), path.as_bytes())
}

fn matches(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=text.len()).any(|i| matches(rest, &text[i..]))
        }
        [b'*', rest @ ..] => (0..=text.len())
            .take_while(|&i| i == 0 || text[i - 1] != b'/')
            .any(|i| matches(rest, &text[i..])),
        [b'?', rest @ ..] => !text.is_empty() && text[0] != b'/' && matches(rest, &text[1..]),
        [c, rest @ ..] => text.first() == Some(c) && matches(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn globs_match_like_gitignore() {
        assert!(glob_matches("*.example", "config/app.env.example"));
        assert!(glob_matches(
            "tests/fixtures/**",
            "tests/fixtures/keys/id_rsa"
        ));
        assert!(glob_matches("docs/*.md", "docs/setup.md"));
        assert!(!glob_matches("docs/*.md", "docs/deep/setup.md"));
        assert!(glob_matches("**/secrets.yml", "a/b/secrets.yml"));
        assert!(!glob_matches("*.pem", "key.pem.bak"));
    }
}
