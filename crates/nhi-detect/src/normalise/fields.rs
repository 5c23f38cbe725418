//! Typed reads of record fields shared by the normalisers. Paths are dotted (`userIdentity.arn`);
//! a JSON `null` reads as absent, and every failure names the field it happened on.

use super::RecordProblem;
use nhi_model::Timestamp;
use sonic_rs::{JsonContainerTrait, JsonValueMutTrait, JsonValueTrait, Value, ValueRef};

/// The value at a dotted path through nested objects, `None` when absent or `null`.
pub(crate) fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    // Paths are a few short names: a byte loop finds the dots faster than a string searcher.
    let (mut current, mut rest) = (value, path);
    while let Some(dot) = rest.bytes().position(|byte| byte == b'.') {
        current = current.get(&rest[..dot])?;
        rest = &rest[dot + 1..];
    }
    current.get(rest).filter(|found| !found.is_null())
}

/// The value at a dotted path, for editing.
pub(crate) fn get_mut<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.')
        .try_fold(value, |current, key| current.get_mut(key))
}

/// A string that must be present.
pub(crate) fn required_str<'a>(
    value: &'a Value,
    path: &'static str,
) -> Result<&'a str, RecordProblem> {
    optional_str(value, path)?.ok_or(RecordProblem::Missing(path))
}

/// A string that may be absent but, when present, must be a string.
pub(crate) fn optional_str<'a>(
    value: &'a Value,
    path: &'static str,
) -> Result<Option<&'a str>, RecordProblem> {
    as_str(get(value, path), path)
}

/// A field read already (at `path`, for the error) that, when present, must be a string.
pub(crate) fn as_str<'a>(
    found: Option<&'a Value>,
    path: &'static str,
) -> Result<Option<&'a str>, RecordProblem> {
    match found.map(Value::as_ref) {
        None => Ok(None),
        Some(ValueRef::String(text)) => Ok(Some(text)),
        Some(_) => Err(RecordProblem::WrongType {
            field: path,
            expected: "a string",
        }),
    }
}

/// The fields `keys` of an object in one pass over its members: for each key what [`get`]
/// would return (the first of duplicate keys; `null` as absent). Normalisers read the dozen
/// fields they need this way instead of searching the object once per field.
pub(crate) fn pick<'a, const N: usize>(
    value: &'a Value,
    keys: &[&str; N],
) -> [Option<&'a Value>; N] {
    let mut found = [None; N];
    let mut decided = [false; N];
    let Some(object) = value.as_object() else {
        return found;
    };
    for (key, field) in object.iter() {
        if let Some(slot) = keys.iter().position(|wanted| *wanted == key) {
            if !decided[slot] {
                decided[slot] = true;
                found[slot] = Some(field).filter(|field| !field.is_null());
            }
        }
    }
    found
}

/// An RFC 3339 time that must be present.
pub(crate) fn required_time(value: &Value, path: &'static str) -> Result<Timestamp, RecordProblem> {
    parse_time(required_str(value, path)?, path)
}

pub(crate) fn parse_time(text: &str, path: &'static str) -> Result<Timestamp, RecordProblem> {
    rfc3339(text).ok_or(RecordProblem::BadTime { field: path })
}

/// An RFC 3339 time. The shape nearly every log writes, `2024-07-30T21:31:21Z`, is read
/// directly; anything else goes through chrono's full parser.
pub(crate) fn rfc3339(text: &str) -> Option<Timestamp> {
    common_utc(text).or_else(|| {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|time| time.to_utc())
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` exactly (a valid date, no leap second), else `None`.
fn common_utc(text: &str) -> Option<Timestamp> {
    let bytes: &[u8; 20] = text.as_bytes().try_into().ok()?;
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ];
    if separators.iter().any(|&(at, byte)| bytes[at] != byte) {
        return None;
    }
    let number = |from: usize, to: usize| {
        bytes[from..to].iter().try_fold(0u32, |value, byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 7)?,
        number(8, 10)?,
    )?;
    let time = date.and_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)?;
    Some(time.and_utc())
}

/// Replaces the string at `path` (if any) so that a secret never leaves the normaliser.
pub(crate) fn redact(value: &mut Value, path: &str) {
    // Look before editing: editing a parsed object turns it into a map of its own.
    if !get(value, path).is_some_and(Value::is_str) {
        return;
    }
    if let Some(found) = get_mut(value, path) {
        *found = Value::from_static_str(REDACTED);
    }
}

/// What a redacted secret reads as in `raw`.
pub(crate) const REDACTED: &str = "<redacted>";

#[cfg(test)]
mod tests {
    use super::*;
    use sonic_rs::json;

    #[test]
    fn reads_dotted_paths_and_treats_null_as_absent() {
        let record = json!({"a": {"b": "x", "n": null, "num": 3}});
        assert_eq!(required_str(&record, "a.b"), Ok("x"));
        assert_eq!(optional_str(&record, "a.n"), Ok(None));
        assert_eq!(
            required_str(&record, "a.missing"),
            Err(RecordProblem::Missing("a.missing"))
        );
        assert!(matches!(
            optional_str(&record, "a.num"),
            Err(RecordProblem::WrongType { .. })
        ));
    }

    #[test]
    fn pick_reads_what_get_reads_in_one_pass() {
        let record: Value =
            sonic_rs::from_str(r#"{"a": 1, "n": null, "b": {"c": 2}, "a": 3}"#).unwrap();
        let keys = ["b", "a", "n", "missing"];
        let found = pick(&record, &keys);
        for (key, found) in keys.iter().zip(found) {
            assert_eq!(found, get(&record, key), "{key}");
        }
        assert_eq!(found[1].and_then(Value::as_i64), Some(1));
        assert_eq!(pick(&json!([1]), &["a"]), [None]);
    }

    #[test]
    fn the_common_time_shape_reads_as_chrono_reads_it() {
        for text in [
            "2024-07-30T21:31:21Z",
            "2024-02-29T23:59:59Z",
            "2023-02-29T00:00:00Z",
            "2024-07-30T24:00:00Z",
            "2016-12-31T23:59:60Z",
            "2024-07-30T21:31:21.5Z",
            "2024-07-30T21:31:21+02:00",
            "2024-07-30t21:31:21z",
            "2024-07-30T21:31:2xZ",
            "+024-07-30T21:31:21Z",
        ] {
            let chrono = chrono::DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|time| time.to_utc());
            assert_eq!(rfc3339(text), chrono, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_common_shaped_time_reads_as_chrono_reads_it(
            year in 0u32..10000, month in 0u32..14, day in 0u32..33,
            hour in 0u32..26, minute in 0u32..62, second in 0u32..62,
        ) {
            let text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z");
            let chrono = chrono::DateTime::parse_from_rfc3339(&text).ok().map(|time| time.to_utc());
            proptest::prop_assert_eq!(rfc3339(&text), chrono);
        }
    }

    #[test]
    fn parses_times_and_redacts_strings_only() {
        assert!(parse_time("2024-07-31T13:06:24Z", "t").is_ok());
        assert_eq!(
            parse_time("yesterday", "t"),
            Err(RecordProblem::BadTime { field: "t" })
        );
        let mut record = json!({"c": {"token": "secret", "n": 1}});
        redact(&mut record, "c.token");
        redact(&mut record, "c.n");
        assert_eq!(record, json!({"c": {"token": REDACTED, "n": 1}}));
    }
}
