//! Microsoft Entra ID sign-in logs become events: Graph `signIn` objects (`GET
//! /auditLogs/signIns`, one page `{"value": [...]}` or the objects alone) and diagnostic-settings
//! exports (`{"records": [...]}` whose items wrap the same object in `properties`), for service
//! principals, managed identities and users. The principal is
//! `azure:serviceprincipal:<appId>`, `azure:managedidentity:<servicePrincipalId>` or
//! `azure:user:<userPrincipalName>`, as the inventory names them; the credential is the client
//! secret or certificate (`azure-client-secret:<keyId>`, `azure-certificate:<keyId>`) when the
//! log names its key id. The action is `entra:SignIn`, the resource the one signed in to.

use super::fields::{get, optional_str, parse_time};
use super::{CallerFacts, LogSource, Position, Record, RecordProblem};
use nhi_model::{Event, Outcome, Timestamp};
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};

/// Error codes that mean a policy refused the sign-in rather than the credential failing:
/// Conditional Access blocks, and a disabled application or service principal.
const DENIED_CODES: [i64; 5] = [53003, 53000, 530003, 7000112, 500014];

/// Diagnostic-settings categories of the sign-in logs.
pub(super) const CATEGORIES: [&str; 4] = [
    "SignInLogs",
    "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs",
];

/// A field of the sign-in: inside `properties` for a diagnostic export, else at the top.
fn field<'a>(raw: &'a Value, path: &'static str) -> Result<Option<&'a str>, RecordProblem> {
    match get(raw, "properties").filter(|properties| properties.is_object()) {
        Some(properties) => optional_str(properties, path),
        None => optional_str(raw, path),
    }
}

fn number(raw: &Value, path: &str) -> Option<i64> {
    let sign_in = get(raw, "properties").unwrap_or(raw);
    let value = get(sign_in, path)?;
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
}

/// One record of the source, or why it is skipped.
pub(super) fn record(input: &str, at: Position, raw: Value) -> Result<Record, RecordProblem> {
    if !raw.is_object() {
        return Err(RecordProblem::NotAnObject);
    }
    let id = match field(&raw, "id")? {
        Some(id) => id,
        None => optional_str(&raw, "correlationId")?.ok_or(RecordProblem::Missing("id"))?,
    };
    let event = Event {
        id: id.to_string(),
        time: time(&raw)?,
        source: LogSource::AzureSignIn.as_str().to_string(),
        principal: principal(&raw)?,
        credential: credential(&raw)?,
        action: "entra:SignIn".to_string(),
        resource: match field(&raw, "resourceDisplayName")? {
            Some(name) => Some(name.to_string()),
            None => field(&raw, "resourceId")?.map(str::to_string),
        },
        outcome: outcome(&raw),
        source_ip: match field(&raw, "ipAddress")? {
            Some(ip) => Some(ip.to_string()),
            None => optional_str(&raw, "callerIpAddress")?.map(str::to_string),
        },
        user_agent: field(&raw, "userAgent")?.map(str::to_string),
        raw_ref: Some(at.raw_ref(input)),
    };
    Ok(Record {
        source: LogSource::AzureSignIn,
        event,
        raw,
        caller: CallerFacts::default(),
    })
}

fn time(raw: &Value) -> Result<Timestamp, RecordProblem> {
    if let Some(text) = field(raw, "createdDateTime")? {
        return parse_time(text, "createdDateTime");
    }
    match optional_str(raw, "time")? {
        Some(text) => parse_time(text, "time"),
        None => Err(RecordProblem::Missing("createdDateTime")),
    }
}

/// Managed identities by their object id, other service principals by application id, users by
/// sign-in name.
fn principal(raw: &Value) -> Result<String, RecordProblem> {
    let category = optional_str(raw, "category")?;
    let managed = category == Some("ManagedIdentitySignInLogs")
        || signin_types(raw).any(|kind| kind.eq_ignore_ascii_case("managedIdentity"));
    let service_principal = category == Some("ServicePrincipalSignInLogs")
        || signin_types(raw).any(|kind| kind.eq_ignore_ascii_case("servicePrincipal"));
    let user = field(raw, "userPrincipalName")?.filter(|name| !name.is_empty());
    if managed {
        if let Some(object) = field(raw, "servicePrincipalId")? {
            return Ok(format!(
                "azure:managedidentity:{}",
                object.to_ascii_lowercase()
            ));
        }
    }
    if service_principal || user.is_none() {
        if let Some(app) = field(raw, "appId")? {
            return Ok(format!(
                "azure:serviceprincipal:{}",
                app.to_ascii_lowercase()
            ));
        }
    }
    user.map(|name| format!("azure:user:{}", name.to_ascii_lowercase()))
        .ok_or(RecordProblem::Missing("appId"))
}

fn signin_types(raw: &Value) -> impl Iterator<Item = &str> {
    let sign_in = get(raw, "properties").unwrap_or(raw);
    get(sign_in, "signInEventTypes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The key the service principal authenticated with, named as the inventory names it.
fn credential(raw: &Value) -> Result<Option<String>, RecordProblem> {
    let Some(key) = field(raw, "servicePrincipalCredentialKeyId")?.filter(|key| !key.is_empty())
    else {
        return Ok(None);
    };
    let family = match field(raw, "clientCredentialType")? {
        Some(kind) if kind.eq_ignore_ascii_case("clientSecret") => "azure-client-secret",
        Some(kind)
            if kind.eq_ignore_ascii_case("certificate")
                || kind.eq_ignore_ascii_case("clientAssertion") =>
        {
            "azure-certificate"
        }
        _ if field(raw, "servicePrincipalCredentialThumbprint")?.is_some_and(|t| !t.is_empty()) => {
            "azure-certificate"
        }
        _ => "azure-client-secret",
    };
    Ok(Some(format!("{family}:{}", key.to_ascii_lowercase())))
}

fn outcome(raw: &Value) -> Outcome {
    match number(raw, "status.errorCode").or_else(|| number(raw, "resultType")) {
        Some(0) => Outcome::Success,
        Some(code) if DENIED_CODES.contains(&code) => Outcome::Denied,
        Some(_) => Outcome::Error,
        None => Outcome::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonic_rs::json;

    fn graph() -> Value {
        json!({
            "id": "66ea54eb-6301-4ee5-be62-ff5a759b8100",
            "createdDateTime": "2024-05-01T10:00:00Z",
            "appId": "1B2C3D4E-0000-0000-0000-000000000001",
            "appDisplayName": "billing-sync",
            "servicePrincipalId": "aaaa0000-0000-0000-0000-000000000001",
            "servicePrincipalCredentialKeyId": "C0FFEE00-0000-0000-0000-000000000001",
            "clientCredentialType": "clientSecret",
            "ipAddress": "203.0.113.7",
            "resourceDisplayName": "Microsoft Graph",
            "signInEventTypes": ["servicePrincipal"],
            "status": {"errorCode": 0}
        })
    }

    #[test]
    fn a_service_principal_sign_in_names_the_app_and_its_secret() {
        let event = record("s.json", Position::default(), graph())
            .unwrap()
            .event;
        assert_eq!(event.source, "azure-signin");
        assert_eq!(
            event.principal,
            "azure:serviceprincipal:1b2c3d4e-0000-0000-0000-000000000001"
        );
        assert_eq!(
            event.credential.as_deref(),
            Some("azure-client-secret:c0ffee00-0000-0000-0000-000000000001")
        );
        assert_eq!(event.resource.as_deref(), Some("Microsoft Graph"));
        assert_eq!(
            (event.action.as_str(), event.outcome),
            ("entra:SignIn", Outcome::Success)
        );
        assert_eq!(event.source_ip.as_deref(), Some("203.0.113.7"));
    }

    #[test]
    fn diagnostic_exports_managed_identities_users_and_failures() {
        let mut inner = graph();
        inner["status"] = json!({"errorCode": 7000215, "failureReason": "Invalid client secret"});
        inner["clientCredentialType"] = json!("certificate");
        let wrapped = json!({
            "time": "2024-05-01T10:00:05Z", "category": "ServicePrincipalSignInLogs",
            "callerIpAddress": "203.0.113.8", "properties": inner
        });
        let event = record("d.json", Position::default(), wrapped)
            .unwrap()
            .event;
        assert_eq!(event.outcome, Outcome::Error);
        assert!(event.credential.unwrap().starts_with("azure-certificate:"));

        let managed = json!({
            "id": "m1", "createdDateTime": "2024-05-01T10:00:00Z", "appId": "x",
            "servicePrincipalId": "BBBB0000-0000-0000-0000-000000000002",
            "signInEventTypes": ["managedIdentity"], "status": {"errorCode": 53003}
        });
        let event = record("m", Position::default(), managed).unwrap().event;
        assert_eq!(
            event.principal,
            "azure:managedidentity:bbbb0000-0000-0000-0000-000000000002"
        );
        assert_eq!(event.outcome, Outcome::Denied);

        let user = json!({
            "id": "u1", "createdDateTime": "2024-05-01T10:00:00Z", "appId": "app",
            "userPrincipalName": "Ops@Example.com", "signInEventTypes": ["interactiveUser"],
            "userAgent": "Mozilla/5.0", "status": {"errorCode": 0}
        });
        let event = record("u", Position::default(), user).unwrap().event;
        assert_eq!(event.principal, "azure:user:ops@example.com");
        assert_eq!(event.user_agent.as_deref(), Some("Mozilla/5.0"));

        let nobody = json!({"id": "n", "createdDateTime": "2024-05-01T10:00:00Z"});
        assert_eq!(
            record("n", Position::default(), nobody).unwrap_err(),
            RecordProblem::Missing("appId")
        );
    }
}
