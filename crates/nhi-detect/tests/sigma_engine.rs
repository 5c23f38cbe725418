//! The engine end to end on rules written for the case: routing, indexing, placeholders,
//! correlations (by id and name, chained, `generate`), and load errors.

use nhi_detect::{normalise, LoadProblem, MatchKind, Record, SigmaEngine, SigmaMatch};

/// CloudTrail records `(eventName, user, minute, source ip)`.
fn trail(events: &[(&str, &str, u32, &str)]) -> Vec<Record> {
    let lines: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(index, (name, user, minute, ip))| {
            format!(
                r#"{{"eventID":"e{index}","eventTime":"2024-07-31T13:{minute:02}:00Z","eventSource":"iam.amazonaws.com","eventName":"{name}","sourceIPAddress":"{ip}","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/{user}","userName":"{user}"}}}}"#
            )
        })
        .collect();
    let normalised = normalise("trail.jsonl", lines.join("\n").as_bytes(), None);
    assert!(normalised.errors.is_empty(), "{:?}", normalised.errors);
    normalised.records
}

fn engine(yaml: &str) -> SigmaEngine {
    let mut builder = SigmaEngine::builder();
    builder.add_yaml("rules.yml", yaml);
    let (engine, errors) = builder.build();
    assert!(errors.is_empty(), "{errors:#?}");
    engine
}

fn rule(id: &str, name: &str, event_name: &str) -> String {
    format!(
        "title: {id} seen\nid: {id}\nname: {name}\nlevel: low\nlogsource:\n    product: aws\n    service: cloudtrail\n\
         detection:\n    selection:\n        eventName: {event_name}\n    condition: selection\n"
    )
}

fn summary(matches: &[SigmaMatch]) -> Vec<(String, Vec<usize>)> {
    matches
        .iter()
        .map(|hit| {
            (
                hit.rule_id.clone(),
                hit.events.iter().map(|event| event.index).collect(),
            )
        })
        .collect()
}

#[test]
fn index_lookup_ignores_case_like_the_matcher() {
    let engine = engine(&rule("create-key", "create_key", "CreateAccessKey"));
    let records = trail(&[
        ("createaccesskey", "a", 0, "10.0.0.1"),
        ("CreateUser", "a", 1, "10.0.0.1"),
    ]);
    assert_eq!(
        summary(&engine.scan(&records)),
        vec![("create-key".to_string(), vec![0])]
    );
}

#[test]
fn rules_for_other_sources_are_reported_not_dropped() {
    let yaml =
        "title: Windows rule\nlogsource:\n    product: windows\n    category: process_creation\n\
                detection:\n    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel\n";
    let mut builder = SigmaEngine::builder();
    builder
        .add_yaml("win.yml", yaml)
        .add_yaml("broken.yml", "title: [unclosed\n");
    let (engine, errors) = builder.build();
    assert!(engine.is_empty());
    assert_eq!(errors.len(), 2);
    assert!(
        matches!(&errors[0].problem, LoadProblem::Yaml(_)),
        "{:?}",
        errors[0]
    );
    assert_eq!(errors[0].origin, "broken.yml");
    assert!(matches!(
        &errors[1].problem,
        LoadProblem::UnsupportedLogSource(_)
    ));
    assert_eq!(errors[1].to_string(), "win.yml:1: rule 'Windows rule': no normaliser for log source product windows, service -, category process_creation");
}

#[test]
fn placeholders_are_expanded_from_the_builder() {
    let yaml = "title: Admin activity\nid: admins\nlogsource:\n    product: aws\ndetection:\n    sel:\n        \
                userIdentity.userName|expand: '%Admins%'\n    condition: sel\n";
    let mut builder = SigmaEngine::builder();
    builder
        .placeholder("Admins", vec!["root-*".into(), "breakglass".into()])
        .add_yaml("rules.yml", yaml);
    let (engine, errors) = builder.build();
    assert!(errors.is_empty());
    let records = trail(&[
        ("X", "breakglass", 0, "1.1.1.1"),
        ("X", "bob", 1, "1.1.1.1"),
        ("X", "root-7", 2, "1.1.1.1"),
    ]);
    assert_eq!(
        summary(&engine.scan(&records)),
        vec![("admins".into(), vec![0]), ("admins".into(), vec![2])]
    );
    let (_, errors) = {
        let mut builder = SigmaEngine::builder();
        builder.add_yaml("rules.yml", yaml);
        builder.build()
    };
    assert!(
        errors[0]
            .to_string()
            .contains("placeholder `%Admins%` has no values"),
        "{}",
        errors[0]
    );
    assert_eq!(errors[0].line, Some(7));
}

#[test]
fn event_count_by_name_hides_its_base_rule() {
    let yaml = format!(
        "{}---\ntitle: Many keys\nid: many-keys\nlevel: high\ncorrelation:\n    type: event_count\n    rules: create_key\n    \
         group-by: [userIdentity.arn]\n    timespan: 5m\n    condition:\n        gte: 3\n",
        rule("create-key", "create_key", "CreateAccessKey")
    );
    let engine = engine(&yaml);
    let records = trail(&[
        ("CreateAccessKey", "a", 0, "1.1.1.1"),
        ("CreateAccessKey", "b", 1, "1.1.1.1"),
        ("CreateAccessKey", "a", 2, "1.1.1.1"),
        ("CreateAccessKey", "a", 3, "1.1.1.1"),
    ]);
    let matches = engine.scan(&records);
    assert_eq!(
        summary(&matches),
        vec![("many-keys".to_string(), vec![0, 2, 3])]
    );
    let hit = &matches[0];
    assert_eq!(hit.kind, MatchKind::EventCount);
    assert_eq!(hit.severity, nhi_model::Severity::High);
    assert_eq!(
        hit.group,
        vec![(
            "userIdentity.arn".to_string(),
            "arn:aws:iam::1:user/a".to_string()
        )]
    );
    assert_eq!(hit.principal, "aws:user:arn:aws:iam::1:user/a");
}

#[test]
fn generate_keeps_the_base_rule_reporting() {
    let yaml = format!(
        "{}---\ntitle: Two keys\nid: two-keys\ncorrelation:\n    type: event_count\n    rules: [create-key]\n    \
         group-by: userIdentity.arn\n    timespan: 5m\n    generate: true\n    condition:\n        gt: 1\n",
        rule("create-key", "create_key", "CreateAccessKey")
    );
    let engine = engine(&yaml);
    let records = trail(&[
        ("CreateAccessKey", "a", 0, "1.1.1.1"),
        ("CreateAccessKey", "a", 1, "1.1.1.1"),
    ]);
    let ids: Vec<String> = engine
        .scan(&records)
        .into_iter()
        .map(|hit| hit.rule_id)
        .collect();
    assert_eq!(ids, vec!["create-key", "create-key", "two-keys"]);
}

#[test]
fn value_count_counts_distinct_source_addresses() {
    let yaml = format!(
        "{}---\ntitle: Key used from many places\nid: spread\ncorrelation:\n    type: value_count\n    rules: any-call\n    \
         group-by: [userIdentity.arn]\n    timespan: 10m\n    condition:\n        field: sourceIPAddress\n        gte: 3\n",
        rule("any-call", "any_call", "GetCallerIdentity")
    );
    let engine = engine(&yaml);
    let call = "GetCallerIdentity";
    let same_place = trail(&[
        (call, "a", 0, "1.1.1.1"),
        (call, "a", 1, "1.1.1.1"),
        (call, "a", 2, "2.2.2.2"),
        (call, "a", 3, "2.2.2.2"),
    ]);
    assert!(engine.scan(&same_place).is_empty());
    let spread = trail(&[
        (call, "a", 0, "1.1.1.1"),
        (call, "a", 1, "2.2.2.2"),
        (call, "b", 2, "3.3.3.3"),
        (call, "a", 3, "3.3.3.3"),
    ]);
    assert_eq!(
        summary(&engine.scan(&spread)),
        vec![("spread".to_string(), vec![0, 1, 3])]
    );
}

#[test]
fn temporal_ordered_with_aliases_and_a_chain() {
    let yaml = format!(
        "{}---\n{}---\ntitle: User then key\nid: user-then-key\nname: user_then_key\ncorrelation:\n    type: temporal_ordered\n    \
         rules: [create_user, create_key]\n    group-by: [actor]\n    aliases:\n        actor:\n            create_user: userIdentity.userName\n            \
         create_key: userIdentity.userName\n    timespan: 10m\n---\ntitle: Twice\nid: twice\ncorrelation:\n    type: event_count\n    \
         rules: user_then_key\n    group-by: [actor]\n    timespan: 1h\n    condition:\n        gte: 2\n",
        rule("create-user", "create_user", "CreateUser"),
        rule("create-key", "create_key", "CreateAccessKey"),
    );
    let engine = engine(&yaml);
    let records = trail(&[
        ("CreateAccessKey", "a", 0, "1.1.1.1"),
        ("CreateUser", "a", 1, "1.1.1.1"),
        ("CreateUser", "b", 2, "1.1.1.1"),
        ("CreateAccessKey", "a", 3, "1.1.1.1"),
        ("CreateUser", "a", 30, "1.1.1.1"),
        ("CreateAccessKey", "a", 35, "1.1.1.1"),
    ]);
    let matches = engine.scan(&records);
    assert_eq!(
        summary(&matches),
        vec![("twice".to_string(), vec![1, 3, 4, 5])]
    );
    assert_eq!(
        matches[0].group,
        vec![("actor".to_string(), "a".to_string())]
    );
}

#[test]
fn temporal_needs_all_rules_in_the_timespan() {
    let yaml = format!(
        "{}---\n{}---\ntitle: Both\nid: both\ncorrelation:\n    type: temporal\n    rules: [create-user, create-key]\n    \
         group-by: [userIdentity.arn]\n    timespan: 2m\n",
        rule("create-user", "create_user", "CreateUser"),
        rule("create-key", "create_key", "CreateAccessKey"),
    );
    let engine = engine(&yaml);
    let near = trail(&[
        ("CreateAccessKey", "a", 0, "1.1.1.1"),
        ("CreateUser", "a", 1, "1.1.1.1"),
    ]);
    assert_eq!(
        summary(&engine.scan(&near)),
        vec![("both".to_string(), vec![0, 1])]
    );
    let far = trail(&[
        ("CreateAccessKey", "a", 0, "1.1.1.1"),
        ("CreateUser", "a", 9, "1.1.1.1"),
    ]);
    assert!(engine.scan(&far).is_empty());
}

#[test]
fn correlation_reference_errors() {
    let unknown = "title: Lost\ncorrelation:\n    type: temporal\n    rules: [nowhere]\n    group-by: [a]\n    timespan: 1m\n";
    let looped = "title: A\nid: a\ncorrelation:\n    type: temporal\n    rules: [b]\n    timespan: 1m\n---\n\
                  title: B\nid: b\ncorrelation:\n    type: temporal\n    rules: [a]\n    timespan: 1m\n";
    let duplicate = format!("{}---\n{}", rule("x", "x1", "A"), rule("x", "x2", "B"));
    let mut builder = SigmaEngine::builder();
    builder
        .add_yaml("unknown.yml", unknown)
        .add_yaml("loop.yml", looped)
        .add_yaml("dup.yml", &duplicate);
    let (engine, errors) = builder.build();
    assert_eq!(engine.len(), 1);
    let problems: Vec<&LoadProblem> = errors.iter().map(|error| &error.problem).collect();
    assert_eq!(problems.len(), 4, "{errors:#?}");
    assert!(problems.contains(&&LoadProblem::DuplicateId("x".into())));
    assert!(problems.contains(&&LoadProblem::UnknownRule("nowhere".into())));
    assert_eq!(
        problems
            .iter()
            .filter(|problem| matches!(problem, LoadProblem::Cycle(_)))
            .count(),
        2
    );
    assert_eq!(
        errors
            .iter()
            .find(|error| error.origin == "unknown.yml")
            .and_then(|error| error.line),
        Some(2)
    );
}

#[test]
fn streaming_gives_the_same_matches_as_a_batch() {
    let yaml = format!(
        "{}---\ntitle: Many keys\nid: many-keys\ncorrelation:\n    type: event_count\n    rules: create_key\n    \
         group-by: [userIdentity.arn]\n    timespan: 5m\n    generate: true\n    condition:\n        eq: 2\n",
        rule("create-key", "create_key", "CreateAccessKey")
    );
    let engine = engine(&yaml);
    let records = trail(&[
        ("CreateAccessKey", "a", 0, "1.1.1.1"),
        ("CreateAccessKey", "a", 1, "1.1.1.1"),
        ("CreateUser", "a", 30, "1.1.1.1"),
    ]);
    let mut stream = engine.stream();
    let mut streamed = Vec::new();
    for (index, record) in records.iter().enumerate() {
        streamed.extend(stream.push(index, record));
    }
    streamed.extend(stream.finish());
    assert_eq!(streamed, engine.scan(&records));
    assert_eq!(
        summary(&streamed).last(),
        Some(&("many-keys".to_string(), vec![0, 1]))
    );
}

#[test]
fn keywords_fields_and_condition_lists() {
    let yaml = "title: Odd agent\nid: odd\nfields: [userIdentity.userName, sourceIPAddress]\nlogsource:\n    product: aws\n\
                detection:\n    keywords:\n        - '10.9.*'\n    sel:\n        eventName: DeleteUser\n    condition:\n        - keywords\n        - sel\n";
    let engine = engine(yaml);
    let records = trail(&[
        ("ListUsers", "a", 0, "10.9.0.1"),
        ("DeleteUser", "b", 1, "1.1.1.1"),
        ("ListUsers", "c", 2, "1.1.1.1"),
    ]);
    let matches = engine.scan(&records);
    assert_eq!(
        summary(&matches),
        vec![("odd".to_string(), vec![0]), ("odd".to_string(), vec![1])]
    );
    assert_eq!(
        matches[1].fields,
        vec![
            ("userIdentity.userName".to_string(), "b".to_string()),
            ("sourceIPAddress".to_string(), "1.1.1.1".to_string())
        ]
    );
}

#[test]
fn kubernetes_taxonomy_fields_reach_into_pod_specs() {
    let yaml = "title: Pod with capabilities\nid: caps\nlogsource:\n    product: kubernetes\n    service: audit\n\
                detection:\n    sel:\n        verb: create\n        apiGroup: ''\n        capabilities: '*'\n    condition: sel\n";
    let engine = engine(yaml);
    let pod = |containers: &str| {
        format!(
            r#"{{"kind":"Event","auditID":"p","verb":"create","user":{{"username":"u"}},"requestReceivedTimestamp":"2024-01-01T00:00:00Z","objectRef":{{"resource":"pods","apiGroup":""}},"requestObject":{{"spec":{{"containers":{containers}}}}}}}"#
        )
    };
    let with = pod(
        r#"[{"name":"a"},{"name":"b","securityContext":{"capabilities":{"add":["NET_ADMIN"]}}}]"#,
    );
    let without = pod(r#"[{"name":"a","securityContext":{"privileged":false}}]"#);
    let records = |text: &str| normalise("audit.log", text.as_bytes(), None).records;
    assert_eq!(engine.scan(&records(&with)).len(), 1);
    assert!(engine.scan(&records(&without)).is_empty());
}
