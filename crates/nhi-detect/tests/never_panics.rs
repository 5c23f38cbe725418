//! Property tests: whatever the input, normalisers, the Sigma engine and the behavioural
//! detectors return results and errors, never a panic.

use chrono::{TimeZone, Utc};
use nhi_detect::{normalise, CallerFacts, LogSource, Record, SigmaEngine};
use nhi_model::{Event, Outcome};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Arbitrary JSON, biased towards the field names the normalisers and rules read.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("eventID".to_string()),
        Just("eventTime".to_string()),
        Just("eventSource".to_string()),
        Just("eventName".to_string()),
        Just("userIdentity".to_string()),
        Just("type".to_string()),
        Just("arn".to_string()),
        Just("sessionContext".to_string()),
        Just("sessionIssuer".to_string()),
        Just("auditID".to_string()),
        Just("kind".to_string()),
        Just("verb".to_string()),
        Just("user".to_string()),
        Just("username".to_string()),
        Just("objectRef".to_string()),
        Just("responseStatus".to_string()),
        Just("code".to_string()),
        Just("Records".to_string()),
        Just("items".to_string()),
        Just("requestParameters".to_string()),
        Just("responseElements".to_string()),
        Just("requestObject".to_string()),
        Just("policyDocument".to_string()),
        Just("Statement".to_string()),
        Just("Principal".to_string()),
        Just("ipPermissions".to_string()),
        Just("spec".to_string()),
        Just("containers".to_string()),
        Just("data".to_string()),
        Just("rules".to_string()),
        Just("protoPayload".to_string()),
        Just("insertId".to_string()),
        Just("timestamp".to_string()),
        Just("methodName".to_string()),
        Just("serviceName".to_string()),
        Just("authenticationInfo".to_string()),
        Just("createdDateTime".to_string()),
        Just("appId".to_string()),
        Just("servicePrincipalId".to_string()),
        Just("properties".to_string()),
        Just("records".to_string()),
        Just("value".to_string()),
        Just("status".to_string()),
        Just("errorCode".to_string()),
        Just("action".to_string()),
        Just("actor".to_string()),
        Just("@timestamp".to_string()),
        Just("token_id".to_string()),
        "[a-zA-Z.]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(Value::from("2024-07-31T13:06:24Z")),
        Just(Value::from("AssumedRole")),
        Just(Value::from("Event")),
        Just(Value::from("EventList")),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|entries| Value::Object(
                entries.into_iter().collect::<Map<String, Value>>()
            )),
        ]
    })
}

fn engine() -> SigmaEngine {
    let rules = "title: Everything\nid: all-modifiers\nlogsource:\n    product: aws\ndetection:\n    a:\n        eventName|contains|all: [a, b]\n    \
                 b:\n        userIdentity.arn|re|i: '.*role.*'\n    c:\n        code|gte: 3\n    d:\n        sourceIPAddress|cidr: 10.0.0.0/8\n    \
                 e:\n        eventTime|hour: 13\n    f:\n        userIdentity.type|fieldref: eventName\n    g:\n        x|base64offset|contains: evil\n    \
                 h:\n        - keyword\n    i:\n        eventSource|neq: x\n    j:\n        missing|exists: false\n    condition: 1 of them or all of them\n\
                 ---\ntitle: K8s\nid: k8s\nlogsource:\n    product: kubernetes\n    service: audit\ndetection:\n    sel:\n        capabilities: '*'\n        \
                 responseStatus.code: [401, 'ALLOW']\n    condition: sel\n";
    let mut builder = SigmaEngine::builder();
    builder.add_yaml("rules.yml", rules);
    let (engine, errors) = builder.build();
    assert!(errors.is_empty(), "{errors:?}");
    engine
}

fn record(source: LogSource, raw: Value) -> Record {
    let event = Event {
        id: "e".into(),
        time: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
        source: source.as_str().into(),
        principal: "p".into(),
        credential: None,
        action: "a".into(),
        resource: None,
        outcome: Outcome::Unknown,
        source_ip: None,
        user_agent: None,
        raw_ref: None,
    };
    let raw = sonic_rs::from_str(&raw.to_string()).expect("serde_json writes JSON");
    Record {
        source,
        event,
        raw,
        caller: CallerFacts::default(),
    }
}

/// Actions that the behavioural detectors look at, and a few they do not.
fn action() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("iam:CreateAccessKey".to_string()),
        Just("iam:PutRolePolicy".to_string()),
        Just("iam:UpdateAssumeRolePolicy".to_string()),
        Just("sts:AssumeRole".to_string()),
        Just("ec2:AuthorizeSecurityGroupIngress".to_string()),
        Just("ec2:ModifyImageAttribute".to_string()),
        Just("ec2:RunInstances".to_string()),
        Just("s3:PutBucketPolicy".to_string()),
        Just("s3:DeleteObjects".to_string()),
        Just("ssm:SendCommand".to_string()),
        Just("secretsmanager:BatchGetSecretValue".to_string()),
        Just("cloudtrail:PutEventSelectors".to_string()),
        Just("lambda:AddPermission20150331v2".to_string()),
        Just("create pods".to_string()),
        Just("create configmaps".to_string()),
        Just("create clusterrolebindings".to_string()),
        Just("create roles".to_string()),
        Just("get secrets".to_string()),
        "[a-z: /é]{0,16}",
    ]
}

/// A record whose event fields vary the way detectors branch on them.
fn behaviour_record() -> impl Strategy<Value = Record> {
    let principal = prop_oneof![
        Just("aws:user:arn:aws:iam::1:user/a".to_string()),
        Just("k8s:serviceaccount:ns/sa".to_string()),
        Just("k8s:user:system:node:n".to_string()),
        ".{0,10}",
    ];
    let ip = prop_oneof![
        Just(None),
        Just(Some("203.0.113.9".to_string())),
        Just(Some("10.1.2.3".to_string())),
        Just(Some("ec2.amazonaws.com".to_string())),
        ".{0,16}".prop_map(Some),
    ];
    let outcome = prop_oneof![
        Just(Outcome::Success),
        Just(Outcome::Denied),
        Just(Outcome::Error),
        Just(Outcome::Unknown)
    ];
    (
        0..LogSource::ALL.len(),
        json(),
        action(),
        principal,
        ip,
        outcome,
        0i64..200_000,
        any::<bool>(),
    )
        .prop_map(
            |(which, raw, action, principal, source_ip, outcome, second, keyed)| {
                let source = LogSource::ALL[which];
                let mut record = record(source, raw);
                record.event.action = action;
                record.event.principal = principal;
                record.event.source_ip = source_ip;
                record.event.outcome = outcome;
                record.event.time = Utc.timestamp_opt(1_700_000_000 + second, 0).unwrap();
                record.event.credential = keyed.then(|| "k8s-credential:JTI=x".to_string());
                record
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn normalisers_take_any_json(value in json(), lines in any::<bool>()) {
        let mut bytes = serde_json::to_vec(&value).unwrap();
        if lines {
            bytes.push(b'\n');
            bytes.extend(serde_json::to_vec(&value).unwrap());
        }
        let sources = std::iter::once(None).chain(LogSource::ALL.map(Some));
        for source in sources {
            let normalised = normalise("fuzz", &bytes, source);
            for error in &normalised.errors {
                prop_assert!(error.to_string().starts_with("fuzz"));
            }
        }
    }

    #[test]
    fn normalisers_take_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        normalise("bytes", &bytes, None);
    }

    #[test]
    fn rules_evaluate_any_record(value in json()) {
        let engine = engine();
        for source in LogSource::ALL {
            engine.scan(&[record(source, value.clone())]);
        }
    }

    #[test]
    fn detectors_judge_any_records(mut records in prop::collection::vec(behaviour_record(), 0..12)) {
        records.sort_by_key(|record| record.event.time);
        let config = nhi_detect::BehaviourConfig {
            learn: chrono::TimeDelta::seconds(10),
            ..nhi_detect::BehaviourConfig::default()
        };
        let mut hunt = nhi_detect::Hunt::new(None, config);
        for (index, record) in records.iter().enumerate() {
            hunt.push(index, record);
        }
        for alert in hunt.finish() {
            prop_assert!(!alert.events.is_empty());
        }
    }

    #[test]
    fn any_rule_text_loads_or_is_reported(text in "(title: t\n)?(detection:\n)?( +[a-z|*]{0,12}:( [a-z'*%|]{0,8})?\n){0,6}( +condition: [a-z ()*|0-9]{0,20}\n)?") {
        let mut builder = SigmaEngine::builder();
        builder.add_yaml("fuzz.yml", &text);
        builder.build();
    }

    #[test]
    fn any_text_loads_or_is_reported(text in "(?s).{0,300}") {
        let mut builder = SigmaEngine::builder();
        builder.add_yaml("fuzz.yml", &text);
        builder.build();
    }
}
