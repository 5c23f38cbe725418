//! `nhi secrets`: files and full git history, the brief's JSON contract, exit codes, reveal only on
//! request, `.nhiignore`.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output};

const TOKEN: &str = "glpat-4fQ9kLm2Xz7TbR1wYs8E";

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Ci Bot",
            "-c",
            "user.email=ci@larkspur.example",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(repo)
        .env("GIT_AUTHOR_DATE", "2025-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2025-01-02T03:04:05Z")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository where a token was committed, then deleted: only history still holds it.
fn repo_with_deleted_token(dir: &Path) -> std::path::PathBuf {
    let repo = dir.join("shipment-api");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("deploy.yml"),
        format!("deploy:\n  token: {TOKEN}\n"),
    )
    .unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "add deploy"]);
    std::fs::write(
        repo.join("deploy.yml"),
        "deploy:\n  token: ${GITLAB_TOKEN}\n",
    )
    .unwrap();
    git(&repo, &["commit", "-q", "-am", "use a variable"]);
    repo
}

fn git_available() -> bool {
    Command::new("git").arg("--version").output().is_ok()
}

/// `nhi secrets TARGET --no-store --format FORMAT EXTRA...`, run in `cwd`.
fn secrets(cwd: &Path, target: &Path, format: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "secrets",
        target.to_str().unwrap(),
        "--no-store",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    nhi(cwd, &args)
}

#[test]
fn a_deleted_token_is_found_in_history_with_the_commit_that_added_it() {
    if !git_available() {
        eprintln!("skipping: git is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = repo_with_deleted_token(dir.path());
    let output = secrets(dir.path(), &repo, "json", &[]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "findings fail the run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let findings = report.as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    let finding = &findings[0];
    for field in [
        "rule",
        "severity",
        "path",
        "line",
        "commit",
        "fingerprint",
        "redacted",
    ] {
        assert!(!finding[field].is_null(), "no {field}: {finding}");
    }
    assert!(finding["path"]
        .as_str()
        .unwrap()
        .ends_with("shipment-api/deploy.yml"));
    assert_eq!(finding["line"], 2);
    assert_eq!(finding["author"], "Ci Bot <ci@larkspur.example>");
    assert_eq!(finding["at_head"], false);
    assert!(finding.get("secret").is_none());
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains(TOKEN),
        "no plaintext without --show-secrets"
    );

    let shown = secrets(dir.path(), &repo, "json", &["--show-secrets"]);
    assert_eq!(json(&shown)[0]["secret"], TOKEN);

    let files_only = secrets(dir.path(), &repo, "json", &["--no-history"]);
    assert_eq!(files_only.status.code(), Some(0), "HEAD holds no token");
    assert_eq!(json(&files_only).as_array().unwrap().len(), 0);
}

#[test]
fn working_tree_secrets_sarif_and_nhiignore() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("fixtures")).unwrap();
    std::fs::write(tree.join("app.env"), format!("GITLAB_TOKEN={TOKEN}\n")).unwrap();
    std::fs::write(
        tree.join("fixtures/sample.env"),
        format!("GITLAB_TOKEN={TOKEN}\n"),
    )
    .unwrap();
    std::fs::write(
        tree.join("allowed.env"),
        format!("GITLAB_TOKEN={TOKEN} # nhi:allow\n"),
    )
    .unwrap();

    let secrets_as = |format: &str| json(&secrets(dir.path(), &tree, format, &[]));
    let rules = rules_of(&secrets_as("json"));
    assert_eq!(
        rules.iter().filter(|r| r.starts_with("gitlab")).count(),
        2,
        "{rules:?}"
    );
    assert!(rules.contains(&"secret-reused".to_string()), "{rules:?}");

    std::fs::write(
        tree.join(".nhiignore"),
        "# test data\nfixtures/**\nsecret-reused\n",
    )
    .unwrap();
    let report = secrets_as("json");
    assert_eq!(report.as_array().unwrap().len(), 1, "{report}");
    assert!(report[0]["path"].as_str().unwrap().ends_with("app.env"));

    let sarif = secrets_as("sarif");
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert!(result["ruleId"].as_str().unwrap().starts_with("gitlab"));
}

/// The pre-commit hook's call: staged files as arguments, from the repository root, whose
/// `.nhiignore` still applies.
#[test]
fn file_arguments_use_the_nhiignore_of_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("fixtures")).unwrap();
    std::fs::write(
        dir.path().join("app.env"),
        format!("GITLAB_TOKEN={TOKEN}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fixtures/sample.env"),
        format!("GITLAB_TOKEN={TOKEN}\n"),
    )
    .unwrap();
    let hook = [
        "secrets",
        "--no-history",
        "--no-store",
        "--quiet",
        "--format",
        "json",
        "app.env",
        "fixtures/sample.env",
    ];
    let before = nhi(dir.path(), &hook);
    assert_eq!(before.status.code(), Some(1));
    assert!(json(&before).as_array().unwrap().len() >= 2);

    std::fs::write(
        dir.path().join(".nhiignore"),
        "fixtures/**\nsecret-reused\n",
    )
    .unwrap();
    let after = nhi(dir.path(), &hook);
    let report = json(&after);
    assert_eq!(report.as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report[0]["path"], "app.env");
    assert_eq!(after.status.code(), Some(1));
}
