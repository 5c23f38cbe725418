//! AWS CloudTrail records become events: the principal is an nhi identity id (`aws:role:<role
//! arn>` for assumed roles, `aws:user:<arn>`, `aws:root:<account>`, `aws:service:<service>`), the
//! action is `<service>:<eventName>` (e.g. `iam:CreateAccessKey`). Session secrets are redacted.

use super::fields::{as_str, get, parse_time, pick, redact};
use super::{CallerFacts, LogSource, Position, Record, RecordProblem};
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

/// The top-level fields a record is read from, in one pass.
const FIELDS: [&str; 12] = [
    "eventID",
    "eventTime",
    "userIdentity",
    "eventSource",
    "eventName",
    "errorCode",
    "sourceIPAddress",
    "userAgent",
    "resources",
    "requestParameters",
    "responseElements",
    "sessionCredentialFromConsole",
];

/// The `userIdentity` fields the principal is read from.
const IDENTITY: [&str; 7] = [
    "type",
    "arn",
    "accountId",
    "accessKeyId",
    "principalId",
    "invokedBy",
    "sessionContext",
];

/// One record of the source, or why it is skipped.
pub(super) fn record(input: &str, at: Position, mut raw: Value) -> Result<Record, RecordProblem> {
    if !raw.is_object() {
        return Err(RecordProblem::NotAnObject);
    }
    let [id, time, identity, service, name, error_code, ip, agent, resources, parameters, response, console] =
        pick(&raw, &FIELDS);
    let id = required(id, "eventID")?.to_string();
    let time = parse_time(required(time, "eventTime")?, "eventTime")?;
    let identity = Identity::read(identity)?;
    let event = Event {
        id,
        time,
        source: LogSource::CloudTrail.as_str().to_string(),
        principal: identity.principal()?,
        credential: as_str(identity.access_key, "userIdentity.accessKeyId")?
            .filter(|key| !key.is_empty())
            .map(|key| ["aws-access-key:", key].concat()),
        action: action(
            required(service, "eventSource")?,
            required(name, "eventName")?,
        ),
        resource: resource(resources, parameters),
        outcome: outcome(as_str(error_code, "errorCode")?, response),
        source_ip: as_str(ip, "sourceIPAddress")?.map(str::to_string),
        user_agent: as_str(agent, "userAgent")?.map(str::to_string),
        raw_ref: Some(at.raw_ref(input)),
    };
    let caller = CallerFacts {
        assumed_role: identity.kind == Some("AssumedRole"),
        via_service: identity.invoked_by.and_then(Value::as_str).is_some(),
        console_session: console.and_then(Value::as_str) == Some("true"),
    };
    if response.is_some() {
        for path in SECRET_PATHS {
            redact(&mut raw, path);
        }
    }
    Ok(Record {
        source: LogSource::CloudTrail,
        event,
        raw,
        caller,
    })
}

/// A picked field that must be a string.
fn required<'a>(found: Option<&'a Value>, path: &'static str) -> Result<&'a str, RecordProblem> {
    as_str(found, path)?.ok_or(RecordProblem::Missing(path))
}

/// The `userIdentity` fields that name the caller.
struct Identity<'a> {
    kind: Option<&'a str>,
    arn: Option<&'a str>,
    account: Option<&'a str>,
    /// Read (and type-checked) only where the principal's type needs them, as before picking.
    access_key: Option<&'a Value>,
    principal_id: Option<&'a Value>,
    invoked_by: Option<&'a Value>,
    session: Option<&'a Value>,
}

impl<'a> Identity<'a> {
    fn read(identity: Option<&'a Value>) -> Result<Self, RecordProblem> {
        let identity = identity.ok_or(RecordProblem::Missing("userIdentity"))?;
        if !identity.is_object() {
            return Err(RecordProblem::WrongType {
                field: "userIdentity",
                expected: "an object",
            });
        }
        let [kind, arn, account, access_key, principal_id, invoked_by, session] =
            pick(identity, &IDENTITY);
        Ok(Identity {
            arn: as_str(arn, "userIdentity.arn")?,
            account: as_str(account, "userIdentity.accountId")?,
            kind: as_str(kind, "userIdentity.type")?,
            access_key,
            principal_id,
            invoked_by,
            session,
        })
    }

    /// The acting identity's nhi id, by `userIdentity.type`.
    fn principal(&self) -> Result<String, RecordProblem> {
        let prefixed = |prefix: &str, text: &str| [prefix, text].concat();
        let principal = match self.kind {
            Some("AssumedRole") => prefixed("aws:role:", &self.assumed_role_arn()?),
            Some("IAMUser") => prefixed(
                "aws:user:",
                self.arn.ok_or(RecordProblem::Missing("userIdentity.arn"))?,
            ),
            Some("Root") => {
                let account = self
                    .account
                    .or_else(|| self.arn.and_then(|arn| arn.split(':').nth(4)))
                    .ok_or(RecordProblem::Missing("userIdentity.accountId"))?;
                prefixed("aws:root:", account)
            }
            Some("AWSService") => prefixed(
                "aws:service:",
                required(self.invoked_by, "userIdentity.invokedBy")?,
            ),
            Some("AWSAccount") => prefixed(
                "aws:account:",
                self.account
                    .ok_or(RecordProblem::Missing("userIdentity.accountId"))?,
            ),
            Some("FederatedUser") => prefixed(
                "aws:federated-user:",
                self.arn.ok_or(RecordProblem::Missing("userIdentity.arn"))?,
            ),
            _ => match (
                self.arn,
                as_str(self.principal_id, "userIdentity.principalId")?,
            ) {
                (Some(arn), _) => prefixed("aws:principal:", arn),
                (None, Some(id)) => prefixed("aws:principal:", id),
                (None, None) => return Err(RecordProblem::Missing("userIdentity.arn")),
            },
        };
        Ok(principal)
    }

    /// The role behind an assumed-role session: the session issuer's ARN (which keeps the
    /// role's path), else derived from `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`.
    fn assumed_role_arn(&self) -> Result<String, RecordProblem> {
        const ISSUER: &str = "userIdentity.sessionContext.sessionIssuer.arn";
        let issuer = self
            .session
            .and_then(|session| get(session, "sessionIssuer.arn"));
        if let Some(issuer) = as_str(issuer, ISSUER)? {
            return Ok(issuer.to_string());
        }
        let derived = self.arn.and_then(|arn| {
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let [_, partition, _, _, account, resource] = parts.as_slice() else {
                return None;
            };
            let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
            Some(format!("arn:{partition}:iam::{account}:role/{role}"))
        });
        derived.ok_or(RecordProblem::Missing(ISSUER))
    }
}

/// `<service>:<eventName>`, the service without `.amazonaws.com`.
fn action(service: &str, name: &str) -> String {
    let service = service.strip_suffix(".amazonaws.com").unwrap_or(service);
    [service, ":", name].concat()
}

/// Best effort: the first resource CloudTrail lists, else a request parameter that names one.
fn resource(resources: Option<&Value>, parameters: Option<&Value>) -> Option<String> {
    let listed = resources
        .and_then(Value::as_array)
        .and_then(|resources| resources.first())
        .and_then(|first| first.get("ARN"))
        .and_then(Value::as_str);
    let requested = || {
        pick(parameters?, &RESOURCE_PARAMETERS)
            .into_iter()
            .find_map(|found| found?.as_str())
    };
    listed.or_else(requested).map(str::to_string)
}

fn outcome(error_code: Option<&str>, response: Option<&Value>) -> Outcome {
    match error_code {
        Some(code) if DENIED_CODES.contains(&code) => Outcome::Denied,
        Some(_) => Outcome::Error,
        // Console sign-in failures carry no error code, only this response element.
        None if response
            .and_then(|response| response.get("ConsoleLogin"))
            .and_then(Value::as_str)
            == Some("Failure") =>
        {
            Outcome::Denied
        }
        None => Outcome::Success,
    }
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
    fn caller_facts_come_from_the_identity_and_the_console_flag() {
        let plain = one(assumed_role_call()).unwrap().caller;
        assert_eq!(
            plain,
            CallerFacts {
                assumed_role: true,
                ..CallerFacts::default()
            }
        );
        let mut raw = assumed_role_call();
        raw["userIdentity"]["type"] = json!("IAMUser");
        raw["userIdentity"]["invokedBy"] = json!("cloudformation.amazonaws.com");
        raw["sessionCredentialFromConsole"] = json!("true");
        let facts = one(raw).unwrap().caller;
        assert!(!facts.assumed_role && facts.via_service && facts.console_session);
        let mut raw = assumed_role_call();
        raw["userIdentity"]["invokedBy"] = json!(null);
        raw["sessionCredentialFromConsole"] = json!(true);
        let facts = one(raw).unwrap().caller;
        assert!(!facts.via_service && !facts.console_session);
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
