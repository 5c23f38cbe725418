//! Reads the finding ids back out of a previous nhi report, for `--baseline`. Accepts our own
//! outputs only: JSON (scan object or findings array), JSON Lines (bare findings or tagged records)
//! and SARIF (`partialFingerprints`). Anything else is refused with the line where it went wrong.

use crate::sarif::FINGERPRINT_KEY;
use crate::ReportError;
use serde_json::Value;
use std::collections::HashSet;

/// The ids of the findings in a report nhi wrote earlier as json, jsonl or sarif.
///
/// An empty report (no findings, or an empty JSON Lines file) gives an empty set; a document
/// that is not one of these formats is an error.
pub fn load_baseline(bytes: &[u8]) -> Result<HashSet<String>, ReportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| refused(None, "not UTF-8 text"))?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(findings)) => ids_of_findings(&findings),
        Ok(Value::Object(document)) if document.contains_key("runs") => ids_of_sarif(&document),
        Ok(Value::Object(document)) if document.contains_key("findings") => {
            match &document["findings"] {
                Value::Array(findings) => ids_of_findings(findings),
                _ => Err(refused(None, "\"findings\" is not an array")),
            }
        }
        // A one-line JSON Lines file is a valid JSON document too.
        Ok(Value::Object(_)) if text.trim().lines().count() == 1 => ids_of_lines(text),
        Ok(Value::Object(_)) => Err(refused(
            None,
            "a JSON object with neither \"findings\" nor SARIF \"runs\"",
        )),
        Err(_) => ids_of_lines(text),
        Ok(_) => Err(refused(None, "expected a JSON object, array or JSON Lines")),
    }
}

fn ids_of_findings(findings: &[Value]) -> Result<HashSet<String>, ReportError> {
    findings
        .iter()
        .enumerate()
        .map(|(i, finding)| {
            string_id(finding)
                .ok_or_else(|| refused(None, &format!("finding {} has no string \"id\"", i + 1)))
        })
        .collect()
}

fn ids_of_sarif(log: &serde_json::Map<String, Value>) -> Result<HashSet<String>, ReportError> {
    let runs = log["runs"]
        .as_array()
        .ok_or_else(|| refused(None, "SARIF \"runs\" is not an array"))?;
    let results: Vec<&Value> = runs
        .iter()
        .filter_map(|run| run.get("results").and_then(Value::as_array))
        .flatten()
        .collect();
    let ids: HashSet<String> = results
        .iter()
        .filter_map(|result| {
            result
                .pointer("/partialFingerprints")?
                .get(FINGERPRINT_KEY)?
                .as_str()
        })
        .map(str::to_string)
        .collect();
    if ids.is_empty() && !results.is_empty() {
        return Err(refused(
            None,
            &format!(
                "no SARIF result has a \"{FINGERPRINT_KEY}\" fingerprint (not written by nhi)"
            ),
        ));
    }
    Ok(ids)
}

/// JSON Lines: bare findings, or `record`-tagged lines of which only `finding` ones count.
fn ids_of_lines(text: &str) -> Result<HashSet<String>, ReportError> {
    let mut ids = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = Some(i + 1);
        if line.trim().is_empty() {
            continue;
        }
        let record: Value =
            serde_json::from_str(line).map_err(|e| refused(line_no, &e.to_string()))?;
        if !record.is_object() {
            return Err(refused(line_no, "a line is not a JSON object"));
        }
        match record.get("record").and_then(Value::as_str) {
            Some("finding") | None => {
                let id = string_id(&record)
                    .ok_or_else(|| refused(line_no, "finding has no string \"id\""))?;
                ids.insert(id);
            }
            Some(_) => {}
        }
    }
    Ok(ids)
}

fn string_id(finding: &Value) -> Option<String> {
    finding.get("id")?.as_str().map(str::to_string)
}

fn refused(line: Option<usize>, reason: &str) -> ReportError {
    ReportError::Baseline {
        line,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_arrays_scan_objects_and_tagged_lines() {
        let array = br#"[{"id": "a"}, {"id": "b"}]"#;
        assert_eq!(
            load_baseline(array).unwrap(),
            HashSet::from(["a".into(), "b".into()])
        );
        let scan = br#"{"identities": [], "credentials": [], "findings": [{"id": "c"}]}"#;
        assert_eq!(load_baseline(scan).unwrap(), HashSet::from(["c".into()]));
        let lines = b"{\"record\":\"identity\",\"id\":\"aws:role:x\"}\n{\"record\":\"finding\",\"id\":\"d\"}\n";
        assert_eq!(load_baseline(lines).unwrap(), HashSet::from(["d".into()]));
        assert_eq!(
            load_baseline(b"{\"id\":\"e\",\"rule\":\"r\"}\n").unwrap(),
            HashSet::from(["e".into()])
        );
        assert!(load_baseline(b"").unwrap().is_empty());
    }

    #[test]
    fn other_documents_are_refused_with_their_line() {
        let csv = b"id,severity\nabc,high\n";
        match load_baseline(csv).unwrap_err() {
            ReportError::Baseline { line, .. } => assert_eq!(line, Some(1)),
            other => panic!("unexpected {other}"),
        }
        let broken = b"{\"id\":\"a\"}\n{\"id\":\n";
        assert!(load_baseline(broken)
            .unwrap_err()
            .to_string()
            .contains("line 2"));
        assert!(load_baseline(b"42").is_err());
        assert!(load_baseline(b"{\n\"identities\": []\n}")
            .unwrap_err()
            .to_string()
            .contains("neither"));
        assert!(load_baseline(b"[{\"rule\": \"r\"}]").is_err());
        let foreign_sarif = br#"{"runs": [{"results": [{"ruleId": "x"}]}]}"#;
        assert!(load_baseline(foreign_sarif).is_err());
        assert!(load_baseline(&[0xff, 0xfe]).is_err());
    }
}
