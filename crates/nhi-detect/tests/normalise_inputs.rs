//! Normalisers on whole inputs: every container CloudTrail and Kubernetes audit logs come in,
//! bad records skipped with their position while the rest goes on, and the public corpora.

mod common;

use common::{corpus, files};
use nhi_detect::{normalise, LogSource, NormaliseError, Position, RecordProblem};
use nhi_model::Outcome;

fn trail_record(id: &str, second: u32) -> String {
    format!(
        r#"{{"eventID":"{id}","eventTime":"2024-07-31T13:06:{second:02}Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/ci","accessKeyId":"AKIAEXAMPLE"}},"sourceIPAddress":"198.51.100.1"}}"#
    )
}

fn ids(input: &str, source: Option<LogSource>) -> (Vec<String>, Vec<NormaliseError>) {
    let normalised = normalise("input", input.as_bytes(), source);
    (
        normalised
            .records
            .into_iter()
            .map(|record| record.event.id)
            .collect(),
        normalised.errors,
    )
}

#[test]
fn cloudtrail_comes_as_delivery_file_array_lines_or_one_record() {
    let (a, b) = (trail_record("a", 1), trail_record("b", 2));
    let delivery = format!(r#"{{"Records":[{a},{b}]}}"#);
    let array = format!("[{a},\n{b}]");
    let lines = format!("{a}\n\n{b}\n");
    for input in [&delivery, &array, &lines] {
        let (found, errors) = ids(input, None);
        assert_eq!(found, vec!["a", "b"], "{input}");
        assert!(errors.is_empty());
    }
    let normalised = normalise("one.json", a.as_bytes(), None);
    let event = &normalised.records[0].event;
    assert_eq!(event.action, "iam:CreateAccessKey");
    assert_eq!(
        event.credential.as_deref(),
        Some("aws-access-key:AKIAEXAMPLE")
    );
    assert_eq!(event.outcome, Outcome::Success);
    assert_eq!(event.source, "cloudtrail");
    assert_eq!(event.raw_ref.as_deref(), Some("one.json#0"));
}

#[test]
fn bad_records_are_skipped_with_their_line_or_index() {
    let lines = format!(
        "{}\nnot json\n{{\"eventID\":\"x\"}}\n{}\n",
        trail_record("a", 1),
        trail_record("b", 2)
    );
    let (found, errors) = ids(&lines, Some(LogSource::CloudTrail));
    assert_eq!(found, vec!["a", "b"]);
    assert!(
        matches!(errors[0], NormaliseError::Syntax { line: 2, .. }),
        "{:?}",
        errors[0]
    );
    assert_eq!(
        errors[1],
        NormaliseError::Record {
            input: "input".into(),
            at: Position {
                line: Some(3),
                index: None
            },
            problem: RecordProblem::Missing("eventTime"),
        }
    );
    assert_eq!(
        errors[1].to_string(),
        "input: line 3: missing field `eventTime`"
    );
    let array = format!("[{}, 5, {}]", trail_record("a", 1), trail_record("b", 2));
    let (found, errors) = ids(&array, Some(LogSource::CloudTrail));
    assert_eq!(found, vec!["a", "b"]);
    assert_eq!(errors[0].to_string(), "input: record 1: not a JSON object");
}

#[test]
fn a_syntax_error_names_its_place_but_quotes_none_of_the_input() {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
    let broken = format!("{{\"Records\": [{{\"secretAccessKey\": \"{secret}\" ,, }}]}}");
    let lines = format!("{{\"token\": \"{secret}\" oops}}\n");
    for text in [broken, lines] {
        let (_, errors) = ids(&text, Some(LogSource::CloudTrail));
        let shown = errors[0].to_string();
        assert!(
            shown.starts_with("input: not valid JSON at line 1, column "),
            "{shown}"
        );
        assert!(!shown.contains("KEY") && !shown.contains('\n'), "{shown}");
    }
}

#[test]
fn broken_documents_and_unknown_sources_are_reported_once() {
    let (found, errors) = ids("{\n  \"Records\": [\n    {\"eventID\": \n", None);
    assert!(found.is_empty());
    assert_eq!(errors.len(), 1);
    assert!(matches!(errors[0], NormaliseError::Syntax { .. }));
    let (_, errors) = ids(r#"{"hello": "world"}"#, None);
    assert_eq!(
        errors[0].to_string(),
        "input: record 0: cannot tell which log source the record comes from"
    );
    let (found, errors) = ids("  \n", None);
    assert!(found.is_empty() && errors.is_empty());
    let (_, errors) = ids(r#"{"Records": 5}"#, None);
    assert!(errors[0].to_string().contains("`Records` is not an array"));
}

#[test]
fn kubernetes_audit_comes_as_lines_or_an_event_list() {
    let event = |id: &str, stage: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","stage":"{stage}","verb":"list","user":{{"username":"system:serviceaccount:ci:runner"}},"objectRef":{{"resource":"secrets","namespace":"ci"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"2024-05-01T10:00:00Z"}}"#
        )
    };
    let lines = format!(
        "{}\n{}\n{}\n",
        event("a", "RequestReceived"),
        event("a", "ResponseComplete"),
        event("b", "ResponseComplete")
    );
    let list = format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{},{}]}}"#,
        event("a", "ResponseComplete"),
        event("b", "ResponseComplete")
    );
    for input in [&lines, &list] {
        let normalised = normalise("audit.log", input.as_bytes(), None);
        assert!(normalised.errors.is_empty(), "{:?}", normalised.errors);
        let records = &normalised.records;
        assert_eq!(
            records
                .iter()
                .map(|r| r.event.id.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "b"]
        );
        assert_eq!(records[0].event.source, "k8s-audit");
        assert_eq!(records[0].event.principal, "k8s:serviceaccount:ci/runner");
        assert_eq!(records[0].event.action, "list secrets");
        assert_eq!(records[0].event.resource.as_deref(), Some("ci"));
    }
}

#[test]
fn stratus_red_team_logs_normalise_without_loss() {
    let Some(stratus) = corpus("cloudtrail/stratus-red-team") else {
        return;
    };
    let mut total = 0;
    for log in files(&stratus, "json") {
        let bytes = std::fs::read(&log).expect("readable log");
        let normalised = normalise(&log.display().to_string(), &bytes, None);
        assert!(normalised.errors.is_empty(), "{:?}", normalised.errors);
        for record in &normalised.records {
            let event = &record.event;
            assert!(event.principal.starts_with("aws:"), "{}", event.principal);
            assert!(
                !record.raw.to_string().contains("IQoJb3JpZ2lu"),
                "session tokens are redacted"
            );
        }
        total += normalised.records.len();
    }
    assert_eq!(total, 310);
}

#[test]
fn falco_traces_normalise_and_the_malformed_one_is_named() {
    let Some(falco) = corpus("k8s-audit/falco/trace_files") else {
        return;
    };
    let (mut records, mut errors) = (0, Vec::new());
    for trace in files(&falco, "json") {
        let bytes = std::fs::read(&trace).expect("readable trace");
        let normalised = normalise(
            &trace.display().to_string(),
            &bytes,
            Some(LogSource::K8sAudit),
        );
        records += normalised.records.len();
        errors.extend(normalised.errors);
    }
    // 52 JSON values; one (`{"kind": 0}`) is not an audit event.
    assert_eq!(records, 51);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .to_string()
            .contains("fal_01_003.json: record 0: field `kind` is not a string"),
        "{}",
        errors[0]
    );
}
