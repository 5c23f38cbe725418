//! Finding the git repositories under a scan root: work trees (a `.git` directory or a `.git`
//! file, as submodules and linked worktrees have) and bare repositories.
//!
//! Invariants: a repository is returned once however many work trees share it (linked worktrees
//! share their main repository's objects); git directories are not descended into; symlinked
//! directories are not followed, like the file walker.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The repositories under `root` (or `root` itself), sorted: a work tree's directory for a
/// repository with one, the repository directory for a bare one. Each path can be given to
/// [`scan_history`](super::scan_history). Unreadable directories are passed over silently: the
/// file walk reports them.
pub fn find_repositories(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        let is_dot_git = entry.file_name() == ".git";
        let git_dir = if entry.file_type().is_dir() && is_git_dir(path) {
            walker.skip_current_dir();
            Some(path.to_path_buf())
        } else if entry.file_type().is_file() && is_dot_git {
            gitdir_file_target(path)
        } else {
            None
        };
        let Some(git_dir) = git_dir else { continue };
        let repository = match path.parent() {
            Some(work_tree) if is_dot_git => work_tree,
            _ => path,
        };
        if seen.insert(common_dir(&git_dir)) {
            found.push(repository.to_path_buf());
        }
    }
    found.sort();
    found
}

/// A git directory has a `HEAD` file and `objects` and `refs` directories.
fn is_git_dir(path: &Path) -> bool {
    path.join("HEAD").is_file() && path.join("objects").is_dir() && path.join("refs").is_dir()
}

/// The git directory that a `.git` file (`gitdir: PATH`) points to.
fn gitdir_file_target(dot_git: &Path) -> Option<PathBuf> {
    let text = fs::read_to_string(dot_git).ok()?;
    let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    let parent = dot_git.parent()?;
    Some(parent.join(target))
}

/// The directory that holds a git directory's objects (`commondir` for a linked worktree),
/// canonical so that two routes to one repository compare equal.
fn common_dir(git_dir: &Path) -> PathBuf {
    let common = match fs::read_to_string(git_dir.join("commondir")) {
        Ok(text) => git_dir.join(text.trim()),
        Err(_) => git_dir.to_path_buf(),
    };
    fs::canonicalize(&common).unwrap_or(common)
}
