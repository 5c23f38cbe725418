//! Git history walk on repositories built by the `git` CLI in a temporary directory, one history
//! shape per test. Every test returns early (and says so) when `git` is not installed.

use nhi_sources::{find_repositories, scan_history, BlobRef, HistoryOptions, HistoryOutcome};
use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

const SECRET: &str = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEFAKEKEY\n";
const AUTHOR: &str = "Test Author <author@example.invalid>";

/// A scratch directory for repositories, and a clock that makes every commit one day later.
struct Fixture {
    root: PathBuf,
    day: Cell<u32>,
}

impl Fixture {
    /// `None` (the test passes vacuously) when the `git` CLI is missing.
    fn new(name: &str) -> Option<Fixture> {
        if Command::new("git").arg("--version").output().is_err() {
            eprintln!("git is not installed: skipping");
            return None;
        }
        let root = std::env::temp_dir().join(format!("nhi-git-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        Some(Fixture {
            root,
            day: Cell::new(1),
        })
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Run git in `dir` with a fixed identity, clock and no user configuration; stdout, trimmed.
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let date = format!("2021-03-{:02}T12:00:00Z", self.day.get());
        let output = Command::new("git")
            .args([
                "-c",
                "protocol.file.allow=always",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .env("HOME", &self.root)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.invalid")
            .env("GIT_COMMITTER_NAME", "Test Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.invalid")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    }

    /// A new repository with a work tree at `rel`.
    fn init(&self, rel: &str) -> PathBuf {
        let repo = self.path(rel);
        fs::create_dir_all(&repo).unwrap();
        self.git(&repo, &["init", "-q"]);
        repo
    }

    fn write(&self, repo: &Path, rel: &str, content: &str) {
        let path = repo.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    /// Commit everything in the work tree; returns the commit id. The clock moves one day on.
    fn commit(&self, repo: &Path, message: &str) -> String {
        self.git(repo, &["add", "-A"]);
        self.git(repo, &["commit", "-q", "--allow-empty", "-m", message]);
        self.day.set(self.day.get() + 1);
        self.git(repo, &["rev-parse", "HEAD"])
    }

    fn blob_id(&self, repo: &Path, content: &str) -> String {
        let path = self.root.join("blob-to-hash");
        fs::write(&path, content).unwrap();
        self.git(repo, &["hash-object", path.to_str().unwrap()])
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Every visit of a walk, sorted by path, with the bytes as text.
fn scan(repo: &Path, options: &HistoryOptions) -> (Vec<(BlobRef, String)>, HistoryOutcome) {
    let visits = Mutex::new(Vec::new());
    let outcome = scan_history(repo, options, |blob, bytes| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        visits.lock().unwrap().push((blob.clone(), text));
    });
    let mut visits = visits.into_inner().unwrap();
    visits.sort_by(|a, b| (&a.0.path, &a.0.blob).cmp(&(&b.0.path, &b.0.blob)));
    (visits, outcome)
}

fn scan_default(repo: &Path) -> (Vec<(BlobRef, String)>, HistoryOutcome) {
    scan(repo, &HistoryOptions::default())
}

/// The single visit whose bytes are `content`.
fn visit_of<'a>(visits: &'a [(BlobRef, String)], content: &str) -> &'a BlobRef {
    let matching: Vec<&BlobRef> = visits
        .iter()
        .filter(|(_, t)| t == content)
        .map(|(b, _)| b)
        .collect();
    assert_eq!(matching.len(), 1, "{content:?} visited once: {visits:#?}");
    matching[0]
}

fn assert_clean(outcome: &HistoryOutcome) {
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

#[test]
fn a_secret_added_moved_then_deleted_is_reported_once_at_the_commit_that_added_it() {
    let Some(fx) = Fixture::new("moved") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "README.md", "hello\n");
    fx.write(&repo, "config/creds.txt", SECRET);
    let first = fx.commit(&repo, "add creds");
    fs::create_dir_all(repo.join("old")).unwrap();
    fx.git(&repo, &["mv", "config/creds.txt", "old/creds.txt"]);
    fx.commit(&repo, "move creds");
    fx.git(&repo, &["rm", "-q", "old/creds.txt"]);
    fx.commit(&repo, "delete creds");

    let (visits, outcome) = scan_default(&repo);
    assert_clean(&outcome);
    assert_eq!(outcome.commits, 3);
    assert_eq!(outcome.blobs_visited, 2);
    assert_eq!(
        outcome.bytes_visited,
        (SECRET.len() + "hello\n".len()) as u64
    );
    let secret = visit_of(&visits, SECRET);
    assert_eq!(secret.commit, first);
    assert_eq!(secret.path, "config/creds.txt");
    assert_eq!(secret.blob, fx.blob_id(&repo, SECRET));
    assert_eq!(secret.author, AUTHOR);
    assert_eq!(secret.committed.to_rfc3339(), "2021-03-01T12:00:00+00:00");
    assert!(!secret.at_head);
    assert!(visit_of(&visits, "hello\n").at_head);
}

#[test]
fn the_same_blob_on_two_branches_is_visited_once_with_the_older_commit() {
    let Some(fx) = Fixture::new("branches") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "README.md", "base\n");
    fx.commit(&repo, "base");
    fx.git(&repo, &["checkout", "-q", "-b", "older"]);
    fx.write(&repo, "a/key.env", SECRET);
    let older = fx.commit(&repo, "older branch adds the key");
    fx.git(&repo, &["checkout", "-q", "main"]);
    fx.git(&repo, &["checkout", "-q", "-b", "newer"]);
    fx.write(&repo, "b/key.env", SECRET);
    fx.commit(&repo, "newer branch adds the same key");
    fx.git(&repo, &["checkout", "-q", "main"]);

    let (loose, _) = scan_default(&repo);
    fx.git(&repo, &["repack", "-adq"]);
    for _ in 0..3 {
        let (visits, outcome) = scan_default(&repo);
        assert_clean(&outcome);
        assert_eq!(outcome.commits, 3);
        assert_eq!(
            visits, loose,
            "packed objects give the same walk as loose ones"
        );
        let secret = visit_of(&visits, SECRET);
        assert_eq!(
            (secret.commit.as_str(), secret.path.as_str()),
            (older.as_str(), "a/key.env")
        );
        assert!(!secret.at_head, "main does not hold the key");
    }
}

#[test]
fn a_commit_only_a_tag_reaches_is_walked_and_a_tag_on_a_blob_is_a_warning() {
    let Some(fx) = Fixture::new("tag") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "README.md", "base\n");
    fx.commit(&repo, "base");
    fx.git(&repo, &["checkout", "-q", "-b", "release-prep"]);
    fx.write(&repo, "deploy.env", SECRET);
    let tagged = fx.commit(&repo, "release with a key");
    fx.git(&repo, &["tag", "-a", "v1.0", "-m", "release"]);
    fx.git(&repo, &["checkout", "-q", "main"]);
    fx.git(&repo, &["branch", "-q", "-D", "release-prep"]);
    let loose_blob = fx.git(&repo, &["hash-object", "-w", "--stdin"]);
    fx.git(&repo, &["tag", "just-a-blob", &loose_blob]);

    let (visits, outcome) = scan_default(&repo);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert_eq!(visit_of(&visits, SECRET).commit, tagged);
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
    let warning = outcome.warnings[0].to_string();
    assert!(
        warning.contains("refs/tags/just-a-blob") && warning.contains("blob"),
        "{warning}"
    );
    assert_eq!(
        outcome.warnings[0].object.as_deref(),
        Some(loose_blob.as_str())
    );
}

#[test]
fn every_stash_is_walked_including_older_ones_and_untracked_files() {
    let Some(fx) = Fixture::new("stash") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "app.env", "TOKEN=\n");
    fx.commit(&repo, "base");
    fx.write(&repo, "app.env", "TOKEN=first-stashed-value\n");
    fx.git(&repo, &["stash", "-q"]);
    fx.write(&repo, "notes.txt", "untracked second-stashed-value\n");
    fx.git(&repo, &["stash", "-q", "-u"]);

    let (visits, outcome) = scan_default(&repo);
    assert_clean(&outcome);
    let first = visit_of(&visits, "TOKEN=first-stashed-value\n");
    assert_eq!(first.path, "app.env");
    assert!(!first.at_head);
    assert_eq!(
        visit_of(&visits, "untracked second-stashed-value\n").path,
        "notes.txt"
    );
}

#[test]
fn a_detached_head_is_walked_and_counts_as_head() {
    let Some(fx) = Fixture::new("detached") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "README.md", "base\n");
    fx.commit(&repo, "base");
    fx.git(&repo, &["checkout", "-q", "--detach"]);
    fx.write(&repo, "detached.env", SECRET);
    let detached = fx.commit(&repo, "on no branch");

    let (visits, outcome) = scan_default(&repo);
    assert_clean(&outcome);
    let secret = visit_of(&visits, SECRET);
    assert_eq!(secret.commit, detached);
    assert!(secret.at_head);
}

#[test]
fn notes_are_walked() {
    let Some(fx) = Fixture::new("notes") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "README.md", "base\n");
    fx.commit(&repo, "base");
    fx.git(
        &repo,
        &["notes", "add", "-m", "deploy token ghp_FAKEFAKEFAKE"],
    );

    let (visits, outcome) = scan_default(&repo);
    assert_clean(&outcome);
    assert!(!visit_of(&visits, "deploy token ghp_FAKEFAKEFAKE\n").at_head);
}

#[test]
fn a_bare_repository_and_a_git_directory_give_the_same_walk_as_the_work_tree() {
    let Some(fx) = Fixture::new("bare") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "one.txt", SECRET);
    fx.commit(&repo, "one");
    fx.write(&repo, "two.txt", "two\n");
    fx.commit(&repo, "two");
    fx.git(&fx.root, &["clone", "-q", "--bare", "work", "bare.git"]);

    let (from_work_tree, _) = scan_default(&repo);
    let (from_git_dir, _) = scan_default(&repo.join(".git"));
    let (from_bare, outcome) = scan_default(&fx.path("bare.git"));
    assert_clean(&outcome);
    assert_eq!(from_work_tree.len(), 2);
    assert_eq!(from_work_tree, from_git_dir);
    assert_eq!(from_work_tree, from_bare);
}

#[test]
fn a_shallow_clone_walks_what_it_has_and_says_it_is_shallow() {
    let Some(fx) = Fixture::new("shallow") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "creds.txt", SECRET);
    fx.commit(&repo, "old key");
    fx.git(&repo, &["rm", "-q", "creds.txt"]);
    fx.write(&repo, "README.md", "clean now\n");
    let last = fx.commit(&repo, "remove key");
    let url = format!("file://{}", repo.display());
    fx.git(&fx.root, &["clone", "-q", "--depth", "1", &url, "shallow"]);

    let (visits, outcome) = scan_default(&fx.path("shallow"));
    assert_clean(&outcome);
    assert!(outcome.shallow);
    assert_eq!(outcome.commits, 1);
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].0.commit, last);
    assert!(!scan_default(&repo).1.shallow);
}

#[test]
fn a_corrupt_loose_object_is_an_error_naming_it_and_the_rest_is_walked() {
    let Some(fx) = Fixture::new("corrupt") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "good.txt", "fine\n");
    fx.write(&repo, "bad.txt", SECRET);
    fx.commit(&repo, "two files");
    let bad = fx.blob_id(&repo, SECRET);
    let object = repo.join(".git/objects").join(&bad[..2]).join(&bad[2..]);
    let mut perms = fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&object, perms).unwrap();
    fs::write(&object, b"this is not zlib data at all").unwrap();

    let (visits, outcome) = scan_default(&repo);
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].1, "fine\n");
    assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
    let error = &outcome.errors[0];
    assert_eq!(error.object.as_deref(), Some(bad.as_str()));
    let shown = error.to_string();
    assert!(shown.contains(&bad) && shown.contains("bad.txt"), "{shown}");
    assert!(shown.starts_with(&repo.display().to_string()), "{shown}");
}

#[test]
fn missing_objects_or_no_repository_is_one_error_naming_the_path() {
    let Some(fx) = Fixture::new("missing") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "a.txt", "a\n");
    fx.commit(&repo, "a");
    fs::remove_dir_all(repo.join(".git/objects")).unwrap();
    let plain = fx.path("plain");
    fs::create_dir_all(&plain).unwrap();

    for path in [repo, plain] {
        let (visits, outcome) = scan_default(&path);
        assert!(visits.is_empty());
        assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
        assert!(outcome.errors[0]
            .to_string()
            .starts_with(&path.display().to_string()));
    }
}

#[test]
fn a_submodule_gitlink_is_noted_and_not_followed() {
    let Some(fx) = Fixture::new("submodule") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "README.md", "base\n");
    fx.commit(&repo, "base");
    let elsewhere = "1234567890abcdef1234567890abcdef12345678";
    fx.git(
        &repo,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{elsewhere},vendor/lib"),
        ],
    );
    fx.git(&repo, &["commit", "-q", "-m", "add a submodule"]);

    let (visits, outcome) = scan_default(&repo);
    assert_clean(&outcome);
    assert_eq!(outcome.submodules, vec!["vendor/lib".to_string()]);
    assert_eq!(visits.len(), 1);
}

#[test]
fn a_blob_over_the_size_cap_is_a_warning_and_not_visited() {
    let Some(fx) = Fixture::new("large") else {
        return;
    };
    let repo = fx.init("work");
    fx.write(&repo, "small.txt", "small\n");
    fx.write(&repo, "large.txt", &"x".repeat(1000));
    fx.commit(&repo, "sizes");

    let options = HistoryOptions { max_blob_size: 100 };
    let (visits, outcome) = scan(&repo, &options);
    assert!(outcome.errors.is_empty());
    assert_eq!(visits.len(), 1);
    assert_eq!(outcome.warnings.len(), 1);
    let warning = outcome.warnings[0].to_string();
    assert!(
        warning.contains("large.txt") && warning.contains("max-file-size"),
        "{warning}"
    );
}

#[test]
fn repositories_under_a_root_are_found_once_each() {
    let Some(fx) = Fixture::new("discover") else {
        return;
    };
    let main = fx.init("projects/app");
    fx.write(&main, "README.md", "app\n");
    fx.commit(&main, "app");
    fx.git(&main, &["worktree", "add", "-q", "../app-hotfix"]);
    let lib = fx.init("projects/lib");
    fx.write(&lib, "lib.rs", "\n");
    fx.commit(&lib, "lib");
    fx.git(&main, &["submodule", "add", "-q", "../lib", "vendor/lib"]);
    fx.git(
        &fx.root,
        &["clone", "-q", "--bare", "projects/lib", "mirrors/lib.git"],
    );
    fs::create_dir_all(fx.path("projects/plain/dir")).unwrap();

    let found = find_repositories(&fx.root);
    let relative: Vec<String> = found
        .iter()
        .map(|p| {
            p.strip_prefix(&fx.root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        relative,
        vec![
            "mirrors/lib.git",
            "projects/app",
            "projects/app/vendor/lib",
            "projects/lib"
        ],
        "the linked worktree app-hotfix shares app's repository"
    );
    let (visits, outcome) = scan_default(&found[2]);
    assert_clean(&outcome);
    assert_eq!(visits.len(), 1, "the submodule's own history: {visits:?}");
}
