//! `nhi secrets` on credential stores (files whose format defines the password field) and on the
//! context of a leaked secret: weak passwords in stores are reported and called weak, template
//! copies and documentation URIs are not, the user and host lines next to a secret are
//! `secret-context` findings linked to it, and they go away with their secret (`.nhiignore`,
//! `--baseline`) so they never fail CI on their own.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// Weak passwords of the stores below (DBeaver's `password` too, which the report's own words
/// contain, so it is not looked for): none may appear in the report.
const WEAK: &[&str] = &["hunter22", "kestrel9", "letmein1"];

/// A home and a site with the credential stores a developer laptop leaks, written for the test.
fn estate(root: &Path) {
    let files: &[(&str, &str)] = &[
        (
            "home/ops/.pgpass",
            "# host:port:db:user:password\ndb.corp.internal:5432:billing:billing_app:hunter22\n",
        ),
        (
            "home/ops/.msmtprc",
            "account default\nhost smtp.corp.internal\nport 587\nuser ops@corp.internal\npassword kestrel9\n",
        ),
        (
            "site/.ftpconfig",
            "{\n    \"protocol\": \"sftp\",\n    \"host\": \"files.corp.internal\",\n    \"user\": \"deploy\",\n    \"pass\": \"hunter22\",\n    \"passphrase\": \"\"\n}\n",
        ),
        (
            "site/config.php",
            "<?php\n    $db_host = 'db.corp.internal';\n    $db_user = 'shop';\n    $db_pass = 'letmein1';\n?>\n",
        ),
        (
            "tools/data-sources.xml",
            "<data-sources>\n  <data-source id=\"pg\" name=\"billing\">\n    <connection host=\"db.corp.internal\" user=\"billing_app\" password=\"password\"/>\n  </data-source>\n</data-sources>\n",
        ),
        (
            "app/.env",
            "APP_ENV=production\n\nDB_HOST=db.corp.internal\nDB_USERNAME=shop\nDB_PASSWORD=letmein1\nREDIS_HOST=cache.corp.internal\nREDIS_PASSWORD=Qz7-vLm2Rk\n",
        ),
        ("app/.env.example", "DB_HOST=localhost\nDB_PASSWORD=hunter22\n"),
        ("app/config/master.key", "5d1e9c0b7a3f24e6a8b0c9d2e1f3a4b5\n"),
        (
            "docs/setup.md",
            "Connect with postgres://user:password@localhost:5432/app and log in.\n",
        ),
        ("src/login_test.py", "password = \"testpass\"\n"),
    ];
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn scan(cwd: &Path, extra: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec![
        "secrets",
        "estate",
        "--no-store",
        "--no-history",
        "--quiet",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let output = nhi(cwd, &args);
    (json(&output), output.status.code())
}

/// `(path, line, rule)` of every finding, sorted.
fn places(report: &Value) -> Vec<(String, u64, String)> {
    let mut out: Vec<(String, u64, String)> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap().trim_start_matches("estate/");
            (
                path.to_string(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn row(path: &str, line: u64, rule: &str) -> (String, u64, String) {
    (path.to_string(), line, rule.to_string())
}

#[test]
fn weak_passwords_in_stores_are_findings_with_their_account_and_host() {
    let dir = tempfile::tempdir().unwrap();
    estate(&dir.path().join("estate"));
    let (report, status) = scan(dir.path(), &[]);
    assert_eq!(status, Some(1));
    let context = "secret-context";
    assert_eq!(
        places(&report),
        [
            row("app/.env", 3, context),
            row("app/.env", 4, context),
            row("app/.env", 5, "config-file-password"),
            row("app/.env", 5, "secret-reused"),
            row("app/.env", 6, context),
            row("app/.env", 7, "config-file-password"),
            row("app/config/master.key", 1, "rails-master-key-file"),
            row("home/ops/.msmtprc", 2, context),
            row("home/ops/.msmtprc", 4, context),
            row("home/ops/.msmtprc", 5, "mail-client-password"),
            row("home/ops/.pgpass", 2, "pgpass-password"),
            row("home/ops/.pgpass", 2, "secret-reused"),
            row("site/.ftpconfig", 3, context),
            row("site/.ftpconfig", 4, context),
            row("site/.ftpconfig", 5, "sftp-deploy-config-password"),
            row("site/config.php", 2, context),
            row("site/config.php", 3, context),
            row("site/config.php", 4, "php-config-password"),
            row("tools/data-sources.xml", 3, "dbeaver-saved-password"),
        ],
        "{report:#}"
    );
    let text = report.to_string();
    for weak in WEAK {
        assert!(!text.contains(weak), "no plaintext {weak} in the report");
    }
    let findings = report.as_array().unwrap();
    let by_id = |id: &str| findings.iter().find(|f| f["id"] == id);
    for finding in findings {
        let title = finding["title"].as_str().unwrap();
        if finding["rule"] == context {
            assert_eq!(finding["severity"], "info");
            assert!(
                finding["remediation"]
                    .as_str()
                    .unwrap()
                    .starts_with("Rotate the secret at line"),
                "{finding}"
            );
            continue;
        }
        if ["pgpass-password", "dbeaver-saved-password"]
            .contains(&finding["rule"].as_str().unwrap())
        {
            assert!(title.ends_with("(weak password)"), "{title}");
            assert!(finding["notes"][0]
                .as_str()
                .unwrap()
                .starts_with("weak password"));
        }
    }
    // The .env's REDIS_HOST goes with REDIS_PASSWORD, its DB_ lines with DB_PASSWORD.
    let redis_host = findings
        .iter()
        .find(|f| f["rule"] == context && f["line"] == 6)
        .unwrap();
    assert!(redis_host["title"]
        .as_str()
        .unwrap()
        .starts_with("Place of the secret at line 7: REDIS_HOST = cache.corp.internal"));
    let redis_password = findings
        .iter()
        .find(|f| f["line"] == 7 && f["path"].as_str().unwrap().ends_with("app/.env"))
        .unwrap();
    assert_eq!(redis_host["fingerprint"], redis_password["fingerprint"]);
    let user = findings
        .iter()
        .find(|f| f["rule"] == context && f["path"].as_str().unwrap().ends_with(".msmtprc"))
        .unwrap();
    assert!(by_id(user["id"].as_str().unwrap()).is_some());
    assert!(user["fingerprint"].is_string(), "linked by fingerprint");
}

#[test]
fn context_leaves_with_its_secret_so_ci_passes_once_secrets_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("estate");
    estate(&root);
    std::fs::write(
        root.join(".nhiignore"),
        "pgpass-password\nmail-client-password\n",
    )
    .unwrap();
    let (report, _) = scan(dir.path(), &[]);
    let kept = places(&report);
    assert!(
        !kept
            .iter()
            .any(|(path, _, rule)| path.contains("home/ops") && rule != "secret-reused"),
        "the accepted secrets' context is gone too (reuse elsewhere is still a risk): {kept:?}"
    );
    assert!(kept.contains(&row("site/.ftpconfig", 3, "secret-context")));

    // A baseline made before context findings existed holds only the secret findings.
    std::fs::remove_file(root.join(".nhiignore")).unwrap();
    let (full, _) = scan(dir.path(), &[]);
    let secrets_only: Vec<&Value> = full
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] != "secret-context")
        .collect();
    let baseline = dir.path().join("baseline.json");
    std::fs::write(&baseline, serde_json::to_string(&secrets_only).unwrap()).unwrap();
    let (after, status) = scan(dir.path(), &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(after, serde_json::json!([]), "{after:#}");
    assert_eq!(status, Some(0), "info context alone does not fail CI");
}

#[test]
fn show_secrets_reveals_the_secret_in_its_own_record_only() {
    let dir = tempfile::tempdir().unwrap();
    estate(&dir.path().join("estate"));
    let (report, _) = scan(dir.path(), &["--show-secrets"]);
    let findings = report.as_array().unwrap();
    let pgpass = findings
        .iter()
        .find(|f| f["rule"] == "pgpass-password")
        .unwrap();
    assert_eq!(pgpass["secret"], "hunter22");
    for context in findings.iter().filter(|f| f["rule"] == "secret-context") {
        assert!(context.get("secret").is_none(), "{context}");
    }
}
