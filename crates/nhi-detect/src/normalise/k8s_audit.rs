//! Kubernetes audit `Event`s (`audit.k8s.io/v1` or `v1beta1`) become events. One request is logged
//! once per stage under one `auditID`: only the most complete stage is kept (ResponseComplete or
//! Panic > ResponseStarted > RequestReceived), at the position of the first. Secret data is redacted.

use super::fields::{get, get_mut, optional_str, parse_time, required_str, REDACTED};
use super::{CallerFacts, LogSource, Position, Record, RecordProblem};
use foldhash::{HashMap, HashMapExt};
use nhi_model::{Event, Outcome};
use sonic_rs::{JsonValueMutTrait, JsonValueTrait, Value, ValueRef};

/// Where the API server records the credential a request authenticated with.
const CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";

/// Time fields in order of preference: the request's own arrival time is the same in every stage.
const TIME_FIELDS: [&str; 4] = [
    "requestReceivedTimestamp",
    "stageTimestamp",
    "timestamp",
    "metadata.creationTimestamp",
];

/// Parts of a Secret's request and response objects that hold its values.
const SECRET_DATA: [&str; 4] = [
    "requestObject.data",
    "requestObject.stringData",
    "responseObject.data",
    "responseObject.stringData",
];

/// Annotation in which `kubectl apply` copies a whole object, Secret values included.
const LAST_APPLIED_KEY: &str = "kubectl.kubernetes.io/last-applied-configuration";
const LAST_APPLIED: [&str; 2] = [
    "requestObject.metadata.annotations",
    "responseObject.metadata.annotations",
];

pub(super) fn normalise(
    input: &str,
    values: Vec<(Position, Value)>,
    problems: &mut Vec<(Position, RecordProblem)>,
) -> Vec<Record> {
    let mut kept: Vec<(Record, u8)> = Vec::new();
    let mut slot_of: HashMap<String, usize> = HashMap::new();
    for (at, raw) in values {
        let (record, rank) = match record(input, at, raw) {
            Ok(parsed) => parsed,
            Err(problem) => {
                problems.push((at, problem));
                continue;
            }
        };
        match slot_of.get(&record.event.id) {
            Some(&slot) if rank > kept[slot].1 => kept[slot] = (record, rank),
            Some(_) => {}
            None => {
                slot_of.insert(record.event.id.clone(), kept.len());
                kept.push((record, rank));
            }
        }
    }
    kept.into_iter().map(|(record, _)| record).collect()
}

/// One audit event and the completeness rank of its stage.
fn record(input: &str, at: Position, mut raw: Value) -> Result<(Record, u8), RecordProblem> {
    if !raw.is_object() {
        return Err(RecordProblem::NotAnObject);
    }
    if let Some(kind) = optional_str(&raw, "kind")? {
        if kind != "Event" {
            return Err(RecordProblem::WrongType {
                field: "kind",
                expected: "\"Event\"",
            });
        }
    }
    let rank = match optional_str(&raw, "stage")? {
        Some("ResponseComplete" | "Panic") => 3,
        Some("ResponseStarted") => 2,
        Some("RequestReceived") => 1,
        _ => 0,
    };
    let verb = required_str(&raw, "verb")?;
    let event = Event {
        id: required_str(&raw, "auditID")?.to_string(),
        time: time(&raw)?,
        source: LogSource::K8sAudit.as_str().to_string(),
        principal: principal(required_str(&raw, "user.username")?),
        credential: credential(&raw),
        action: action(&raw, verb)?,
        resource: resource(&raw)?,
        outcome: outcome(&raw)?,
        source_ip: source_ip(&raw)?,
        user_agent: optional_str(&raw, "userAgent")?.map(str::to_string),
        raw_ref: Some(at.raw_ref(input)),
    };
    if optional_str(&raw, "objectRef.resource")? == Some("secrets") {
        redact_secret(&mut raw);
    }
    Ok((
        Record {
            source: LogSource::K8sAudit,
            event,
            raw,
            caller: CallerFacts::default(),
        },
        rank,
    ))
}

fn time(raw: &Value) -> Result<nhi_model::Timestamp, RecordProblem> {
    for field in TIME_FIELDS {
        if let Some(text) = optional_str(raw, field)? {
            return parse_time(text, field);
        }
    }
    Err(RecordProblem::Missing(TIME_FIELDS[0]))
}

/// `k8s:serviceaccount:<ns>/<name>` for service-account tokens, else `k8s:user:<name>`.
fn principal(username: &str) -> String {
    let service_account = username
        .strip_prefix("system:serviceaccount:")
        .and_then(|rest| rest.split_once(':'));
    match service_account {
        Some((namespace, name)) => format!("k8s:serviceaccount:{namespace}/{name}"),
        None => format!("k8s:user:{username}"),
    }
}

fn credential(raw: &Value) -> Option<String> {
    let id = match get(raw, "user.extra")?.get(CREDENTIAL_ID)?.as_ref() {
        ValueRef::Array(ids) => ids.first()?.as_str()?,
        ValueRef::String(id) => id,
        _ => return None,
    };
    Some(format!("k8s-credential:{id}"))
}

/// `<verb> <resource>[/<subresource>]`, or `<verb> <requestURI>` for non-resource requests.
fn action(raw: &Value, verb: &str) -> Result<String, RecordProblem> {
    let target = match optional_str(raw, "objectRef.resource")? {
        Some(resource) => match optional_str(raw, "objectRef.subresource")? {
            Some(sub) => format!("{resource}/{sub}"),
            None => resource.to_string(),
        },
        None => match optional_str(raw, "requestURI")? {
            Some(uri) => uri.to_string(),
            None => return Ok(verb.to_string()),
        },
    };
    Ok(format!("{verb} {target}"))
}

/// `<namespace>/<name>`, or whichever of the two the request names.
fn resource(raw: &Value) -> Result<Option<String>, RecordProblem> {
    let namespace = optional_str(raw, "objectRef.namespace")?;
    let name = optional_str(raw, "objectRef.name")?;
    Ok(match (namespace, name) {
        (Some(namespace), Some(name)) => Some(format!("{namespace}/{name}")),
        (one, other) => one.or(other).map(str::to_string),
    })
}

fn outcome(raw: &Value) -> Result<Outcome, RecordProblem> {
    let Some(code) = get(raw, "responseStatus.code") else {
        return Ok(Outcome::Unknown);
    };
    let code = code.as_i64().ok_or(RecordProblem::WrongType {
        field: "responseStatus.code",
        expected: "an integer",
    })?;
    Ok(match code {
        401 | 403 => Outcome::Denied,
        400.. => Outcome::Error,
        _ => Outcome::Success,
    })
}

fn source_ip(raw: &Value) -> Result<Option<String>, RecordProblem> {
    match get(raw, "sourceIPs").map(Value::as_ref) {
        None => Ok(None),
        Some(ValueRef::Array(ips)) => Ok(ips.first().and_then(Value::as_str).map(str::to_string)),
        Some(_) => Err(RecordProblem::WrongType {
            field: "sourceIPs",
            expected: "an array",
        }),
    }
}

/// Blanks every value of a Secret (keys stay: rules may look at them).
fn redact_secret(raw: &mut Value) {
    for path in SECRET_DATA {
        if let Some(entries) = get_mut(raw, path).and_then(Value::as_object_mut) {
            entries
                .iter_mut()
                .for_each(|(_, value)| *value = Value::from_static_str(REDACTED));
        }
    }
    for annotations in LAST_APPLIED {
        if get(raw, annotations)
            .and_then(|found| found.get(LAST_APPLIED_KEY))
            .is_none()
        {
            continue;
        }
        if let Some(annotations) = get_mut(raw, annotations).and_then(Value::as_object_mut) {
            if let Some(applied) = annotations.get_mut(&LAST_APPLIED_KEY) {
                *applied = Value::from_static_str(REDACTED);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonic_rs::{json, JsonValueMutTrait};

    fn exec_request(stage: &str) -> Value {
        json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "a-1", "stage": stage,
            "verb": "create", "requestURI": "/api/v1/namespaces/prod/pods/web/exec",
            "user": {"username": "system:serviceaccount:prod:builder",
                     "extra": {CREDENTIAL_ID: ["JTI=1234"]}},
            "sourceIPs": ["10.0.0.9"], "userAgent": "kubectl/v1.29",
            "objectRef": {"resource": "pods", "subresource": "exec", "namespace": "prod", "name": "web"},
            "responseStatus": {"code": 101},
            "requestReceivedTimestamp": "2024-05-01T10:00:00.000001Z"
        })
    }

    fn run(values: Vec<Value>) -> (Vec<Record>, Vec<(Position, RecordProblem)>) {
        let mut problems = Vec::new();
        let positioned = values
            .into_iter()
            .enumerate()
            .map(|(line, value)| (Position::line(line + 1), value))
            .collect();
        (normalise("audit.log", positioned, &mut problems), problems)
    }

    #[test]
    fn exec_by_a_service_account_maps_every_field() {
        let (records, problems) = run(vec![exec_request("ResponseStarted")]);
        assert!(problems.is_empty());
        let event = &records[0].event;
        assert_eq!(event.principal, "k8s:serviceaccount:prod/builder");
        assert_eq!(event.action, "create pods/exec");
        assert_eq!(event.resource.as_deref(), Some("prod/web"));
        assert_eq!(event.outcome, Outcome::Success);
        assert_eq!(event.credential.as_deref(), Some("k8s-credential:JTI=1234"));
        assert_eq!(event.source_ip.as_deref(), Some("10.0.0.9"));
        assert_eq!(event.raw_ref.as_deref(), Some("audit.log:1"));
    }

    #[test]
    fn stages_of_one_request_collapse_into_the_most_complete() {
        let mut complete = exec_request("ResponseComplete");
        complete["responseStatus"]["code"] = json!(403);
        let (records, _) = run(vec![
            exec_request("RequestReceived"),
            complete,
            exec_request("ResponseStarted"),
        ]);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].event.outcome, Outcome::Denied);
        assert_eq!(records[0].event.raw_ref.as_deref(), Some("audit.log:2"));
    }

    #[test]
    fn users_non_resource_requests_and_missing_status() {
        let raw = json!({"auditID": "b", "verb": "get", "requestURI": "/healthz",
            "user": {"username": "minikube-user"}, "timestamp": "2018-10-25T13:58:49Z"});
        let (records, _) = run(vec![raw]);
        let event = &records[0].event;
        assert_eq!(event.principal, "k8s:user:minikube-user");
        assert_eq!(event.action, "get /healthz");
        assert_eq!(event.resource, None);
        assert_eq!(event.outcome, Outcome::Unknown);
    }

    #[test]
    fn secret_values_are_redacted() {
        let mut raw = exec_request("ResponseComplete");
        raw["objectRef"] = json!({"resource": "secrets", "namespace": "prod", "name": "db"});
        raw["requestObject"] = json!({"kind": "Secret", "data": {"password": "aHVudGVyMg=="},
            "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}}});
        let (records, _) = run(vec![raw]);
        let text = records[0].raw.to_string();
        assert!(!text.contains("aHVudGVyMg=="), "{text}");
        assert!(text.contains("\"password\""));
    }

    #[test]
    fn malformed_events_are_skipped_with_the_field_named() {
        let mut no_user = exec_request("ResponseComplete");
        no_user.as_object_mut().unwrap().remove(&"user");
        let mut bad_code = exec_request("ResponseComplete");
        bad_code["responseStatus"]["code"] = json!("OK");
        let (records, problems) = run(vec![json!({"kind": 0}), no_user, bad_code]);
        assert!(records.is_empty());
        assert_eq!(
            problems[0].1,
            RecordProblem::WrongType {
                field: "kind",
                expected: "a string"
            }
        );
        assert_eq!(problems[1].1, RecordProblem::Missing("user.username"));
        assert_eq!(problems[2].0, Position::line(3));
    }
}
