//! The earliest record time of an input, read from its bytes without parsing the JSON: what a
//! replay needs to know about a file before it reads the file's records for real.

use super::fields::rfc3339;
use memchr::memmem;
use nhi_model::Timestamp;

/// Every field a normaliser takes a record's time from (CloudTrail, Kubernetes audit, GCP audit,
/// Entra ID sign-ins, GitHub audit), and whether it may hold milliseconds since the epoch (GitHub
/// writes them) rather than RFC 3339 text.
const TIME_KEYS: [(&str, bool); 9] = [
    ("\"eventTime\"", false),
    ("\"requestReceivedTimestamp\"", false),
    ("\"stageTimestamp\"", false),
    ("\"timestamp\"", false),
    ("\"creationTimestamp\"", false),
    ("\"createdDateTime\"", false),
    ("\"time\"", false),
    ("\"@timestamp\"", true),
    ("\"created_at\"", true),
];

/// Endings that every key of [`TIME_KEYS`] has one of: the input is searched for these three
/// rather than for nine keys, and each hit is then checked against the keys.
const KEY_ENDINGS: [&str; 3] = ["ime\"", "imestamp\"", "created_at\""];

/// Longest RFC 3339 text looked at (nanoseconds and an offset fit).
const LONGEST_TIME: usize = 40;

/// The earliest time held by any time field of `bytes` (`"eventTime": "2024-..."` and the
/// Kubernetes audit time fields, at any depth), or `None` when there is none. Every record's
/// own time is among the values looked at, so no record of the input is earlier than this;
/// a time written with JSON escapes is not seen.
pub fn earliest_time(bytes: &[u8]) -> Option<Timestamp> {
    KEY_ENDINGS
        .iter()
        .flat_map(|ending| memmem::find_iter(bytes, ending.as_bytes()).map(|at| at + ending.len()))
        .filter_map(|after_key| {
            let (_, millis) = TIME_KEYS
                .iter()
                .find(|(key, _)| bytes[..after_key].ends_with(key.as_bytes()))?;
            value_after(bytes, after_key, *millis)
        })
        .min()
}

/// The time in the value that follows a key ending at `at`: `: "..."` (or `: 1714557600000`
/// where `millis` allows), JSON whitespace allowed around the colon.
fn value_after(bytes: &[u8], at: usize, millis: bool) -> Option<Timestamp> {
    let rest = bytes.get(at..)?.trim_ascii_start().strip_prefix(b":")?;
    let rest = rest.trim_ascii_start();
    if millis && rest.first().is_some_and(u8::is_ascii_digit) {
        return epoch_millis(rest);
    }
    let rest = rest.strip_prefix(b"\"")?;
    let end = memchr::memchr(b'"', &rest[..rest.len().min(LONGEST_TIME + 1)])?;
    let text = std::str::from_utf8(&rest[..end]).ok()?;
    rfc3339(text)
}

/// A JSON integer of milliseconds since the epoch, as GitHub writes `@timestamp`.
fn epoch_millis(digits: &[u8]) -> Option<Timestamp> {
    let end = digits
        .iter()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(digits.len());
    let text = std::str::from_utf8(&digits[..end.min(19)]).ok()?;
    chrono::DateTime::from_timestamp_millis(text.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;
    use proptest::prelude::*;

    #[test]
    fn every_time_key_has_an_ending_searched_for() {
        for (key, _) in TIME_KEYS {
            assert!(
                KEY_ENDINGS.iter().any(|ending| key.ends_with(ending)),
                "{key}"
            );
        }
    }

    #[test]
    fn the_earliest_time_field_at_any_depth_counts() {
        let bytes = br#"{"Records":[
            {"eventTime":"2024-01-01T00:10:00Z","requestParameters":{"timestamp" : "2024-01-01T00:05:00+01:00"}},
            {"eventTime" :"2024-01-01T00:01:00Z"}]}"#;
        let earliest = earliest_time(bytes).unwrap();
        assert_eq!(earliest.to_rfc3339(), "2023-12-31T23:05:00+00:00");
        assert_eq!(earliest_time(b"{\"eventTime\": 12}"), None);
        assert_eq!(earliest_time(b"{\"eventTime\": \"yesterday\"}"), None);
        assert_eq!(earliest_time(b"\"eventTime\""), None);
        let github = br#"{"@timestamp": 1714557600000, "action": "git.clone", "time": 5}"#;
        assert_eq!(
            earliest_time(github).unwrap().to_rfc3339(),
            "2024-05-01T10:00:00+00:00"
        );
    }

    proptest! {
        /// The promise the replay relies on: no normalised record is earlier than the bound.
        #[test]
        fn no_record_is_earlier_than_the_bound(seconds in proptest::collection::vec(0u32..86_400, 1..20)) {
            let lines: Vec<String> = seconds.iter().enumerate().map(|(n, second)| format!(
                r#"{{"eventID":"e{n}","eventTime":"2024-01-01T{:02}:{:02}:{:02}Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{{"type":"IAMUser","arn":"a"}}}}"#,
                second / 3600, second / 60 % 60, second % 60)).collect();
            let bytes = lines.join("\n");
            let bound = earliest_time(bytes.as_bytes()).unwrap();
            let records = normalise("t", bytes.as_bytes(), None).records;
            prop_assert!(records.iter().all(|record| record.event.time >= bound));
            prop_assert!(records.iter().any(|record| record.event.time == bound));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = earliest_time(&bytes);
        }
    }
}
