//! GCP Cloud Audit Logs (`LogEntry` objects whose `protoPayload` is an `AuditLog`, as
//! `gcloud logging read --format=json` prints them or a log sink exports them) become events: the
//! principal is `gcp:serviceaccount:<email>` for service accounts, else `gcp:user:<email>`; the
//! action is `<service>:<methodName>` (`iam:google.iam.admin.v1.CreateServiceAccountKey`); the
//! credential is the service-account key the caller authenticated with, when the log names it.
//! Private key material a response may carry is redacted.

use super::fields::{get, optional_str, redact, required_str, required_time};
use super::{CallerFacts, LogSource, Position, Record, RecordProblem};
use nhi_model::{Event, Outcome};
use sonic_rs::{JsonValueTrait, Value};

/// `google.rpc.Code` values that mean the caller was not allowed: PERMISSION_DENIED and
/// UNAUTHENTICATED.
const DENIED_CODES: [i64; 2] = [7, 16];

/// Where audit entries carry secret material (the key a `CreateServiceAccountKey` returns).
const SECRET_PATHS: [&str; 2] = [
    "protoPayload.response.privateKeyData",
    "protoPayload.response.private_key_data",
];

/// One record of the source, or why it is skipped.
pub(super) fn record(input: &str, at: Position, mut raw: Value) -> Result<Record, RecordProblem> {
    if !raw.is_object() {
        return Err(RecordProblem::NotAnObject);
    }
    if !get(&raw, "protoPayload").is_some_and(Value::is_object) {
        return Err(RecordProblem::Missing("protoPayload"));
    }
    let event = Event {
        id: required_str(&raw, "insertId")?.to_string(),
        time: required_time(&raw, "timestamp")?,
        source: LogSource::GcpAudit.as_str().to_string(),
        principal: principal(&raw)?,
        credential: credential(&raw)?,
        action: action(&raw)?,
        resource: optional_str(&raw, "protoPayload.resourceName")?.map(str::to_string),
        outcome: outcome(&raw),
        source_ip: optional_str(&raw, "protoPayload.requestMetadata.callerIp")?.map(str::to_string),
        user_agent: optional_str(&raw, "protoPayload.requestMetadata.callerSuppliedUserAgent")?
            .map(str::to_string),
        raw_ref: Some(at.raw_ref(input)),
    };
    for path in SECRET_PATHS {
        redact(&mut raw, path);
    }
    Ok(Record {
        source: LogSource::GcpAudit,
        event,
        raw,
        caller: CallerFacts::default(),
    })
}

/// The caller: `principalEmail`, else the `principalSubject` (`serviceAccount:<email>`,
/// `user:<email>`); a request with neither came from an unauthenticated caller.
fn principal(raw: &Value) -> Result<String, RecordProblem> {
    const EMAIL: &str = "protoPayload.authenticationInfo.principalEmail";
    const SUBJECT: &str = "protoPayload.authenticationInfo.principalSubject";
    let email = match optional_str(raw, EMAIL)? {
        Some(email) => Some(email),
        None => optional_str(raw, SUBJECT)?
            .map(|subject| subject.split_once(':').map_or(subject, |(_, email)| email)),
    };
    Ok(match email.map(str::to_ascii_lowercase) {
        Some(email) if email.ends_with(".gserviceaccount.com") => {
            format!("gcp:serviceaccount:{email}")
        }
        Some(email) => format!("gcp:user:{email}"),
        None => "gcp:anonymous".to_string(),
    })
}

/// `gcp-sa-key:<key id>` from `serviceAccountKeyName`
/// (`//iam.googleapis.com/projects/<p>/serviceAccounts/<email>/keys/<key id>`), as the
/// inventory names service-account keys.
fn credential(raw: &Value) -> Result<Option<String>, RecordProblem> {
    let name = optional_str(raw, "protoPayload.authenticationInfo.serviceAccountKeyName")?;
    Ok(name
        .and_then(|name| name.rsplit_once("/keys/"))
        .map(|(_, key)| key)
        .filter(|key| !key.is_empty())
        .map(|key| format!("gcp-sa-key:{}", key.to_ascii_lowercase())))
}

fn action(raw: &Value) -> Result<String, RecordProblem> {
    let service = required_str(raw, "protoPayload.serviceName")?;
    let service = service.strip_suffix(".googleapis.com").unwrap_or(service);
    Ok(format!(
        "{service}:{}",
        required_str(raw, "protoPayload.methodName")?
    ))
}

fn outcome(raw: &Value) -> Outcome {
    match get(raw, "protoPayload.status.code").and_then(Value::as_i64) {
        None | Some(0) => Outcome::Success,
        Some(code) if DENIED_CODES.contains(&code) => Outcome::Denied,
        Some(_) => Outcome::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonic_rs::json;

    fn entry() -> Value {
        json!({
            "insertId": "1a2b3c",
            "logName": "projects/shop/logs/cloudaudit.googleapis.com%2Factivity",
            "timestamp": "2024-05-01T10:00:00.123456Z",
            "protoPayload": {
                "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "serviceName": "iam.googleapis.com",
                "methodName": "google.iam.admin.v1.CreateServiceAccountKey",
                "resourceName": "projects/-/serviceAccounts/123",
                "authenticationInfo": {
                    "principalEmail": "CI@shop.iam.gserviceaccount.com",
                    "serviceAccountKeyName": "//iam.googleapis.com/projects/shop/serviceAccounts/ci@shop.iam.gserviceaccount.com/keys/ABC123"
                },
                "requestMetadata": {"callerIp": "203.0.113.9", "callerSuppliedUserAgent": "google-api-go-client/0.5"},
                "response": {"privateKeyData": "ewogICJ0eXBlIjog"}
            }
        })
    }

    #[test]
    fn an_audit_entry_becomes_an_event_with_its_key_and_no_secret() {
        let record = record("audit.json", Position::line(1), entry()).unwrap();
        let event = &record.event;
        assert_eq!(event.id, "1a2b3c");
        assert_eq!(event.source, "gcp-audit");
        assert_eq!(
            event.principal,
            "gcp:serviceaccount:ci@shop.iam.gserviceaccount.com"
        );
        assert_eq!(event.credential.as_deref(), Some("gcp-sa-key:abc123"));
        assert_eq!(
            event.action,
            "iam:google.iam.admin.v1.CreateServiceAccountKey"
        );
        assert_eq!(event.outcome, Outcome::Success);
        assert_eq!(event.source_ip.as_deref(), Some("203.0.113.9"));
        assert!(!record.raw.to_string().contains("ewogICJ0eXBlIjog"));
    }

    #[test]
    fn denied_calls_users_and_anonymous_callers() {
        let mut raw = entry();
        raw["protoPayload"]["status"] = json!({"code": 7, "message": "PERMISSION_DENIED"});
        raw["protoPayload"]["authenticationInfo"] =
            json!({"principalSubject": "user:Ops@example.com"});
        let event = record("a", Position::line(1), raw.clone()).unwrap().event;
        assert_eq!(event.outcome, Outcome::Denied);
        assert_eq!(event.principal, "gcp:user:ops@example.com");
        assert_eq!(event.credential, None);
        raw["protoPayload"]["authenticationInfo"] = json!({});
        raw["protoPayload"]["status"] = json!({"code": 5});
        let event = record("a", Position::line(1), raw.clone()).unwrap().event;
        assert_eq!(
            (event.principal.as_str(), event.outcome),
            ("gcp:anonymous", Outcome::Error)
        );
        raw["protoPayload"] = json!("text");
        assert_eq!(
            record("a", Position::line(1), raw).unwrap_err(),
            RecordProblem::Missing("protoPayload")
        );
    }
}
