//! The store across runs: resolution, `--new`, `show`, baselines, and crash safety.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn scan(cwd: &Path, target: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["scan", target.to_str().unwrap(), "--as-of", "2026-12-01T00:00:00Z"];
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
    assert!(dir.path().join(".nhi/nhi.db").exists(), "default store under the current directory");

    std::fs::remove_file(estate.join("pki/legacy-billing/billing.pem")).unwrap();
    scan(dir.path(), &estate, &["--format", "json"]);

    let resolved = json(&nhi(dir.path(), &["findings", "--status", "resolved", "--format", "json"]));
    let resolved_rules = rules_of(&resolved);
    assert!(resolved_rules.contains(&"x509-certificate-expired".to_string()), "{resolved_rules:?}");
    assert!(resolved_rules.contains(&"x509-weak-signature".to_string()));
    for finding in resolved.as_array().unwrap() {
        assert_eq!(finding["status"], "resolved");
        assert!(finding["location"]["path"].as_str().unwrap().ends_with("billing.pem"));
    }
    let open = json(&nhi(dir.path(), &["findings", "--format", "json"]));
    assert!(!rules_of(&open).contains(&"x509-certificate-expired".to_string()));
    let new = json(&nhi(dir.path(), &["findings", "--new", "--format", "json"]));
    assert_eq!(new.as_array().unwrap().len(), 0, "the second run added nothing");

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
        assert!(finding["location"]["path"].as_str().unwrap().ends_with("restored.pem"), "{finding}");
    }
}

#[test]
fn a_baseline_suppresses_what_a_previous_report_held() {
    let dir = tempfile::tempdir().unwrap();
    let estate = demo_estate();
    let first = scan(dir.path(), &estate, &["--format", "json", "--output", "baseline.json", "--no-store"]);
    assert!(first.stdout.is_empty(), "the report went to the file");
    let again = scan(dir.path(), &estate, &["--format", "json", "--baseline", "baseline.json", "--no-store"]);
    assert_eq!(json(&again)["findings"].as_array().unwrap().len(), 0);
    let sarif = scan(dir.path(), &estate, &["--format", "sarif", "--no-store"]);
    std::fs::write(dir.path().join("baseline.sarif"), &sarif.stdout).unwrap();
    let again = scan(dir.path(), &estate, &["--format", "json", "--baseline", "baseline.sarif", "--no-store"]);
    assert_eq!(json(&again)["findings"].as_array().unwrap().len(), 0);
    assert!(!dir.path().join(".nhi").exists(), "--no-store writes no store");
}

#[test]
fn fail_on_sets_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let estate = demo_estate();
    let high = scan(dir.path(), &estate, &["--no-store", "--fail-on", "high", "-q"]);
    assert_eq!(high.status.code(), Some(1));
    let critical = scan(dir.path(), &estate, &["--no-store", "--fail-on", "critical", "-q"]);
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
    assert_eq!(shown.status.code(), Some(0), "{}", String::from_utf8_lossy(&shown.stderr));
    let text = String::from_utf8_lossy(&shown.stdout);
    for expected in ["ci/runner/deploy_key", "keys/deploy/id_ed25519", "key-material-reused", "fix:"] {
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

#[test]
fn sigkill_mid_scan_leaves_the_previous_run_intact() {
    let dir = tempfile::tempdir().unwrap();
    scan(dir.path(), &demo_estate(), &["--format", "json"]);
    let before = json(&nhi(dir.path(), &["findings", "--format", "json"]));
    let heavy = dir.path().join("heavy");
    heavy_tree(&heavy, 6000);

    // Kill at spread-out moments: during the walk, the analysis and the store write.
    for delay_ms in [30u64, 150, 400, 800, 1300, 2000, 3000] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nhi"))
            .args(["scan", heavy.to_str().unwrap(), "-q", "--format", "json"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();

        let db = rusqlite::Connection::open(dir.path().join(".nhi/nhi.db")).unwrap();
        let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok", "after a kill at {delay_ms} ms");
        drop(db);
        let after = json(&nhi(dir.path(), &["findings", "--format", "json"]));
        let demo_ids = |report: &serde_json::Value| -> Vec<String> {
            let mut ids: Vec<String> = report
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| !f["location"]["path"].as_str().unwrap_or("").contains("/heavy/"))
                .map(|f| f["id"].as_str().unwrap().to_string())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(demo_ids(&before), demo_ids(&after), "the demo run survives a kill at {delay_ms} ms");
    }
}
