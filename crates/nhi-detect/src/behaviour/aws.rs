//! Reading CloudTrail records for detectors: the API called (without Lambda's version suffix),
//! request and response fields, who the caller is, and the principals a policy document lets in.
//! Invariant: every reader returns `None` on a field that is absent or of another type.

use crate::normalise::fields::get;
use crate::normalise::{LogSource, Record};
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value, ValueRef};

/// Whether the record comes from CloudTrail.
pub(crate) fn is_cloudtrail(record: &Record) -> bool {
    record.source == LogSource::CloudTrail
}

/// `service:EventName` without the API-version suffix some services log
/// (`lambda:AddPermission20150331v2` is `lambda:AddPermission`).
pub(crate) fn api(action: &str) -> &str {
    if !action.ends_with(|c: char| c.is_ascii_digit()) {
        return action;
    }
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let unversioned = match action.rfind('v') {
        Some(at) if digits(&action[at + 1..]) => &action[..at],
        _ => action,
    };
    let cut = unversioned.len().saturating_sub(8);
    if !unversioned.is_char_boundary(cut) {
        return action;
    }
    let (name, date) = unversioned.split_at(cut);
    if digits(date) && date.len() == 8 && !name.ends_with(|c: char| c.is_ascii_digit()) {
        name
    } else {
        action
    }
}

/// The record's `requestParameters`.
pub(crate) fn params(record: &Record) -> Option<&Value> {
    get(&record.raw, "requestParameters")
}

/// A field of `requestParameters` (dotted path).
pub(crate) fn param<'a>(record: &'a Record, path: &str) -> Option<&'a Value> {
    get(params(record)?, path)
}

/// A string field of `requestParameters`.
pub(crate) fn param_str<'a>(record: &'a Record, path: &str) -> Option<&'a str> {
    param(record, path)?.as_str()
}

/// A field of `responseElements` (dotted path).
pub(crate) fn response<'a>(record: &'a Record, path: &str) -> Option<&'a Value> {
    get(get(&record.raw, "responseElements")?, path)
}

/// A string field anywhere in the record (dotted path).
pub(crate) fn raw_str<'a>(record: &'a Record, path: &str) -> Option<&'a str> {
    get(&record.raw, path)?.as_str()
}

/// The caller's IAM user name, when the caller is an IAM user.
pub(crate) fn caller_user_name(record: &Record) -> Option<&str> {
    (raw_str(record, "userIdentity.type")? == "IAMUser")
        .then(|| raw_str(record, "userIdentity.userName"))
        .flatten()
}

/// The role behind the caller's session, when the caller is an assumed role.
pub(crate) fn caller_role_name(record: &Record) -> Option<&str> {
    (raw_str(record, "userIdentity.type")? == "AssumedRole")
        .then(|| raw_str(record, "userIdentity.sessionContext.sessionIssuer.userName"))
        .flatten()
}

/// The account the caller belongs to.
pub(crate) fn own_account(record: &Record) -> Option<&str> {
    raw_str(record, "userIdentity.accountId").or_else(|| raw_str(record, "recipientAccountId"))
}

/// Whether `text` looks like an EC2 instance id.
pub(crate) fn is_instance_id(text: &str) -> bool {
    text.strip_prefix("i-").is_some_and(|rest| {
        (8..=17).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// An access key id shortened for summaries (`AKIA…MPLE`): enough to find it, not to copy it.
pub(crate) fn key_label(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 8 {
        return key.to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// The session name of an assumed-role caller (`.../assumed-role/<role>/<session>`).
pub(crate) fn session_name(record: &Record) -> Option<&str> {
    if !record.caller.assumed_role {
        return None;
    }
    let resource = raw_str(record, "userIdentity.arn")?.splitn(6, ':').nth(5)?;
    let role_and_session = resource.strip_prefix("assumed-role/")?;
    role_and_session.split_once('/').map(|(_, session)| session)
}

/// The EC2 instance whose role credentials the caller uses: EC2 names the session after the
/// instance (`i-0123456789abcdef0`).
pub(crate) fn instance_session(record: &Record) -> Option<&str> {
    session_name(record).filter(|session| is_instance_id(session))
}

/// The long-term access key (`AKIA...`) the call was signed with, if any (the normaliser made it
/// the event's credential).
pub(crate) fn long_term_key(record: &Record) -> Option<&str> {
    record
        .event
        .credential
        .as_deref()?
        .strip_prefix("aws-access-key:")
        .filter(|key| key.starts_with("AKIA"))
}

/// Whether an AWS service made the call on the caller's behalf (`invokedBy`, or a service name
/// where the source address would be): such calls say nothing about where a credential is.
pub(crate) fn via_aws_service(record: &Record) -> bool {
    record.caller.via_service
        || record.event.principal.starts_with("aws:service:")
        || record
            .event
            .source_ip
            .as_deref()
            .is_some_and(|ip| ip.ends_with(".amazonaws.com") || ip == "AWS Internal")
}

/// A policy document given as a JSON string (as CloudTrail logs them) or an object.
pub(crate) fn policy(value: &Value) -> Option<Value> {
    match value.as_ref() {
        ValueRef::String(text) => sonic_rs::from_str(text).ok(),
        ValueRef::Object(_) => Some(value.clone()),
        _ => None,
    }
}

/// Who an `Allow` statement of a resource or trust policy lets in from outside `own_account`:
/// `*` (anyone, when no condition narrows it) or the foreign account ids named.
pub(crate) fn foreign_principals(policy: &Value, own_account: Option<&str>) -> Vec<String> {
    let mut found = Vec::new();
    for statement in policy.get("Statement").map(one_or_many).unwrap_or_default() {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let conditioned = statement.get("Condition").is_some();
        let principals = match statement.get("Principal").map(Value::as_ref) {
            Some(ValueRef::String("*")) => vec!["*"],
            Some(ValueRef::Object(map)) => map
                .get(&"AWS")
                .map(|aws| strings(aws).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for principal in principals {
            let outsider = if principal == "*" {
                (!conditioned).then(|| "*".to_string())
            } else {
                account_of(principal)
                    .filter(|account| Some(*account) != own_account)
                    .map(str::to_string)
            };
            if let Some(outsider) = outsider {
                if !found.contains(&outsider) {
                    found.push(outsider);
                }
            }
        }
    }
    found
}

/// The account id in an ARN or a bare 12-digit id.
fn account_of(principal: &str) -> Option<&str> {
    let candidate = if principal.starts_with("arn:") {
        principal.split(':').nth(4)?
    } else {
        principal
    };
    (candidate.len() == 12 && candidate.bytes().all(|b| b.is_ascii_digit())).then_some(candidate)
}

/// The strings of a value that is a string or an array of strings.
pub(crate) fn strings(value: &Value) -> impl Iterator<Item = &str> {
    let items: Vec<&str> = match value.as_ref() {
        ValueRef::String(text) => vec![text],
        ValueRef::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    items.into_iter()
}

/// The items of an array, or the value itself when it is not one (policy statements, S3 delete
/// lists and other fields that may hold one item or a list).
pub(crate) fn one_or_many(value: &Value) -> Vec<&Value> {
    match value.as_array() {
        Some(items) => items.iter().collect(),
        None => vec![value],
    }
}

/// The `items` of a CloudTrail EC2-style list (`{"items": [...]}`), or a plain array.
pub(crate) fn items(value: Option<&Value>) -> &[Value] {
    let list = match value {
        Some(value) if value.is_object() => value.get("items"),
        other => other,
    };
    list.and_then(Value::as_array)
        .map_or(&[], |items| items.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonic_rs::json;

    #[test]
    fn api_version_suffixes_are_dropped() {
        assert_eq!(
            api("lambda:AddPermission20150331v2"),
            "lambda:AddPermission"
        );
        assert_eq!(
            api("lambda:CreateFunction20150331"),
            "lambda:CreateFunction"
        );
        assert_eq!(api("iam:CreateAccessKey"), "iam:CreateAccessKey");
        assert_eq!(api("s3:PutObject2"), "s3:PutObject2");
        assert_eq!(api("ec2:RunInstances"), "ec2:RunInstances");
        assert_eq!(api("lambda:Invoke"), "lambda:Invoke");
        assert_eq!(api("x:é1234567v1"), "x:é1234567v1");
    }

    #[test]
    fn foreign_principals_are_other_accounts_and_unconditioned_stars() {
        let trust = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}},
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::193672423079:root", "arn:aws:iam::111122223333:role/x"]}},
            {"Effect": "Allow", "Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
            {"Effect": "Deny", "Principal": "*"}
        ]});
        assert_eq!(
            foreign_principals(&trust, Some("111122223333")),
            vec!["193672423079"]
        );
        let open = json!({"Statement": {"Effect": "Allow", "Principal": "*"}});
        assert_eq!(foreign_principals(&open, Some("1")), vec!["*"]);
        let text = Value::copy_str(&open.to_string());
        assert_eq!(policy(&text), Some(open));
    }

    #[test]
    fn instance_ids_are_recognised() {
        assert!(is_instance_id("i-0123456789abcdef0"));
        assert!(is_instance_id("i-786a3A8B5C0d92eF4"));
        assert!(is_instance_id("i-95b86090"));
        assert!(!is_instance_id("i-1"));
        assert!(!is_instance_id("aws-go-sdk-1722375070115152000"));
    }
}
