//! Evaluating compiled entries against one raw record. A field may resolve to several values
//! (arrays, several mapped paths) and to objects; a value matches when any scalar inside matches.
//! Typed comparison: numbers equal numbers or strings that read as them; strings compare with the
//! text form of numbers and booleans, case-insensitively unless `cased`.

use super::fieldmap::FieldPath;
use super::modifiers::{CompiledItem, Predicate, RefMatch, TimePart};
use super::pattern::fold_text;
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use sonic_rs::{JsonNumberTrait, JsonValueTrait, Value, ValueRef};
use std::borrow::Cow;
use std::net::IpAddr;

/// Whether one `field|modifiers: values` entry holds for the record. `found` is scratch space
/// for the values the field resolves to, kept by the caller so that a record's items share one
/// allocation.
pub(crate) fn item_matches<'v>(
    item: &CompiledItem,
    raw: &'v Value,
    found: &mut Vec<&'v Value>,
) -> bool {
    found.clear();
    match &item.paths {
        Some(paths) => paths
            .iter()
            .for_each(|path| path.resolve(raw, &mut |value| found.push(value))),
        None => found.push(raw),
    }
    let value_matches = |alternatives: &Vec<Predicate>| {
        alternatives
            .iter()
            .any(|predicate| predicate_matches(predicate, found, raw))
    };
    if item.all {
        item.values.iter().all(value_matches)
    } else {
        item.values.iter().any(value_matches)
    }
}

fn predicate_matches(predicate: &Predicate, found: &[&Value], raw: &Value) -> bool {
    match predicate {
        Predicate::Null => found.is_empty() || found.iter().any(|value| value.is_null()),
        Predicate::Exists(expected) => found.is_empty() != *expected,
        Predicate::NoneOf(alternatives) => {
            found.iter().any(|value| !value.is_null())
                && !alternatives
                    .iter()
                    .any(|alternative| predicate_matches(alternative, found, raw))
        }
        scalar => found
            .iter()
            .any(|value| any_leaf(value, &mut |leaf| scalar_matches(scalar, leaf, raw))),
    }
}

/// Calls `test` on every scalar inside `value` until it holds.
fn any_leaf(value: &Value, test: &mut impl FnMut(&Value) -> bool) -> bool {
    match value.as_ref() {
        ValueRef::Array(items) => items.iter().any(|item| any_leaf(item, test)),
        ValueRef::Object(map) => map.iter().any(|(_, item)| any_leaf(item, test)),
        _ => test(value),
    }
}

fn scalar_matches(predicate: &Predicate, leaf: &Value, raw: &Value) -> bool {
    match predicate {
        Predicate::Text(pattern) => text_of(leaf).is_some_and(|text| pattern.is_match(&text)),
        Predicate::Number { value, text } => match leaf.as_ref() {
            ValueRef::Number(number) => number.as_f64() == Some(*value),
            ValueRef::String(string) => {
                string.trim().parse::<f64>().ok() == Some(*value)
                    || string.eq_ignore_ascii_case(text)
            }
            _ => false,
        },
        Predicate::Bool(expected) => match leaf.as_ref() {
            ValueRef::Bool(flag) => flag == *expected,
            ValueRef::String(string) => {
                string.eq_ignore_ascii_case(if *expected { "true" } else { "false" })
            }
            _ => false,
        },
        Predicate::Regex(regex) => text_of(leaf).is_some_and(|text| regex.is_match(&text)),
        Predicate::Cidr(network) => leaf
            .as_str()
            .and_then(|text| text.trim().parse::<IpAddr>().ok())
            .is_some_and(|address| network.contains(address)),
        Predicate::Compare(comparison, bound) => {
            number_of(leaf).is_some_and(|number| comparison.holds(number, *bound))
        }
        Predicate::TimePart {
            part,
            comparison,
            value,
        } => leaf
            .as_str()
            .and_then(parse_timestamp)
            .is_some_and(|time| comparison.holds(time_part(time, *part), *value)),
        Predicate::FieldRef { other, how, cased } => text_of(leaf).is_some_and(|text| {
            other.iter().any(|path| {
                let mut matched = false;
                path.resolve(raw, &mut |value| {
                    matched = matched
                        || any_leaf(value, &mut |candidate| {
                            text_of(candidate).is_some_and(|reference| {
                                compare_ref(&text, &reference, *how, *cased)
                            })
                        });
                });
                matched
            })
        }),
        Predicate::Null | Predicate::Exists(_) | Predicate::NoneOf(_) => false,
    }
}

/// The text form of a scalar: strings as they are, numbers and booleans as JSON writes them.
fn text_of(leaf: &Value) -> Option<Cow<'_, str>> {
    match leaf.as_ref() {
        ValueRef::String(text) => Some(Cow::Borrowed(text)),
        ValueRef::Number(number) => Some(Cow::Owned(number.to_string())),
        ValueRef::Bool(flag) => Some(Cow::Borrowed(if flag { "true" } else { "false" })),
        _ => None,
    }
}

fn number_of(leaf: &Value) -> Option<f64> {
    match leaf.as_ref() {
        ValueRef::Number(number) => number.as_f64(),
        ValueRef::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn compare_ref(text: &str, reference: &str, how: RefMatch, cased: bool) -> bool {
    let (text, reference) = if cased {
        (Cow::Borrowed(text), Cow::Borrowed(reference))
    } else {
        (fold_text(text), fold_text(reference))
    };
    match how {
        RefMatch::Equals => text == reference,
        RefMatch::Contains => text.contains(reference.as_ref()),
        RefMatch::StartsWith => text.starts_with(reference.as_ref()),
        RefMatch::EndsWith => text.ends_with(reference.as_ref()),
    }
}

/// RFC 3339, or an ISO date and time without offset (read as UTC).
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.to_utc());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|time| time.and_utc())
}

fn time_part(time: DateTime<Utc>, part: TimePart) -> i64 {
    i64::from(match part {
        TimePart::Minute => time.minute(),
        TimePart::Hour => time.hour(),
        TimePart::Day => time.day(),
        TimePart::Week => time.iso_week().week(),
        TimePart::Month => time.month(),
        TimePart::Year => return i64::from(time.year()),
    })
}

/// Calls `found` with the text of every scalar inside `value`.
pub(crate) fn leaf_texts(value: &Value, found: &mut impl FnMut(&str)) {
    any_leaf(value, &mut |leaf| {
        if let Some(text) = text_of(leaf) {
            found(&text);
        }
        false
    });
}

/// The first scalar at any of the paths, as text: for group-by keys and reported fields.
pub(crate) fn field_text(paths: &[FieldPath], raw: &Value) -> Option<String> {
    let mut text = None;
    for path in paths {
        path.resolve(raw, &mut |value| {
            if text.is_none() {
                any_leaf(value, &mut |leaf| {
                    text = text_of(leaf).map(Cow::into_owned);
                    text.is_some()
                });
            }
        });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::modifiers::{compile_item, CompileContext};
    use super::super::rule::{SearchItem, SigmaValue};
    use super::*;
    use crate::normalise::LogSource;
    use sonic_rs::json;
    use std::collections::HashMap;

    /// Whether `field|modifiers: values` matches `raw`.
    fn check(entry: &str, values: &[SigmaValue], raw: &Value) -> bool {
        let mut parts = entry.split('|');
        let field = parts
            .next()
            .filter(|field| !field.is_empty())
            .map(str::to_string);
        let item = SearchItem {
            field,
            modifiers: parts.map(str::to_string).collect(),
            values: values.to_vec(),
            line: None,
        };
        let placeholders = HashMap::from([(
            "Admins".to_string(),
            vec!["root".to_string(), "adm*".to_string()],
        )]);
        let ctx = CompileContext {
            source: LogSource::CloudTrail,
            placeholders: &placeholders,
        };
        item_matches(
            &compile_item(&item, &ctx).expect("compiles"),
            raw,
            &mut Vec::new(),
        )
    }

    fn s(text: &str) -> SigmaValue {
        SigmaValue::Str(text.into())
    }

    fn record() -> Value {
        json!({
            "eventName": "CreateAccessKey",
            "userAgent": "aws-cli/2.15 Python/3.11",
            "code": 403, "ratio": 0.5, "enabled": true, "errorCode": null,
            "sourceIPAddress": "10.1.2.3", "ipv6": "2001:db8::7",
            "eventTime": "2024-07-31T13:06:24Z",
            "commandLine": "powershell /enc SQBFAFgA",
            "payload": "aGVsbG8gd29ybGQ=", "wide": "dwBoAG8AYQBtAGkA",
            "requestParameters": {"userName": "alice", "tags": ["x", "prod"]},
            "userIdentity": {"arn": "arn:aws:iam::1:user/alice", "userName": "ALICE"},
            "multi": "first line\nsecond line"
        })
    }

    #[test]
    fn plain_values_are_case_insensitive_and_typed() {
        let raw = record();
        assert!(check("eventName", &[s("createaccesskey")], &raw));
        assert!(!check("eventName", &[s("CreateAccess")], &raw));
        assert!(check("eventName", &[s("Create*Key")], &raw));
        assert!(check("code", &[SigmaValue::Int(403)], &raw));
        assert!(
            check("code", &[s("403")], &raw),
            "a string value compares with the number's text"
        );
        assert!(!check("code", &[s("ALLOW")], &raw));
        assert!(check("ratio", &[SigmaValue::Float(0.5)], &raw));
        assert!(check("enabled", &[SigmaValue::Bool(true)], &raw));
        assert!(check("enabled", &[s("true")], &raw));
        assert!(!check("enabled", &[SigmaValue::Bool(false)], &raw));
        assert!(
            check("requestParameters.tags", &[s("prod")], &raw),
            "arrays match by element"
        );
        assert!(
            check("requestParameters", &[s("alice")], &raw),
            "objects match by any value inside"
        );
    }

    #[test]
    fn null_matches_absent_and_null_fields() {
        let raw = record();
        assert!(check("errorCode", &[SigmaValue::Null], &raw));
        assert!(check("missing", &[SigmaValue::Null], &raw));
        assert!(!check("eventName", &[SigmaValue::Null], &raw));
    }

    #[test]
    fn contains_startswith_endswith_all() {
        let raw = record();
        assert!(check("userAgent|contains", &[s("CLI/2")], &raw));
        assert!(!check("userAgent|contains", &[s("boto3")], &raw));
        assert!(check("userAgent|startswith", &[s("aws-cli")], &raw));
        assert!(!check("userAgent|startswith", &[s("cli")], &raw));
        assert!(check("userAgent|endswith", &[s("python/3.11")], &raw));
        assert!(!check("userAgent|endswith", &[s("aws")], &raw));
        assert!(check(
            "userAgent|contains|all",
            &[s("aws"), s("python")],
            &raw
        ));
        assert!(!check(
            "userAgent|contains|all",
            &[s("aws"), s("boto")],
            &raw
        ));
        assert!(check("userAgent|contains", &[s("aws"), s("boto")], &raw));
    }

    #[test]
    fn cased_matches_exact_case_only() {
        let raw = record();
        assert!(check("eventName|cased", &[s("CreateAccessKey")], &raw));
        assert!(!check("eventName|cased", &[s("createaccesskey")], &raw));
        assert!(check("userAgent|cased|contains", &[s("Python")], &raw));
        assert!(!check("userAgent|contains|cased", &[s("python")], &raw));
    }

    #[test]
    fn regular_expressions_and_their_flags() {
        let raw = record();
        assert!(check(
            "userIdentity.arn|re",
            &[s(r"^arn:aws:iam::\d+:user/")],
            &raw
        ));
        assert!(
            !check("userIdentity.arn|re", &[s("USER/")], &raw),
            "case-sensitive by default"
        );
        assert!(check("userIdentity.arn|re|i", &[s("USER/")], &raw));
        assert!(!check("multi|re", &[s("^second")], &raw));
        assert!(check("multi|re|m", &[s("^second")], &raw));
        assert!(!check("multi|re", &[s("line.second")], &raw));
        assert!(check("multi|re|s", &[s("line.second")], &raw));
    }

    #[test]
    fn encodings() {
        let raw = record();
        assert!(check("payload|base64", &[s("hello world")], &raw));
        assert!(!check("payload|base64", &[s("hello")], &raw));
        assert!(check("payload|base64offset|contains", &[s("world")], &raw));
        assert!(!check(
            "payload|base64offset|contains",
            &[s("planet")],
            &raw
        ));
        assert!(check("wide|utf16le|base64", &[s("whoami")], &raw));
        assert!(check("wide|wide|base64offset|contains", &[s("hoam")], &raw));
        assert!(!check("wide|utf16be|base64", &[s("whoami")], &raw));
        assert!(check(
            "commandLine|utf16le|base64offset|contains",
            &[s("IEX")],
            &raw
        ));
        assert!(
            !check("commandLine|utf16|base64offset|contains", &[s("IEX")], &raw),
            "the BOM is part of the value"
        );
    }

    #[test]
    fn windash_matches_any_dash() {
        let raw = record();
        assert!(check("commandLine|windash|contains", &[s(" -enc ")], &raw));
        assert!(!check("commandLine|contains", &[s(" -enc ")], &raw));
        assert!(!check("commandLine|windash|contains", &[s(" -dec ")], &raw));
    }

    #[test]
    fn cidr_networks() {
        let raw = record();
        assert!(check("sourceIPAddress|cidr", &[s("10.0.0.0/8")], &raw));
        assert!(!check("sourceIPAddress|cidr", &[s("192.168.0.0/16")], &raw));
        assert!(check("ipv6|cidr", &[s("2001:db8::/32")], &raw));
        assert!(
            !check("userAgent|cidr", &[s("0.0.0.0/0")], &raw),
            "not an address"
        );
    }

    #[test]
    fn numeric_comparisons() {
        let raw = record();
        assert!(check("code|gt", &[SigmaValue::Int(400)], &raw));
        assert!(!check("code|gt", &[SigmaValue::Int(403)], &raw));
        assert!(check("code|gte", &[SigmaValue::Int(403)], &raw));
        assert!(check("code|lt", &[SigmaValue::Int(404)], &raw));
        assert!(!check("code|lte", &[SigmaValue::Int(402)], &raw));
        assert!(check("ratio|lte", &[SigmaValue::Float(0.5)], &raw));
        assert!(!check("userAgent|gt", &[SigmaValue::Int(0)], &raw));
    }

    #[test]
    fn exists() {
        let raw = record();
        assert!(check("eventName|exists", &[SigmaValue::Bool(true)], &raw));
        assert!(!check("missing|exists", &[SigmaValue::Bool(true)], &raw));
        assert!(check("missing|exists", &[SigmaValue::Bool(false)], &raw));
        assert!(
            check("errorCode|exists", &[SigmaValue::Bool(true)], &raw),
            "null is present"
        );
    }

    #[test]
    fn fieldref_compares_two_fields() {
        let raw = record();
        assert!(check(
            "userIdentity.userName|fieldref",
            &[s("requestParameters.userName")],
            &raw
        ));
        assert!(!check(
            "userIdentity.userName|fieldref|cased",
            &[s("requestParameters.userName")],
            &raw
        ));
        assert!(!check(
            "userIdentity.arn|fieldref",
            &[s("requestParameters.userName")],
            &raw
        ));
        assert!(check(
            "userIdentity.arn|fieldref|endswith",
            &[s("requestParameters.userName")],
            &raw
        ));
        assert!(check(
            "userIdentity.arn|fieldref|contains",
            &[s("requestParameters.userName")],
            &raw
        ));
        assert!(!check(
            "userIdentity.arn|fieldref|startswith",
            &[s("requestParameters.userName")],
            &raw
        ));
        assert!(
            !check(
                "userIdentity.arn|contains",
                &[s("requestParameters.userName")],
                &raw
            ),
            "without fieldref the name is a literal"
        );
    }

    #[test]
    fn neq_needs_the_field_and_a_different_value() {
        let raw = record();
        assert!(check("eventName|neq", &[s("DeleteAccessKey")], &raw));
        assert!(!check("eventName|neq", &[s("createaccesskey")], &raw));
        assert!(
            !check("missing|neq", &[s("x")], &raw),
            "unlike `not`, an absent field is not different"
        );
        assert!(check("code|neq", &[SigmaValue::Int(200)], &raw));
        assert!(!check("code|neq", &[SigmaValue::Int(403)], &raw));
        assert!(
            check("eventName|neq", &[s("CreateAccessKey"), s("Other")], &raw),
            "values are OR-ed"
        );
        assert!(!check(
            "eventName|neq|all",
            &[s("CreateAccessKey"), s("Other")],
            &raw
        ));
    }

    #[test]
    fn expand_uses_placeholder_values() {
        let raw = json!({"user": "administrator"});
        assert!(check("user|expand", &[s("%Admins%")], &raw));
        assert!(!check(
            "user|expand",
            &[s("%Admins%")],
            &json!({"user": "bob"})
        ));
    }

    #[test]
    fn time_parts() {
        let raw = record();
        let int = SigmaValue::Int;
        assert!(check("eventTime|minute", &[int(6)], &raw));
        assert!(check("eventTime|hour", &[int(13)], &raw));
        assert!(!check("eventTime|hour", &[int(14)], &raw));
        assert!(check("eventTime|day", &[int(31)], &raw));
        assert!(check("eventTime|week", &[int(31)], &raw));
        assert!(check("eventTime|month", &[int(7)], &raw));
        assert!(check("eventTime|year", &[int(2024)], &raw));
        assert!(check("eventTime|hour|gte", &[int(9)], &raw));
        assert!(!check("eventTime|hour|lt", &[int(9)], &raw));
        assert!(!check("userAgent|hour", &[int(13)], &raw));
    }

    #[test]
    fn keywords_search_every_value() {
        let raw = record();
        assert!(check("", &[s("powershell")], &raw));
        assert!(check("", &[s("PROD")], &raw), "inside nested arrays too");
        assert!(!check("", &[s("mimikatz")], &raw));
        assert!(check("|all", &[s("alice"), s("powershell")], &raw));
        assert!(!check("|all", &[s("alice"), s("mimikatz")], &raw));
    }

    #[test]
    fn field_text_takes_the_first_scalar() {
        let raw = record();
        assert_eq!(
            field_text(&[FieldPath::new("requestParameters.tags")], &raw).as_deref(),
            Some("x")
        );
        assert_eq!(
            field_text(&[FieldPath::new("code")], &raw).as_deref(),
            Some("403")
        );
        assert_eq!(field_text(&[FieldPath::new("missing")], &raw), None);
    }
}
