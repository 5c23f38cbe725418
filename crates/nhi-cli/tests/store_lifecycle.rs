//! The store across runs: resolution, `--new`, `show`, baselines, and crash safety.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

fn scan(cwd: &Path, target: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "scan",
        target.to_str().unwrap(),
        "--as-of",
        "2026-12-01T00:00:00Z",
    ];
    args.extend_from_slice(extra);
    let output = nhi(cwd, &args);
    assert!(
        matches!(output.status.code(), Some(0) | Some(1)),
        "scan failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn removing_a_certificate_resolves_its_findings_and_new_shows_what_appeared() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("estate");
    copy_tree(&demo_estate(), &estate);
    scan(dir.path(), &estate, &["--format", "json"]);
    assert!(
        dir.path().join(".nhi/nhi.db").exists(),
        "default store under the current directory"
    );

    std::fs::remove_file(estate.join("pki/legacy-billing/billing.pem")).unwrap();
    scan(dir.path(), &estate, &["--format", "json"]);

    let resolved = json(&nhi(
        dir.path(),
        &["findings", "--status", "resolved", "--format", "json"],
    ));
    let resolved_rules = rules_of(&resolved);
    assert!(
        resolved_rules.contains(&"x509-certificate-expired".to_string()),
        "{resolved_rules:?}"
    );
    assert!(resolved_rules.contains(&"x509-weak-signature".to_string()));
    for finding in resolved.as_array().unwrap() {
        assert_eq!(finding["status"], "resolved");
        assert!(finding["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("billing.pem"));
    }
    let open = json(&nhi(dir.path(), &["findings", "--format", "json"]));
    assert!(!rules_of(&open).contains(&"x509-certificate-expired".to_string()));
    let new = json(&nhi(dir.path(), &["findings", "--new", "--format", "json"]));
    assert_eq!(
        new.as_array().unwrap().len(),
        0,
        "the second run added nothing"
    );

    // Put a new weak key in: it is what --new shows.
    std::fs::copy(
        demo_estate().join("pki/legacy-billing/billing.pem"),
        estate.join("keys/restored.pem"),
    )
    .unwrap();
    scan(dir.path(), &estate, &["--format", "json"]);
    let new = json(&nhi(dir.path(), &["findings", "--new", "--format", "json"]));
    assert!(rules_of(&new).contains(&"crypto-weak-key".to_string()));
    for finding in new.as_array().unwrap() {
        assert!(
            finding["location"]["path"]
                .as_str()
                .unwrap()
                .ends_with("restored.pem"),
            "{finding}"
        );
    }
}

#[test]
fn a_baseline_suppresses_what_a_previous_report_held() {
    let dir = tempfile::tempdir().unwrap();
    let estate = demo_estate();
    let first = scan(
        dir.path(),
        &estate,
        &[
            "--format",
            "json",
            "--output",
            "baseline.json",
            "--no-store",
        ],
    );
    assert!(first.stdout.is_empty(), "the report went to the file");
    let findings_beyond = |baseline: &str| {
        let args = ["--format", "json", "--baseline", baseline, "--no-store"];
        let again = scan(dir.path(), &estate, &args);
        json(&again)["findings"].as_array().unwrap().len()
    };
    assert_eq!(findings_beyond("baseline.json"), 0);
    let sarif = scan(dir.path(), &estate, &["--format", "sarif", "--no-store"]);
    std::fs::write(dir.path().join("baseline.sarif"), &sarif.stdout).unwrap();
    assert_eq!(findings_beyond("baseline.sarif"), 0);
    assert!(
        !dir.path().join(".nhi").exists(),
        "--no-store writes no store"
    );
}

#[test]
fn fail_on_sets_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    // The demo's certificates and keys: their worst findings are high.
    let estate = demo_estate().join("pki");
    let high = scan(
        dir.path(),
        &estate,
        &["--no-store", "--fail-on", "high", "-q"],
    );
    assert_eq!(high.status.code(), Some(1));
    let critical = scan(
        dir.path(),
        &estate,
        &["--no-store", "--fail-on", "critical", "-q"],
    );
    assert_eq!(critical.status.code(), Some(0));
}

#[test]
fn show_tells_everything_about_one_identity() {
    let dir = tempfile::tempdir().unwrap();
    scan(dir.path(), &demo_estate(), &["--format", "json"]);
    let inventory = json(&nhi(dir.path(), &["inventory", "--format", "json"]));
    let deploy_key = inventory["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "deploy@ci.larkspur.example")
        .expect("the deploy SSH key is an identity");
    let id = deploy_key["id"].as_str().unwrap();
    let shown = nhi(dir.path(), &["show", id]);
    assert_eq!(
        shown.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let text = String::from_utf8_lossy(&shown.stdout);
    for expected in [
        "ci/runner/deploy_key",
        "keys/deploy/id_ed25519",
        "key-material-reused",
        "fix:",
    ] {
        assert!(text.contains(expected), "show lacks {expected}:\n{text}");
    }
    let missing = nhi(dir.path(), &["show", "no-such-thing"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// Fill `dir` with many copies of the demo's keys so that recording a run takes a while.
fn heavy_tree(dir: &Path, copies: usize) {
    let key = std::fs::read(demo_estate().join("keys/deploy/id_ed25519")).unwrap();
    let cert = std::fs::read(demo_estate().join("pki/legacy-billing/billing.pem")).unwrap();
    for i in 0..copies {
        let sub = dir.join(format!("h{}", i / 500));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("k{i}")), &key).unwrap();
        std::fs::write(sub.join(format!("c{i}.pem")), &cert).unwrap();
    }
}

/// Sorted ids of the findings in a report (a JSON array, or an object with `findings`).
fn ids(report: &serde_json::Value) -> Vec<String> {
    let findings = report.get("findings").unwrap_or(report);
    let mut ids: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The number of recorded runs, after checking the database is sound.
fn run_count(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    conn.query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn sigkill_mid_scan_leaves_the_previous_run_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(".nhi/nhi.db");
    scan(dir.path(), &demo_estate(), &["--format", "json"]);
    let heavy = dir.path().join("heavy");
    heavy_tree(&heavy, 2000);
    let open_ids = || ids(&json(&nhi(dir.path(), &["findings", "--format", "json"])));

    // How long a whole heavy scan takes here, in a store of its own: the kills are spread over
    // that time and a little past it, so that some land in the final store write and some after
    // the commit (which of them do depends on the machine; the assertion holds either way).
    let started = std::time::Instant::now();
    let calibration = nhi(
        dir.path(),
        &[
            "scan",
            heavy.to_str().unwrap(),
            "-q",
            "--db",
            "calibration.db",
        ],
    );
    assert!(calibration.status.success());
    let full = started.elapsed();

    let demo = open_ids();
    let mut expected = demo.clone();
    let mut runs = run_count(&db);
    let mut committed = 0;
    // Each round removes one more pair of files, so a committed run differs from the one before.
    for (round, percent) in [5u32, 30, 50, 70, 85, 95, 105, 115, 130]
        .into_iter()
        .enumerate()
    {
        std::fs::remove_file(heavy.join(format!("h0/k{round}"))).unwrap();
        std::fs::remove_file(heavy.join(format!("h0/c{round}.pem"))).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_nhi"))
            .args(["scan", heavy.to_str().unwrap(), "-q", "--format", "json"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full * percent / 100);
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();

        let now = run_count(&db);
        if now != runs {
            // The run committed before the kill: the store holds all of it.
            assert_eq!(now, runs + 1);
            let fresh = nhi(
                dir.path(),
                &[
                    "scan",
                    heavy.to_str().unwrap(),
                    "--no-store",
                    "--format",
                    "json",
                    "-q",
                ],
            );
            expected = demo.iter().cloned().chain(ids(&json(&fresh))).collect();
            expected.sort();
            expected.dedup();
            runs = now;
            committed += 1;
        }
        assert_eq!(
            open_ids(),
            expected,
            "after a kill at {percent}% of a scan: all of a run or none"
        );
    }
    eprintln!("{committed} of 9 killed scans had committed before the kill");
}
