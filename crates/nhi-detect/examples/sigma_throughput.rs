//! Throughput of normalisation and Sigma evaluation with every corpus rule loaded.
//!
//! `cargo run --release -p nhi-detect --example sigma_throughput [RECORDS] [EXTRA_RULES]`
//! generates RECORDS CloudTrail-like records in memory (default 200000), normalises them from JSON
//! lines, then runs all SigmaHQ CloudTrail and Kubernetes audit rules of `shared/corpora` over
//! them, plus EXTRA_RULES generated rules on other API calls (default 0) to show that the cost per
//! event does not grow with the number of rules.

use chrono::{TimeDelta, TimeZone, Utc};
use nhi_detect::{normalise, SigmaEngine};
use serde_json::json;
use std::path::Path;
use std::time::Instant;

/// `(eventSource, eventName)` pairs: common calls, and a few that published rules look for.
const CALLS: [(&str, &str); 16] = [
    ("sts.amazonaws.com", "GetCallerIdentity"),
    ("sts.amazonaws.com", "AssumeRole"),
    ("s3.amazonaws.com", "GetObject"),
    ("s3.amazonaws.com", "PutObject"),
    ("s3.amazonaws.com", "ListBuckets"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("ec2.amazonaws.com", "RunInstances"),
    ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress"),
    ("iam.amazonaws.com", "ListUsers"),
    ("iam.amazonaws.com", "CreateAccessKey"),
    ("kms.amazonaws.com", "Decrypt"),
    ("lambda.amazonaws.com", "Invoke"),
    ("cloudtrail.amazonaws.com", "StopLogging"),
    ("ssm.amazonaws.com", "GetParameters"),
    ("secretsmanager.amazonaws.com", "GetSecretValue"),
    ("logs.amazonaws.com", "PutLogEvents"),
];

fn main() {
    let arg = |position: usize, default: usize| {
        std::env::args()
            .nth(position)
            .and_then(|arg| arg.parse().ok())
            .unwrap_or(default)
    };
    let (count, extra_rules) = (arg(1, 200_000), arg(2, 0));
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/sigma/rules");
    let dirs = [
        corpus.join("cloud/aws/cloudtrail"),
        corpus.join("application/kubernetes/audit"),
    ];
    if !dirs.iter().all(|dir| dir.is_dir()) {
        eprintln!(
            "the Sigma corpus is not at {}; nothing to measure",
            corpus.display()
        );
        return;
    }

    let started = Instant::now();
    let mut builder = SigmaEngine::builder();
    for dir in &dirs {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("rule directory")
            .flatten()
            .map(|entry| entry.path())
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("rule file");
            builder.add_yaml(&file.display().to_string(), &text);
        }
    }
    for number in 0..extra_rules {
        builder.add_yaml(
            &format!("generated-{number}.yml"),
            &format!(
                "title: Generated {number}\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    \
                 selection:\n        eventSource: example.amazonaws.com\n        eventName: GeneratedCall{number}\n    \
                 condition: selection\n"
            ),
        );
    }
    let (engine, errors) = builder.build();
    for error in &errors {
        eprintln!("{error}");
    }
    println!(
        "loaded {} rules in {:.1?} ({} not loaded)",
        engine.len(),
        started.elapsed(),
        errors.len()
    );

    let lines = generate(count);
    let started = Instant::now();
    let normalised = normalise("generated", lines.as_bytes(), None);
    let took = started.elapsed().as_secs_f64();
    println!(
        "normalised {} records ({:.0} MB) in {took:.2}s: {:.0} records/s",
        normalised.records.len(),
        lines.len() as f64 / 1e6,
        normalised.records.len() as f64 / took
    );

    let started = Instant::now();
    let matches = engine.scan(&normalised.records);
    let took = started.elapsed().as_secs_f64();
    println!(
        "evaluated {} rules over {} records in {took:.2}s: {:.0} events/s, {} matches",
        engine.len(),
        normalised.records.len(),
        normalised.records.len() as f64 / took,
        matches.len()
    );
}

/// JSON lines of CloudTrail-like records, one second apart, from a few users and roles.
fn generate(count: usize) -> String {
    let mut out = String::with_capacity(count * 700);
    let start = Utc
        .timestamp_opt(1_722_470_400, 0)
        .single()
        .expect("a valid time");
    for index in 0..count {
        let (service, name) = CALLS[index * 7 % CALLS.len()];
        let user = index % 50;
        let identity = if index % 3 == 0 {
            json!({"type": "AssumedRole", "accessKeyId": format!("ASIA{index:016}"),
                   "arn": format!("arn:aws:sts::111122223333:assumed-role/role-{user}/session"),
                   "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::111122223333:role/role-{user}")}}})
        } else {
            json!({"type": "IAMUser", "accessKeyId": format!("AKIA{user:016}"), "userName": format!("user-{user}"),
                   "arn": format!("arn:aws:iam::111122223333:user/user-{user}")})
        };
        let mut record = json!({
            "eventVersion": "1.09", "eventID": format!("00000000-0000-4000-8000-{index:012}"),
            "eventTime": (start + TimeDelta::seconds(index as i64)).to_rfc3339(),
            "eventSource": service, "eventName": name, "awsRegion": "eu-west-1",
            "sourceIPAddress": format!("203.0.113.{}", index % 250), "userAgent": "aws-cli/2.15.0 Python/3.11",
            "requestParameters": {"userName": format!("user-{}", index % 7), "bucketName": "logs"},
            "responseElements": null, "userIdentity": identity, "readOnly": index % 2 == 0,
            "eventType": "AwsApiCall", "recipientAccountId": "111122223333"
        });
        if index % 11 == 0 {
            record["errorCode"] = json!("AccessDenied");
        }
        out.push_str(&record.to_string());
        out.push('\n');
    }
    out
}
