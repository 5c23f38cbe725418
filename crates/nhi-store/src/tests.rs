//! Store behaviour across runs, on real database files in a temporary directory or in memory.

use super::*;
use chrono::{TimeZone, Utc};
use nhi_model::{
    finding_id, CredentialKind, FindingStatus, IdentityKind, Location, Severity, Timestamp,
};

fn at(hour: i64) -> Timestamp {
    Utc.timestamp_opt(1_700_000_000 + hour * 3600, 0).unwrap()
}

fn run(scope: &str, hour: i64) -> NewRun {
    NewRun {
        started: at(hour),
        finished: at(hour),
        command: "scan".into(),
        paths: vec![scope.into()],
        scope: scope.into(),
        version: "0.1.0".into(),
        errors: 0,
    }
}

fn finding(rule: &str, subject: &str, severity: Severity) -> Finding {
    let subjects = vec![subject.to_string()];
    Finding {
        id: finding_id(rule, &subjects, None),
        rule: rule.into(),
        severity,
        owasp: vec![],
        title: format!("{rule} on {subject}"),
        subjects,
        evidence: serde_json::Value::Null,
        location: None,
        remediation: "fix it".into(),
    }
}

fn status_of(store: &Store, id: &str) -> Option<FindingStatus> {
    let all = store.findings(&FindingQuery {
        status: StatusFilter::All,
        ..Default::default()
    });
    all.unwrap()
        .into_iter()
        .find(|t| t.finding.id == id)
        .map(|t| t.lifecycle.unwrap().status)
}

fn ids(found: &[TrackedFinding]) -> Vec<&str> {
    found.iter().map(|t| t.finding.id.as_str()).collect()
}

fn integrity(store: &Store) -> String {
    store
        .conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn findings_resolve_and_reopen_within_their_scope_only() {
    let mut store = Store::open_in_memory().unwrap();
    let inv = Inventory::default();
    let (a, b) = (
        finding("r-a", "x", Severity::High),
        finding("r-b", "y", Severity::Low),
    );
    let other = finding("r-other", "z", Severity::Medium);

    let first = store
        .record_run(&run("/repo", 0), &inv, &[a.clone(), b.clone()])
        .unwrap();
    assert_eq!(
        (first.new, first.resolved, first.reopened, first.still_open),
        (2, 0, 0, 0)
    );
    store
        .record_run(&run("/elsewhere", 1), &inv, std::slice::from_ref(&other))
        .unwrap();

    let second = store
        .record_run(&run("/repo", 2), &inv, std::slice::from_ref(&a))
        .unwrap();
    assert_eq!(
        (
            second.new,
            second.resolved,
            second.reopened,
            second.still_open
        ),
        (0, 1, 0, 1)
    );
    assert_eq!(status_of(&store, &b.id), Some(FindingStatus::Resolved));
    assert_eq!(
        status_of(&store, &other.id),
        Some(FindingStatus::Open),
        "other scope untouched"
    );
    let resolved = store.findings(&FindingQuery {
        status: StatusFilter::Resolved,
        ..Default::default()
    });
    let resolved = resolved.unwrap();
    assert_eq!(ids(&resolved), vec![b.id.as_str()]);
    assert_eq!(
        resolved[0].lifecycle.as_ref().unwrap().resolved_at,
        Some(at(2))
    );

    let third = store
        .record_run(&run("/repo", 3), &inv, &[a.clone(), b.clone()])
        .unwrap();
    assert_eq!(
        (third.new, third.resolved, third.reopened, third.still_open),
        (0, 0, 1, 1)
    );
    let b_now = store.findings_about("y").unwrap();
    let lifecycle = b_now[0].lifecycle.as_ref().unwrap();
    assert_eq!(lifecycle.status, FindingStatus::Open);
    assert_eq!(
        (
            lifecycle.first_seen,
            lifecycle.last_seen,
            lifecycle.resolved_at
        ),
        (at(0), at(3), None)
    );
}

#[test]
fn new_means_first_seen_by_the_latest_run() {
    let mut store = Store::open_in_memory().unwrap();
    let inv = Inventory::default();
    let old = finding("r-old", "x", Severity::Critical);
    let fresh = finding("r-fresh", "x", Severity::Low);
    let fresh_info = finding("r-info", "x", Severity::Info);
    store
        .record_run(&run("/repo", 0), &inv, std::slice::from_ref(&old))
        .unwrap();
    store
        .record_run(
            &run("/repo", 1),
            &inv,
            &[old.clone(), fresh.clone(), fresh_info.clone()],
        )
        .unwrap();

    let new_only = FindingQuery {
        new_since_previous_run: true,
        ..Default::default()
    };
    assert_eq!(
        ids(&store.findings(&new_only).unwrap()),
        vec![fresh.id.as_str(), fresh_info.id.as_str()]
    );
    let new_low = FindingQuery {
        min_severity: Some(Severity::Low),
        ..new_only.clone()
    };
    assert_eq!(
        ids(&store.findings(&new_low).unwrap()),
        vec![fresh.id.as_str()]
    );
    let by_rule = FindingQuery {
        rule: Some("r-old".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(&store.findings(&by_rule).unwrap()),
        vec![old.id.as_str()]
    );
    let all_open = store.findings(&FindingQuery::default()).unwrap();
    assert_eq!(
        ids(&all_open),
        vec![old.id.as_str(), fresh.id.as_str(), fresh_info.id.as_str()]
    );

    store
        .record_run(&run("/repo", 2), &inv, &[old, fresh, fresh_info])
        .unwrap();
    assert!(
        store.findings(&new_only).unwrap().is_empty(),
        "nothing new in a repeated run"
    );
}

#[test]
fn items_keep_first_and_last_seen_and_every_location() {
    let mut store = Store::open_in_memory().unwrap();
    let mut credential = Credential::new("access-key:AKIA1", CredentialKind::AccessKey, "fp1:00");
    credential.identity = Some("aws:user:deploy".into());
    credential.locations = vec![Location::file("a/.env", Some(3))];
    let mut inv = Inventory::default();
    inv.add_identity(Identity::new(
        "aws:user:deploy",
        IdentityKind::CloudUser,
        "aws",
        "deploy",
    ));
    inv.add_credential(credential.clone());
    let one = store.record_run(&run("/repo", 0), &inv, &[]).unwrap();

    credential.locations = vec![Location::file("b/.env", Some(1))];
    inv.credentials
        .insert(credential.id.clone(), credential.clone());
    let two = store.record_run(&run("/repo", 5), &inv, &[]).unwrap();

    let identity = store.identity("aws:user:deploy").unwrap().unwrap();
    assert_eq!(identity.item.name, "deploy");
    assert_eq!(
        identity.history,
        ItemHistory {
            first_seen: at(0),
            last_seen: at(5),
            first_run: one.run_id,
            last_run: two.run_id
        }
    );
    let stored = store.credential("access-key:AKIA1").unwrap().unwrap();
    assert_eq!(stored.item.paths(), vec!["a/.env", "b/.env"]);
    assert_eq!(stored.history.first_seen, at(0));
    assert_eq!(stored.item.identity.as_deref(), Some("aws:user:deploy"));
    assert!(store.identity("aws:user:nobody").unwrap().is_none());

    let current = store.inventory().unwrap();
    assert_eq!(
        current.credentials[&credential.id].paths(),
        vec!["a/.env", "b/.env"]
    );
    assert_eq!(current.identities.len(), 1);

    let runs = store.runs().unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![one.run_id, two.run_id]
    );
    assert_eq!(
        (runs[1].counts.identities, runs[1].counts.credentials),
        (1, 1)
    );
    assert_eq!(store.latest_run().unwrap().unwrap(), runs[1]);
}

#[test]
fn run_counts_findings_by_severity_once_each() {
    let mut store = Store::open_in_memory().unwrap();
    let high = finding("r-high", "x", Severity::High);
    let mut new_run = run("/repo", 0);
    new_run.errors = 2;
    let summary = store
        .record_run(
            &new_run,
            &Inventory::default(),
            &[high.clone(), high.clone()],
        )
        .unwrap();
    assert_eq!(summary.new, 1);
    let counts = store.latest_run().unwrap().unwrap().counts;
    assert_eq!(
        (
            counts.findings.high,
            counts.findings.critical,
            counts.errors
        ),
        (1, 0, 2)
    );
}

#[test]
fn a_failure_mid_run_rolls_the_whole_run_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nhi.db");
    let mut store = Store::open(&db).unwrap();
    let kept = finding("r-kept", "x", Severity::High);
    let mut inv = Inventory::default();
    inv.add_identity(Identity::new(
        "k8s:serviceaccount:a",
        IdentityKind::ServiceAccount,
        "k8s",
        "a",
    ));
    store
        .record_run(&run("/repo", 0), &inv, std::slice::from_ref(&kept))
        .unwrap();

    // A trigger stands in for a crash: the second finding of run 2 fails to insert.
    store
        .conn
        .execute_batch(
            "CREATE TEMP TRIGGER fail_boom BEFORE INSERT ON findings WHEN NEW.rule = 'r-boom'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let mut inv2 = inv.clone();
    inv2.add_identity(Identity::new(
        "k8s:serviceaccount:b",
        IdentityKind::ServiceAccount,
        "k8s",
        "b",
    ));
    let fresh = finding("r-fresh", "y", Severity::Low);
    let boom = finding("r-boom", "y", Severity::Low);
    let err = store
        .record_run(&run("/repo", 1), &inv2, &[fresh, boom])
        .unwrap_err();
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err}");
    assert!(err.to_string().contains("nhi.db"));
    drop(store);

    let store = Store::open(&db).unwrap();
    assert_eq!(integrity(&store), "ok");
    assert_eq!(store.runs().unwrap().len(), 1);
    assert_eq!(
        ids(&store.findings(&FindingQuery::default()).unwrap()),
        vec![kept.id.as_str()]
    );
    assert_eq!(
        status_of(&store, &kept.id),
        Some(FindingStatus::Open),
        "not resolved by the failed run"
    );
    assert_eq!(store.inventory().unwrap().identities.len(), 1);
}

#[cfg(unix)]
#[test]
fn database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state/nested/nhi.db");
    let mut store = Store::open(&db).unwrap();
    store
        .record_run(&run("/repo", 0), &Inventory::default(), &[])
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&files::companion(&db, "-wal")), 0o600);
    assert_eq!(mode(&files::companion(&db, "-shm")), 0o600);
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    assert_eq!(mode(&dir.path().join("state")), 0o700);
}

#[cfg(unix)]
#[test]
fn an_existing_loose_database_is_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nhi.db");
    drop(Store::open(&db).unwrap());
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(Store::open(&db).unwrap());
    assert_eq!(
        std::fs::metadata(&db).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn fingerprint_key_is_stable_across_reopen_and_differs_between_stores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nhi.db");
    let first = Store::open(&db)
        .unwrap()
        .fingerprinter()
        .fingerprint(b"s3cret");
    let again = Store::open(&db)
        .unwrap()
        .fingerprinter()
        .fingerprint(b"s3cret");
    let other = Store::open(dir.path().join("other.db"))
        .unwrap()
        .fingerprinter()
        .fingerprint(b"s3cret");
    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[test]
fn reopening_applies_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nhi.db");
    let mut store = Store::open(&db).unwrap();
    store
        .record_run(&run("/repo", 0), &Inventory::default(), &[])
        .unwrap();
    schema::migrate(&mut store.conn).unwrap();
    drop(store);
    let store = Store::open(&db).unwrap();
    assert_eq!(schema::version(&store.conn).unwrap(), schema::VERSION);
    assert_eq!(store.runs().unwrap().len(), 1);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nhi.db");
    let store = Store::open(&db).unwrap();
    store
        .conn
        .pragma_update(None, "user_version", schema::VERSION + 1)
        .unwrap();
    drop(store);
    let err = Store::open(&db).expect_err("a newer schema must not open");
    let StoreError::NewerSchema { found, known, path } = err else {
        panic!("expected NewerSchema, got {err}");
    };
    assert_eq!(
        (found, known, path),
        (schema::VERSION + 1, schema::VERSION, db)
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.txt");
    for garbage in [
        "hi\n".to_string(),
        "not the tables you are looking for\n".repeat(200),
    ] {
        std::fs::write(&db, &garbage).unwrap();
        let err = Store::open(&db).expect_err("garbage must not open");
        assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
        assert!(
            err.to_string().starts_with(&db.display().to_string()),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&db).unwrap(), garbage);
    }
}

#[test]
fn a_damaged_database_gives_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nhi.db");
    let mut store = Store::open(&db).unwrap();
    let many: Vec<Finding> = (0..200)
        .map(|i| finding(&format!("r-{i}"), "x", Severity::Low))
        .collect();
    store
        .record_run(&run("/repo", 0), &Inventory::default(), &many)
        .unwrap();
    store
        .conn
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(store);
    // Overwrite everything after the first page (the header and schema) with noise.
    let mut bytes = std::fs::read(&db).unwrap();
    for (i, byte) in bytes.iter_mut().enumerate().skip(4096) {
        *byte = (i * 7 % 251) as u8;
    }
    std::fs::write(&db, bytes).unwrap();
    let outcome = Store::open(&db).and_then(|s| s.findings(&FindingQuery::default()).map(|_| ()));
    assert!(
        matches!(outcome, Err(StoreError::Corrupt { .. })),
        "{outcome:?}"
    );
}
