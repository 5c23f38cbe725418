//! `nhi hunt` run the way a user runs it: on generated logs written by the tests (plain, JSON
//! lines, gzip, split across files in any order), and on the Stratus Red Team corpus when present.

mod common;

use common::nhi;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A CloudTrail record by IAM user `user` (key `AKIA<USER>`) at `time`.
fn call(id: &str, time: &str, user: &str, action: &str, ip: &str, params: Value) -> Value {
    let (service, name) = action.split_once(':').unwrap();
    json!({
        "eventID": id, "eventTime": time, "eventSource": format!("{service}.amazonaws.com"),
        "eventName": name, "sourceIPAddress": ip, "userAgent": "Boto3/1.34",
        "requestParameters": params, "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "userName": user, "accountId": "111122223333",
            "arn": format!("arn:aws:iam::111122223333:user/{user}"),
            "accessKeyId": format!("AKIA{}", user.to_uppercase())}
    })
}

fn delivery(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({"Records": records})).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn stop_logging() -> Value {
    call(
        "e-stop",
        "2024-05-01T10:00:00Z",
        "ops",
        "cloudtrail:StopLogging",
        "203.0.113.5",
        json!({"name": "org"}),
    )
}

fn jsonl(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn jsonl_prints_one_alert_per_line_with_the_contract_fields() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "logs/trail.json", &delivery(&[stop_logging()]));
    let output = nhi(
        dir.path(),
        &["hunt", "logs", "--no-store", "--format", "jsonl"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let alerts = jsonl(&output.stdout);
    let ours = alerts
        .iter()
        .find(|alert| alert["detector"] == "aws-cloudtrail-tampering")
        .expect("StopLogging is reported");
    assert_eq!(ours["severity"], "high");
    assert_eq!(
        ours["principal"],
        "aws:user:arn:aws:iam::111122223333:user/ops"
    );
    assert_eq!(ours["time"], "2024-05-01T10:00:00Z");
    assert_eq!(ours["events"], json!(["e-stop"]));
    assert!(ours["summary"]
        .as_str()
        .unwrap()
        .contains("stopped logging of trail org"));
    // The shipped SigmaHQ rule on CloudTrail changes fires too, and names its author.
    let sigma = alerts
        .iter()
        .find(|alert| alert["detector"].as_str().unwrap().starts_with("sigma:"))
        .expect("a Sigma alert");
    assert!(sigma["summary"].as_str().unwrap().contains(", by "));
}

#[test]
fn fail_on_sets_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trail.json", &delivery(&[stop_logging()]));
    let high = nhi(
        dir.path(),
        &[
            "hunt",
            "trail.json",
            "--no-store",
            "--fail-on",
            "high",
            "-q",
        ],
    );
    assert_eq!(high.status.code(), Some(1));
    let critical = nhi(
        dir.path(),
        &[
            "hunt",
            "trail.json",
            "--no-store",
            "--fail-on",
            "critical",
            "-q",
        ],
    );
    assert_eq!(critical.status.code(), Some(0));
}

#[test]
fn files_in_any_order_are_replayed_in_time_order() {
    // A key used on day 0 (in `b.jsonl`) and again on day 45 (in `a.json.gz`): only time order
    // shows the 45 days of dormancy.
    let dir = tempfile::tempdir().unwrap();
    let old = call(
        "e-old",
        "2024-01-01T00:00:00Z",
        "backup",
        "s3:PutObject",
        "198.51.100.1",
        json!({}),
    );
    let new = call(
        "e-new",
        "2024-02-15T00:00:00Z",
        "backup",
        "s3:ListBuckets",
        "198.51.100.1",
        json!({}),
    );
    write(dir.path(), "logs/a.json.gz", &gzip(&delivery(&[new])));
    write(dir.path(), "logs/b.jsonl", format!("{old}\n").as_bytes());
    let output = nhi(
        dir.path(),
        &[
            "hunt",
            "logs",
            "--no-store",
            "--no-shipped-rules",
            "-f",
            "jsonl",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let alerts = jsonl(&output.stdout);
    let dormant = alerts
        .iter()
        .find(|alert| alert["detector"] == "credential-dormant-reuse")
        .expect("dormancy seen across files");
    assert_eq!(dormant["events"], json!(["e-new"]));
}

#[test]
fn since_and_until_bound_what_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trail.json", &delivery(&[stop_logging()]));
    for bound in [
        ["--since", "2024-05-02T00:00:00Z"],
        ["--until", "2024-05-01T09:00:00Z"],
    ] {
        let output = nhi(
            dir.path(),
            &[
                "hunt",
                "trail.json",
                "--no-store",
                "-f",
                "json",
                bound[0],
                bound[1],
            ],
        );
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(common::json(&output), json!([]));
    }
}

#[test]
fn a_gzip_bomb_and_a_broken_file_fail_alone_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "logs/good.json", &delivery(&[stop_logging()]));
    write(dir.path(), "logs/bomb.json.gz", &gzip(&vec![b' '; 4 << 20]));
    write(dir.path(), "logs/broken.json", b"{\"Records\": [");
    let output = nhi(
        dir.path(),
        &[
            "hunt",
            "logs",
            "--no-store",
            "--max-inflated",
            "1M",
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let errors = stderr(&output);
    assert!(
        errors.contains("bomb.json.gz") && errors.contains("gzip bomb"),
        "{errors}"
    );
    assert!(errors.contains("broken.json"), "{errors}");
    let alerts = common::json(&output);
    assert!(alerts
        .as_array()
        .unwrap()
        .iter()
        .any(|alert| alert["detector"] == "aws-cloudtrail-tampering"));
}

#[test]
fn unsupported_rules_are_named_on_stderr_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trail.json", &delivery(&[stop_logging()]));
    write(
        dir.path(),
        "rules/stop.yml",
        b"title: Trail stopped\nid: my-stop\nauthor: tests\nlogsource:\n    product: aws\n    service: cloudtrail\n\
          detection:\n    sel:\n        eventName: StopLogging\n    condition: sel\nlevel: critical\n",
    );
    write(
        dir.path(),
        "rules/windows.yml",
        b"title: Not a cloud rule\nlogsource:\n    product: windows\ndetection:\n    sel:\n        EventID: 1\n    condition: sel\n",
    );
    let output = nhi(
        dir.path(),
        &[
            "hunt",
            "trail.json",
            "--rules",
            "rules",
            "--no-store",
            "-f",
            "jsonl",
        ],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("windows.yml"),
        "{}",
        stderr(&output)
    );
    let alerts = jsonl(&output.stdout);
    let mine = alerts
        .iter()
        .find(|alert| alert["detector"] == "sigma:my-stop")
        .expect("user rule fires");
    assert_eq!(mine["severity"], "critical");
}

#[test]
fn csv_is_refused_as_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trail.json", &delivery(&[stop_logging()]));
    let output = nhi(
        dir.path(),
        &["hunt", "trail.json", "--no-store", "-f", "csv"],
    );
    assert_eq!(output.status.code(), Some(2));
    let missing = nhi(dir.path(), &["hunt", "nothing-here", "--no-store"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trail.json", &delivery(&[stop_logging()]));
    let output = nhi(
        dir.path(),
        &["hunt", "trail.json", "--no-store", "-f", "sarif"],
    );
    assert_eq!(output.status.code(), Some(0));
    let sarif = common::json(&output);
    let schema_path =
        common::repo_root().join("crates/nhi-report/tests/schema/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn alerts_are_recorded_once_and_the_inventory_is_used() {
    let dir = tempfile::tempdir().unwrap();
    // The last scan saw key AKIABACKUP deactivated.
    write(
        dir.path(),
        "estate/keys.json",
        br#"{"AccessKeyMetadata": [{"UserName": "backup", "AccessKeyId": "AKIABACKUP", "Status": "Inactive", "CreateDate": "2023-01-01T00:00:00Z"}]}"#,
    );
    let scan = nhi(
        dir.path(),
        &["scan", "estate", "--db", "nhi.db", "-q", "-f", "json"],
    );
    assert!(scan.status.success(), "{}", stderr(&scan));
    let later = call(
        "e-late",
        "2099-01-01T00:00:00Z",
        "backup",
        "s3:GetObject",
        "198.51.100.1",
        json!({}),
    );
    write(dir.path(), "later.json", &delivery(&[later]));
    let hunt = |args: &[&str]| {
        let mut all = vec!["hunt", "later.json", "--db", "nhi.db", "-f", "jsonl"];
        all.extend_from_slice(args);
        nhi(dir.path(), &all)
    };
    let first = hunt(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let alerts = jsonl(&first.stdout);
    assert!(
        alerts
            .iter()
            .any(|alert| alert["detector"] == "credential-used-after-retirement"),
        "{alerts:#?}"
    );
    assert!(
        stderr(&first).contains("new and 0 updated"),
        "{}",
        stderr(&first)
    );
    let again = hunt(&["-q"]);
    assert_eq!(again.status.code(), Some(0));
    let db = rusqlite::Connection::open(dir.path().join("nhi.db")).unwrap();
    let stored: i64 = db
        .query_row("SELECT count(*) FROM alerts", [], |row| row.get(0))
        .unwrap();
    let events: i64 = db
        .query_row("SELECT count(*) FROM alert_events", [], |row| row.get(0))
        .unwrap();
    assert_eq!(stored as usize, alerts.len());
    assert_eq!(events as usize, alerts.len());
}

#[test]
fn stratus_red_team_logs_are_hunted() {
    let stratus = common::repo_root().join("../shared/corpora/cloudtrail/stratus-red-team");
    if !stratus.is_dir() {
        eprintln!("skipped: corpus {} is not present", stratus.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = nhi(
        dir.path(),
        &[
            "hunt",
            stratus.to_str().unwrap(),
            "--no-store",
            "-f",
            "jsonl",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let alerts = jsonl(&output.stdout);
    let detectors: std::collections::HashSet<&str> = alerts
        .iter()
        .map(|alert| alert["detector"].as_str().unwrap())
        .collect();
    for expected in [
        "aws-instance-credentials-exfiltration",
        "aws-cloudtrail-tampering",
        "aws-secrets-manager-bulk-retrieval",
        "aws-role-trust-backdoor",
    ] {
        assert!(
            detectors.contains(expected),
            "{expected} missing from {detectors:?}"
        );
    }
    assert!(
        stderr(&output).contains("hunted 310 records from 35 files"),
        "{}",
        stderr(&output)
    );
}
