//! Log normalisers: the raw bytes of one log input become [`Record`]s, one module per log source.
//!
//! Invariant: never panics, whatever the bytes. A record that cannot be normalised is skipped with
//! a [`NormaliseError`] naming the input and the record's line or index; the rest goes on.
//! Secret values that some records carry (session tokens, Secret data) are redacted from `raw`.

mod azure_signin;
mod cloudtrail;
mod earliest;
pub(crate) mod fields;
mod gcp_audit;
mod github_audit;
mod k8s_audit;

pub use earliest::earliest_time;
use nhi_model::Event;
use sonic_rs::{JsonContainerTrait, JsonValueMutTrait, JsonValueTrait, Value};
use std::fmt;
use thiserror::Error;

/// The log sources nhi can normalise, and that Sigma rules are routed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogSource {
    /// AWS CloudTrail: delivery files, JSON arrays, JSON lines or single records.
    CloudTrail,
    /// Kubernetes API server audit log (`audit.k8s.io` `Event` objects or an `EventList`).
    K8sAudit,
    /// GCP Cloud Audit Logs (`LogEntry` objects with an `AuditLog` `protoPayload`).
    GcpAudit,
    /// Microsoft Entra ID sign-in logs (Graph `signIn` objects or diagnostic-settings exports).
    AzureSignIn,
    /// GitHub organisation or enterprise audit log entries.
    GitHubAudit,
}

impl LogSource {
    /// Every source, in a fixed order.
    pub const ALL: [LogSource; 5] = [
        LogSource::CloudTrail,
        LogSource::K8sAudit,
        LogSource::GcpAudit,
        LogSource::AzureSignIn,
        LogSource::GitHubAudit,
    ];

    /// The name used in [`Event::source`]: `cloudtrail`, `k8s-audit`, `gcp-audit`,
    /// `azure-signin` or `github-audit`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogSource::CloudTrail => "cloudtrail",
            LogSource::K8sAudit => "k8s-audit",
            LogSource::GcpAudit => "gcp-audit",
            LogSource::AzureSignIn => "azure-signin",
            LogSource::GitHubAudit => "github-audit",
        }
    }

    /// Guesses the source of one record (or container) from the fields it carries.
    fn sniff(value: &Value) -> Option<LogSource> {
        let object = value.as_object()?;
        let has = |key: &str| object.contains_key(&key);
        if has("Records") || has("eventSource") {
            return Some(LogSource::CloudTrail);
        }
        let kind = object.get(&"kind").and_then(Value::as_str);
        if has("auditID") || matches!(kind, Some("Event" | "EventList")) {
            return Some(LogSource::K8sAudit);
        }
        if has("protoPayload") {
            return Some(LogSource::GcpAudit);
        }
        let category = object.get(&"category").and_then(Value::as_str);
        let graph_sign_in = has("createdDateTime")
            && ["appId", "servicePrincipalId", "userPrincipalName"]
                .iter()
                .any(|field| has(field));
        if category.is_some_and(|category| azure_signin::CATEGORIES.contains(&category))
            || graph_sign_in
        {
            return Some(LogSource::AzureSignIn);
        }
        if has("action")
            && has("actor")
            && ["@timestamp", "created_at", "_document_id"]
                .iter()
                .any(|field| has(field))
        {
            return Some(LogSource::GitHubAudit);
        }
        None
    }
}

impl fmt::Display for LogSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One normalised audit record: nhi's [`Event`] and the raw JSON record that rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub source: LogSource,
    pub event: Event,
    /// The record as logged, with secret values redacted.
    pub raw: Value,
    /// What the normaliser read of the caller on its way, for the detectors.
    pub caller: CallerFacts,
}

/// Facts about a record's caller that a normaliser reads anyway (CloudTrail's; all false for
/// the other logs), so that detectors need not search the raw record for them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallerFacts {
    /// The caller is an assumed-role session (`userIdentity.type` is `AssumedRole`).
    pub assumed_role: bool,
    /// An AWS service made the call on the caller's behalf (`userIdentity.invokedBy`).
    pub via_service: bool,
    /// The call used the credentials of a console session (`sessionCredentialFromConsole`).
    pub console_session: bool,
}

/// What one input normalised to: the records in input order, and the records that were skipped.
#[derive(Debug, Default)]
pub struct Normalised {
    pub records: Vec<Record>,
    pub errors: Vec<NormaliseError>,
}

/// Where a record sits in its input: a 1-based line for JSON lines, a 0-based index inside a
/// JSON array, a CloudTrail `Records` list or a Kubernetes `EventList`, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    pub line: Option<usize>,
    pub index: Option<usize>,
}

impl Position {
    fn line(line: usize) -> Self {
        Position {
            line: Some(line),
            index: None,
        }
    }

    fn within(self, index: usize) -> Self {
        Position {
            index: Some(index),
            ..self
        }
    }

    /// `input:line`, `input#index` or `input:line#index`: the `raw_ref` of an [`Event`].
    fn raw_ref(self, input: &str) -> String {
        use std::fmt::Write;
        // One allocation: the input's name and up to two numbers of at most 20 digits each.
        let mut reference = String::with_capacity(input.len() + 42);
        reference.push_str(input);
        if let Some(line) = self.line {
            let _ = write!(reference, ":{line}");
        }
        if let Some(index) = self.index {
            let _ = write!(reference, "#{index}");
        }
        reference
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.index) {
            (Some(line), Some(index)) => write!(f, "line {line}, record {index}"),
            (Some(line), None) => write!(f, "line {line}"),
            (None, Some(index)) => write!(f, "record {index}"),
            (None, None) => f.write_str("the whole input"),
        }
    }
}

/// Why an input, or one record of it, was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NormaliseError {
    /// The input is neither one JSON document nor JSON lines.
    #[error("{input}: not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        input: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// One record was skipped.
    #[error("{input}: {at}: {problem}")]
    Record {
        input: String,
        at: Position,
        problem: RecordProblem,
    },
}

/// What is wrong with one record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordProblem {
    #[error("not a JSON object")]
    NotAnObject,
    #[error("missing field `{0}`")]
    Missing(&'static str),
    #[error("field `{field}` is not {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    #[error("field `{field}` is not an RFC 3339 time")]
    BadTime { field: &'static str },
    #[error("cannot tell which log source the record comes from")]
    UnknownSource,
}

/// Normalises one input (`input` names it in errors and in each event's `raw_ref`). With
/// `source` unset, the source is recognised from the first record that shows it.
pub fn normalise(input: &str, bytes: &[u8], source: Option<LogSource>) -> Normalised {
    let mut out = Normalised::default();
    let values = split_records(input, bytes, &mut out.errors);
    let Some(source) =
        source.or_else(|| values.iter().find_map(|(_, value)| LogSource::sniff(value)))
    else {
        if let Some((at, _)) = values.first() {
            out.errors
                .push(record_error(input, *at, RecordProblem::UnknownSource));
        }
        return out;
    };
    let mut problems = Vec::new();
    out.records = match source {
        LogSource::CloudTrail => each(input, values, &mut problems, cloudtrail::record),
        LogSource::K8sAudit => k8s_audit::normalise(input, values, &mut problems),
        LogSource::GcpAudit => each(input, values, &mut problems, gcp_audit::record),
        LogSource::AzureSignIn => each(input, values, &mut problems, azure_signin::record),
        LogSource::GitHubAudit => each(input, values, &mut problems, github_audit::record),
    };
    out.errors.extend(
        problems
            .into_iter()
            .map(|(at, problem)| record_error(input, at, problem)),
    );
    out
}

/// Normalises candidate records one by one with `record`, noting each skipped one's problem.
fn each(
    input: &str,
    values: Vec<(Position, Value)>,
    problems: &mut Vec<(Position, RecordProblem)>,
    record: fn(&str, Position, Value) -> Result<Record, RecordProblem>,
) -> Vec<Record> {
    values
        .into_iter()
        .filter_map(|(at, raw)| {
            record(input, at, raw)
                .map_err(|problem| problems.push((at, problem)))
                .ok()
        })
        .collect()
}

fn record_error(input: &str, at: Position, problem: RecordProblem) -> NormaliseError {
    NormaliseError::Record {
        input: input.to_string(),
        at,
        problem,
    }
}

/// Splits an input into candidate records: one JSON document (an object, an array, a CloudTrail
/// delivery file or an `EventList`) or, failing that, JSON lines.
fn split_records(
    input: &str,
    bytes: &[u8],
    errors: &mut Vec<NormaliseError>,
) -> Vec<(Position, Value)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let whole_error = match sonic_rs::from_slice::<Value>(bytes) {
        Ok(value) => return unwrap_container(Position::default(), value, true, input, errors),
        Err(error) => error,
    };
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.trim_ascii().is_empty())
        .peekable();
    let Some((_, first)) = lines.peek() else {
        return Vec::new();
    };
    if sonic_rs::from_slice::<Value>(first).is_err() {
        errors.push(syntax_error(input, &whole_error));
        return Vec::new();
    }
    let mut values = Vec::new();
    for (number, line) in lines {
        let at = Position::line(number + 1);
        match sonic_rs::from_slice::<Value>(line) {
            Ok(value) => values.extend(unwrap_container(at, value, false, input, errors)),
            Err(error) => errors.push(NormaliseError::Syntax {
                input: input.to_string(),
                line: number + 1,
                column: error.column(),
                message: syntax_message(&error),
            }),
        }
    }
    values
}

fn syntax_error(input: &str, error: &sonic_rs::Error) -> NormaliseError {
    NormaliseError::Syntax {
        input: input.to_string(),
        line: error.line(),
        column: error.column(),
        message: syntax_message(error),
    }
}

/// What went wrong, without the excerpt of the input sonic-rs quotes after its position: the
/// excerpt may hold a secret the record carries.
fn syntax_message(error: &sonic_rs::Error) -> String {
    let text = error.to_string();
    match text.split_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// Opens the containers a log may wrap records in: CloudTrail's `{"Records": [...]}`, a
/// Kubernetes `EventList`, an Azure diagnostic export's `{"records": [...]}`, a Microsoft Graph
/// page's `{"value": [...]}`, and (for a whole document) a plain JSON array.
fn unwrap_container(
    at: Position,
    value: Value,
    whole_document: bool,
    input: &str,
    errors: &mut Vec<NormaliseError>,
) -> Vec<(Position, Value)> {
    if value.is_array() {
        return positioned(at, value);
    }
    let Some(object) = value.as_object() else {
        return vec![(at, value)];
    };
    let field = if object.contains_key(&"Records") {
        "Records"
    } else if object.get(&"kind").and_then(Value::as_str) == Some("EventList") {
        "items"
    } else if object.get(&"records").is_some_and(Value::is_array) {
        "records"
    } else if object.get(&"value").is_some_and(Value::is_array) {
        "value"
    } else {
        let at = if whole_document { at.within(0) } else { at };
        return vec![(at, value)];
    };
    let mut value = value;
    match value.get_mut(field).map(Value::take) {
        Some(items) if items.is_array() => positioned(at, items),
        None => Vec::new(),
        Some(_) => {
            let problem = RecordProblem::WrongType {
                field,
                expected: "an array",
            };
            errors.push(record_error(input, at, problem));
            Vec::new()
        }
    }
}

/// The items of a JSON array, each at its index within `at`.
fn positioned(at: Position, array: Value) -> Vec<(Position, Value)> {
    let items = array.into_array().unwrap_or_default();
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| (at.within(index), item))
        .collect()
}
