//! AWS CloudTrail records become events: the principal is an nhi identity id (`aws:role:<role
//! arn>` for assumed roles, `aws:user:<arn>`, `aws:root:<account>`, `aws:service:<service>`), the
//! action is `<service>:<eventName>` (e.g. `iam:CreateAccessKey`). Session secrets are redacted.

use super::fields::{get, optional_str, redact, required_str, required_time};
use super::{LogSource, Position, Record, RecordProblem};
use nhi_model::{Event, Outcome};
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};

/// Error codes that mean the caller was not allowed to do what it tried.
const DENIED_CODES: [&str; 4] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
];

/// `requestParameters` keys that name the resource acted on, most specific first.
const RESOURCE_PARAMETERS: [&str; 20] = [
    "roleArn",
    "policyArn",
    "userName",
    "roleName",
    "groupName",
    "bucketName",
    "trailName",
    "name",
    "functionName",
    "secretId",
    "keyId",
    "instanceId",
    "snapshotId",
    "imageId",
    "groupId",
    "dBSnapshotIdentifier",
    "dBInstanceIdentifier",
    "clusterName",
    "resourceId",
    "target",
];

/// Where CloudTrail records carry secret material.
const SECRET_PATHS: [&str; 3] = [
    "responseElements.credentials.sessionToken",
    "responseElements.credentials.secretAccessKey",
    "responseElements.accessKey.secretAccessKey",
];

/// One record of the source, or why it is skipped.
pub(super) fn record(input: &str, at: Position, mut raw: Value) -> Result<Record, RecordProblem> {
    if !raw.is_object() {
        return Err(RecordProblem::NotAnObject);
    }
    let event = Event {
        id: required_str(&raw, "eventID")?.to_string(),
        time: required_time(&raw, "eventTime")?,
        source: LogSource::CloudTrail.as_str().to_string(),
        principal: principal(&raw)?,
        credential: optional_str(&raw, "userIdentity.accessKeyId")?
            .filter(|key| !key.is_empty())
            .map(|key| format!("aws-access-key:{key}")),
        action: action(&raw)?,
        resource: resource(&raw),
        outcome: outcome(&raw)?,
        source_ip: optional_str(&raw, "sourceIPAddress")?.map(str::to_string),
        user_agent: optional_str(&raw, "userAgent")?.map(str::to_string),
        raw_ref: Some(at.raw_ref(input)),
    };
    for path in SECRET_PATHS {
        redact(&mut raw, path);
    }
    Ok(Record {
        source: LogSource::CloudTrail,
        event,
        raw,
    })
}

/// The acting identity's nhi id, by `userIdentity.type`.
fn principal(raw: &Value) -> Result<String, RecordProblem> {
    match get(raw, "userIdentity") {
        None => return Err(RecordProblem::Missing("userIdentity")),
        Some(identity) if !identity.is_object() => {
            return Err(RecordProblem::WrongType {
                field: "userIdentity",
                expected: "an object",
            })
        }
        Some(_) => {}
    }
    let arn = optional_str(raw, "userIdentity.arn")?;
    let account = optional_str(raw, "userIdentity.accountId")?;
    let principal = match optional_str(raw, "userIdentity.type")? {
        Some("AssumedRole") => format!("aws:role:{}", assumed_role_arn(raw, arn)?),
        Some("IAMUser") => format!(
            "aws:user:{}",
            arn.ok_or(RecordProblem::Missing("userIdentity.arn"))?
        ),
        Some("Root") => {
            let account = account
                .or_else(|| arn.and_then(|arn| arn.split(':').nth(4)))
                .ok_or(RecordProblem::Missing("userIdentity.accountId"))?;
            format!("aws:root:{account}")
        }
        Some("AWSService") => {
            format!(
                "aws:service:{}",
                required_str(raw, "userIdentity.invokedBy")?
            )
        }
        Some("AWSAccount") => {
            format!(
                "aws:account:{}",
                required_str(raw, "userIdentity.accountId")?
            )
        }
        Some("FederatedUser") => {
            format!(
                "aws:federated-user:{}",
                arn.ok_or(RecordProblem::Missing("userIdentity.arn"))?
            )
        }
        _ => match (arn, optional_str(raw, "userIdentity.principalId")?) {
            (Some(arn), _) => format!("aws:principal:{arn}"),
            (None, Some(id)) => format!("aws:principal:{id}"),
            (None, None) => return Err(RecordProblem::Missing("userIdentity.arn")),
        },
    };
    Ok(principal)
}

/// The role behind an assumed-role session: the session issuer's ARN (which keeps the role's
/// path), else derived from `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`.
fn assumed_role_arn(raw: &Value, session_arn: Option<&str>) -> Result<String, RecordProblem> {
    const ISSUER: &str = "userIdentity.sessionContext.sessionIssuer.arn";
    if let Some(issuer) = optional_str(raw, ISSUER)? {
        return Ok(issuer.to_string());
    }
    let derived = session_arn.and_then(|arn| {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, partition, _, _, account, resource] = parts.as_slice() else {
            return None;
        };
        let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
        Some(format!("arn:{partition}:iam::{account}:role/{role}"))
    });
    derived.ok_or(RecordProblem::Missing(ISSUER))
}

fn action(raw: &Value) -> Result<String, RecordProblem> {
    let service = required_str(raw, "eventSource")?;
    let service = service.strip_suffix(".amazonaws.com").unwrap_or(service);
    Ok(format!("{service}:{}", required_str(raw, "eventName")?))
}

/// Best effort: the first resource CloudTrail lists, else a request parameter that names one.
fn resource(raw: &Value) -> Option<String> {
    let listed = get(raw, "resources")
        .and_then(Value::as_array)
        .and_then(|resources| resources.first())
        .and_then(|first| first.get("ARN"))
        .and_then(Value::as_str);
    let requested = || {
        let parameters = get(raw, "requestParameters")?;
        RESOURCE_PARAMETERS
            .iter()
            .find_map(|key| parameters.get(key).and_then(Value::as_str))
    };
    listed.or_else(requested).map(str::to_string)
}

fn outcome(raw: &Value) -> Result<Outcome, RecordProblem> {
    let outcome = match optional_str(raw, "errorCode")? {
        Some(code) if DENIED_CODES.contains(&code) => Outcome::Denied,
        Some(_) => Outcome::Error,
        // Console sign-in failures carry no error code, only this response element.
        None if get(raw, "responseElements.ConsoleLogin").and_then(Value::as_str)
            == Some("Failure") =>
        {
            Outcome::Denied
        }
        None => Outcome::Success,
    };
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonic_rs::{json, JsonValueMutTrait};

    fn one(raw: Value) -> Result<Record, RecordProblem> {
        record("trail.json", Position::default().within(0), raw)
    }

    fn assumed_role_call() -> Value {
        json!({
            "eventID": "e-1", "eventTime": "2024-07-30T21:31:21Z",
            "eventSource": "ec2.amazonaws.com", "eventName": "GetPasswordData",
            "errorCode": "Client.UnauthorizedOperation",
            "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2",
            "requestParameters": {"instanceId": "i-123"},
            "userIdentity": {
                "type": "AssumedRole", "accessKeyId": "ASIAEXAMPLE",
                "arn": "arn:aws:sts::111122223333:assumed-role/deploy/session-1",
                "sessionContext": {"sessionIssuer": {
                    "type": "Role", "arn": "arn:aws:iam::111122223333:role/ci/deploy"}}
            }
        })
    }

    #[test]
    fn assumed_role_call_maps_to_its_role_and_a_denied_outcome() {
        let record = one(assumed_role_call()).unwrap();
        let event = &record.event;
        assert_eq!(event.id, "e-1");
        assert_eq!(
            event.principal,
            "aws:role:arn:aws:iam::111122223333:role/ci/deploy"
        );
        assert_eq!(
            event.credential.as_deref(),
            Some("aws-access-key:ASIAEXAMPLE")
        );
        assert_eq!(event.action, "ec2:GetPasswordData");
        assert_eq!(event.resource.as_deref(), Some("i-123"));
        assert_eq!(event.outcome, Outcome::Denied);
        assert_eq!(event.source_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(event.raw_ref.as_deref(), Some("trail.json#0"));
    }

    #[test]
    fn role_is_derived_from_the_session_arn_without_a_session_issuer() {
        let mut raw = assumed_role_call();
        raw["userIdentity"]["sessionContext"] = json!({});
        let record = one(raw).unwrap();
        assert_eq!(
            record.event.principal,
            "aws:role:arn:aws:iam::111122223333:role/deploy"
        );
    }

    #[test]
    fn users_root_and_services_get_their_own_ids() {
        let base = |identity: Value| {
            let mut raw = assumed_role_call();
            raw["userIdentity"] = identity;
            raw.as_object_mut().unwrap().remove(&"errorCode");
            one(raw).unwrap().event
        };
        let user = base(json!({"type": "IAMUser", "arn": "arn:aws:iam::1:user/ci"}));
        assert_eq!(user.principal, "aws:user:arn:aws:iam::1:user/ci");
        assert_eq!(user.outcome, Outcome::Success);
        assert_eq!(user.credential, None);
        let root = base(json!({"type": "Root", "arn": "arn:aws:iam::123456789012:root"}));
        assert_eq!(root.principal, "aws:root:123456789012");
        let service = base(json!({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}));
        assert_eq!(service.principal, "aws:service:ec2.amazonaws.com");
    }

    #[test]
    fn other_error_codes_are_errors_and_failed_console_logins_are_denied() {
        let mut raw = assumed_role_call();
        raw["errorCode"] = json!("ThrottlingException");
        assert_eq!(one(raw.clone()).unwrap().event.outcome, Outcome::Error);
        raw.as_object_mut().unwrap().remove(&"errorCode");
        raw["responseElements"] = json!({"ConsoleLogin": "Failure"});
        assert_eq!(one(raw).unwrap().event.outcome, Outcome::Denied);
    }

    #[test]
    fn session_secrets_are_redacted_from_raw() {
        let mut raw = assumed_role_call();
        raw["responseElements"] =
            json!({"credentials": {"sessionToken": "IQoJ-secret", "accessKeyId": "ASIA2"}});
        let record = one(raw).unwrap();
        let text = record.raw.to_string();
        assert!(!text.contains("IQoJ-secret"));
        assert!(text.contains("ASIA2"));
    }

    #[test]
    fn missing_and_mistyped_fields_name_the_field() {
        let mut raw = assumed_role_call();
        raw.as_object_mut().unwrap().remove(&"eventID");
        assert_eq!(one(raw).unwrap_err(), RecordProblem::Missing("eventID"));
        let mut raw = assumed_role_call();
        raw["userAgent"] = json!(7);
        assert_eq!(
            one(raw).unwrap_err(),
            RecordProblem::WrongType {
                field: "userAgent",
                expected: "a string"
            }
        );
        assert_eq!(one(json!([1])).unwrap_err(), RecordProblem::NotAnObject);
    }
}
