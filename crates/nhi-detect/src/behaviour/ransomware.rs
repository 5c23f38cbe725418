//! Impact: KMS keys scheduled for deletion, disabled or opened to other accounts (the ingredients
//! of cloud ransomware), S3 objects deleted en masse, and ransom notes written after such a
//! deletion. State: per identity, one short window of object keys deleted.

use super::patterns::Pattern;
use super::state::DistinctWindow;
use super::{aws, rule, Detector, Family, Hit, Seen};
use crate::normalise::{LogSource, Record};
use chrono::TimeDelta;
use foldhash::HashMap;
use nhi_model::{Outcome, OwaspNhi, RuleMeta, Severity};
use sonic_rs::{JsonValueTrait, Value};

const WINDOW: TimeDelta = TimeDelta::minutes(10);
const WINDOW_CAP: usize = 4096;
/// Distinct objects deleted within the window that make a mass deletion.
const MASS_DELETION: usize = 100;
/// Objects an identity must have deleted within the last hour for a note-like upload to count.
const NOTE_AFTER_DELETIONS: usize = 10;
const NOTE_LINK: TimeDelta = TimeDelta::hours(1);
/// Words ransom notes are named with.
const NOTE_WORDS: [&str; 6] = [
    "ransom", "readme", "decrypt", "recover", "restore", "how_to",
];

const KEY_DESTRUCTION: RuleMeta = rule(
    "aws-kms-key-destruction",
    "KMS key scheduled for deletion or disabled",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A KMS key is scheduled for deletion, disabled, or loses its imported key material: everything encrypted with it becomes unreadable, which ransomware in the cloud relies on.",
    "Cancel the deletion (kms:CancelKeyDeletion) or re-enable the key within the waiting period, and find who asked for it.",
);

const KEY_POLICY_EXTERNAL: RuleMeta = rule(
    "aws-kms-key-policy-external",
    "KMS key policy opened to another account",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A KMS key policy lets another AWS account (or anyone) use the key: data can be re-encrypted with a key the attacker controls, or decrypted outside the account.",
    "Restore the key policy, check which data was encrypted or decrypted with the key since, and deny kms:PutKeyPolicy to workloads.",
);

static MASS_DELETE: RuleMeta = rule(
    "aws-s3-mass-deletion",
    "S3 objects deleted en masse",
    Severity::High,
    &[OwaspNhi::NHI5],
    "One identity deletes a hundred or more distinct S3 objects within ten minutes: data destruction, often after the data was copied out.",
    "Stop the identity (revoke its sessions, deactivate its keys), restore from versions or backups, and enable MFA delete or Object Lock on critical buckets.",
);

static RANSOM_NOTE: RuleMeta = rule(
    "aws-s3-ransom-note",
    "Ransom note written after deleting objects",
    Severity::Critical,
    &[OwaspNhi::NHI5],
    "An identity that has just deleted many objects uploads an object named like a ransom note (README, DECRYPT, RECOVER, ...).",
    "Treat as a ransomware incident: isolate the identity, preserve logs, restore from versions or backups; do not contact the attacker from production systems.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: KEY_DESTRUCTION,
            source: LogSource::CloudTrail,
            actions: &[
                "kms:ScheduleKeyDeletion",
                "kms:DisableKey",
                "kms:DeleteImportedKeyMaterial",
            ],
            attempts: true,
            test: |record| {
                let key = aws::param_str(record, "keyId").unwrap_or("?");
                let days = aws::param(record, "pendingWindowInDays")
                    .and_then(Value::as_i64)
                    .map(|days| format!(" ({days} days)"))
                    .unwrap_or_default();
                Some(format!(
                    "{} on key {key}{days}",
                    aws::api(&record.event.action)
                ))
            },
        },
        Pattern {
            rule: KEY_POLICY_EXTERNAL,
            source: LogSource::CloudTrail,
            actions: &["kms:PutKeyPolicy", "kms:CreateKey"],
            attempts: false,
            test: key_policy_external,
        },
    ],
    rules: &[&MASS_DELETE, &RANSOM_NOTE],
    build: Some(|| Box::<Ransomware>::default()),
};

fn key_policy_external(record: &Record) -> Option<String> {
    let policy = aws::param(record, "policy").and_then(aws::policy)?;
    let outsiders = aws::foreign_principals(&policy, aws::own_account(record));
    if outsiders.is_empty() {
        return None;
    }
    let key = aws::param_str(record, "keyId").unwrap_or("a new key");
    Some(format!(
        "key {key} may now be used by {}",
        outsiders.join(", ")
    ))
}

/// The object keys a delete call names: `key`, or the objects of a multi-object delete.
fn deleted_objects(record: &Record) -> Vec<String> {
    let bucket = aws::param_str(record, "bucketName").unwrap_or("?");
    let single = aws::param_str(record, "key").map(str::to_string);
    let multi = aws::param(record, "delete.Object")
        .map(aws::one_or_many)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|object| object.get("Key").and_then(Value::as_str))
        .map(str::to_string);
    single
        .into_iter()
        .chain(multi)
        .map(|key| format!("{bucket}/{key}"))
        .collect()
}

#[derive(Default)]
struct Ransomware {
    deletions: HashMap<String, DistinctWindow<String>>,
    recent: HashMap<String, DistinctWindow<String>>,
}

impl Detector for Ransomware {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        if !aws::is_cloudtrail(record) || record.event.outcome != Outcome::Success {
            return;
        }
        match aws::api(&record.event.action) {
            "s3:DeleteObject" | "s3:DeleteObjects" => {
                let objects = deleted_objects(record);
                let recent = self
                    .recent
                    .entry(seen.principal().to_string())
                    .or_insert_with(|| DistinctWindow::new(NOTE_LINK, WINDOW_CAP));
                let window = self
                    .deletions
                    .entry(seen.principal().to_string())
                    .or_insert_with(|| DistinctWindow::new(WINDOW, WINDOW_CAP));
                for object in objects {
                    recent.push(seen.time(), object.clone(), seen.event_ref());
                    window.push(seen.time(), object, seen.event_ref());
                }
                if window.distinct() >= MASS_DELETION {
                    let detail = format!(
                        "deleted {} distinct objects within {} min",
                        window.distinct(),
                        WINDOW.num_minutes()
                    );
                    hits.push(Hit {
                        events: window.events(),
                        ..Hit::on(&MASS_DELETE, seen, detail)
                    });
                    window.clear();
                }
            }
            "s3:PutObject" => {
                let deleted = self
                    .recent
                    .get(seen.principal())
                    .map_or(0, DistinctWindow::distinct);
                if deleted < NOTE_AFTER_DELETIONS {
                    return;
                }
                let key = aws::param_str(record, "key").unwrap_or("");
                let lower = key.to_lowercase();
                if NOTE_WORDS.iter().any(|word| lower.contains(word)) {
                    let bucket = aws::param_str(record, "bucketName").unwrap_or("?");
                    let detail = format!(
                        "wrote {bucket}/{key} after deleting {deleted} objects within the hour"
                    );
                    hits.push(Hit::on(&RANSOM_NOTE, seen, detail));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user, FOREIGN_ACCOUNT};
    use serde_json::{json, Value};
    let intruder = user("intruder");
    let call =
        |second, action: &str, params: Value| ct(second, &intruder, action).params(params).done();
    let delete_batch = |second, start: usize, count: usize| {
        let objects: Vec<Value> = (start..start + count)
            .map(|n| json!({"Key": format!("data/{n}.csv")}))
            .collect();
        call(
            second,
            "s3:DeleteObjects",
            json!({"bucketName": "prod", "delete": {"Object": objects}}),
        )
    };
    let note = |second| {
        call(
            second,
            "s3:PutObject",
            json!({"bucketName": "prod", "key": "README_TO_RECOVER.txt"}),
        )
    };
    let key_policy = |principal: &str| json!({"keyId": "k", "policy": json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}]}).to_string()});
    vec![
        Example::new(
            KEY_DESTRUCTION.id.as_ref(),
            vec![call(
                0,
                "kms:ScheduleKeyDeletion",
                json!({"keyId": "k", "pendingWindowInDays": 7}),
            )],
            vec![call(0, "kms:CancelKeyDeletion", json!({"keyId": "k"}))],
        ),
        Example::new(
            KEY_POLICY_EXTERNAL.id.as_ref(),
            vec![call(
                0,
                "kms:PutKeyPolicy",
                key_policy(&format!("arn:aws:iam::{FOREIGN_ACCOUNT}:root")),
            )],
            vec![call(
                0,
                "kms:PutKeyPolicy",
                key_policy("arn:aws:iam::111122223333:root"),
            )],
        ),
        Example::new(
            MASS_DELETE.id.as_ref(),
            vec![delete_batch(0, 0, 60), delete_batch(60, 60, 60)],
            vec![delete_batch(0, 0, 60), delete_batch(3600, 0, 60)],
        ),
        Example::new(
            RANSOM_NOTE.id.as_ref(),
            vec![delete_batch(0, 0, 20), note(120)],
            vec![
                note(0),
                call(
                    10,
                    "s3:PutObject",
                    json!({"bucketName": "prod", "key": "data/1.csv"}),
                ),
            ],
        ),
    ]
}
