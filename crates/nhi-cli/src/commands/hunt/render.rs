//! Alerts in the report formats of `nhi hunt`: a table for people, JSON (one array) and JSON lines
//! (one alert per line: `detector`, `severity`, `principal`, `time`, `events`, `summary`, `owasp`)
//! for scripts, and SARIF 2.1.0 for code-scanning UIs (the alert's identity as its logical
//! location, the events behind it as properties).

use nhi_model::{Alert, RuleMeta, Severity};
use nhi_store::alert_id;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{self, Write};

/// The formats `nhi hunt` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertFormat {
    Table,
    Json,
    Jsonl,
    Sarif,
}

/// Width the table's summary lines wrap at.
const WRAP: usize = 100;

/// Writes `alerts` in `format`; `rules` describes their detectors (for SARIF).
pub fn render(
    format: AlertFormat,
    alerts: &[Alert],
    rules: &[RuleMeta],
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        AlertFormat::Table => table(alerts, color, out),
        AlertFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, alerts)?;
            writeln!(out)
        }
        AlertFormat::Jsonl => {
            for alert in alerts {
                serde_json::to_writer(&mut *out, alert)?;
                writeln!(out)?;
            }
            Ok(())
        }
        AlertFormat::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif(alerts, rules))?;
            writeln!(out)
        }
    }
}

fn table(alerts: &[Alert], color: bool, out: &mut dyn Write) -> io::Result<()> {
    if alerts.is_empty() {
        return writeln!(out, "No alerts.");
    }
    for alert in alerts {
        let severity = format!("{:<8}", alert.severity.as_str());
        let severity = if color {
            paint(alert.severity, &severity)
        } else {
            severity
        };
        let plural = if alert.events.len() == 1 { "" } else { "s" };
        writeln!(
            out,
            "{severity} {}  {}  {}  ({} event{plural})",
            alert.time.format("%Y-%m-%dT%H:%M:%SZ"),
            alert.detector,
            alert.principal,
            alert.events.len()
        )?;
        for line in wrap(&alert.summary, WRAP) {
            writeln!(out, "         {line}")?;
        }
    }
    Ok(())
}

fn paint(severity: Severity, text: &str) -> String {
    let code = match severity {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// SARIF 2.1.0: one run, the detectors that fired as rules, one result per alert.
fn sarif(alerts: &[Alert], rules: &[RuleMeta]) -> Value {
    let by_id: HashMap<&str, &RuleMeta> =
        rules.iter().map(|rule| (rule.id.as_ref(), rule)).collect();
    let mut used: Vec<&str> = Vec::new();
    for alert in alerts {
        if !used.contains(&alert.detector.as_str()) {
            used.push(&alert.detector);
        }
    }
    let rules_json: Vec<Value> = used
        .iter()
        .map(|id| match by_id.get(id) {
            Some(rule) => json!({
                "id": id,
                "name": rule.title,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.description},
                "help": {"text": rule.remediation},
                "defaultConfiguration": {"level": level(rule.severity)},
                "properties": {
                    "security-severity": security_severity(rule.severity),
                    "tags": rule.owasp.iter().map(|category| category.code()).collect::<Vec<_>>(),
                },
            }),
            None => json!({"id": id, "shortDescription": {"text": id}}),
        })
        .collect();
    let results: Vec<Value> = alerts
        .iter()
        .map(|alert| {
            json!({
                "ruleId": alert.detector,
                "ruleIndex": used.iter().position(|id| *id == alert.detector).unwrap_or_default(),
                "level": level(alert.severity),
                "message": {"text": alert.summary},
                "locations": [{"logicalLocations": [{
                    "fullyQualifiedName": alert.principal,
                    "kind": "resource",
                }]}],
                "partialFingerprints": {"nhiAlertId/v1": alert_id(alert)},
                "properties": {
                    "time": alert.time.to_rfc3339(),
                    "events": alert.events,
                    "owasp": alert.owasp.iter().map(|category| category.code()).collect::<Vec<_>>(),
                    "security-severity": security_severity(alert.severity),
                },
            })
        })
        .collect();
    let mut driver = json!({
        "name": "nhi",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules_json,
    });
    if !env!("CARGO_PKG_REPOSITORY").is_empty() {
        driver["informationUri"] = env!("CARGO_PKG_REPOSITORY").into();
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use nhi_model::OwaspNhi;

    fn alert() -> Alert {
        Alert {
            detector: "aws-cloudtrail-tampering".into(),
            severity: Severity::High,
            owasp: vec![OwaspNhi::NHI5],
            principal: "aws:user:arn:aws:iam::1:user/ci".into(),
            time: Utc.timestamp_opt(1_722_431_184, 0).unwrap(),
            events: vec!["e-1".into()],
            summary: "CloudTrail logging stopped, deleted or narrowed: stopped logging of trail t. Restore it.".into(),
        }
    }

    fn rendered(format: AlertFormat, alerts: &[Alert]) -> String {
        let mut out = Vec::new();
        render(
            format,
            alerts,
            &nhi_detect::detector_rules(),
            false,
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn jsonl_has_the_contract_fields() {
        let text = rendered(AlertFormat::Jsonl, &[alert(), alert()]);
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        for field in [
            "detector",
            "severity",
            "principal",
            "time",
            "events",
            "summary",
        ] {
            assert!(lines[0].get(field).is_some(), "{field}");
        }
        assert_eq!(lines[0]["time"], "2024-07-31T13:06:24Z");
    }

    #[test]
    fn table_wraps_summaries_and_says_when_there_is_nothing() {
        assert_eq!(rendered(AlertFormat::Table, &[]), "No alerts.\n");
        let text = rendered(AlertFormat::Table, &[alert()]);
        assert!(
            text.starts_with("high     2024-07-31T13:06:24Z  aws-cloudtrail-tampering"),
            "{text}"
        );
        assert!(text.lines().all(|line| line.chars().count() <= WRAP + 9));
    }

    #[test]
    fn sarif_lists_the_detectors_that_fired() {
        let sarif: Value = serde_json::from_str(&rendered(AlertFormat::Sarif, &[alert()])).unwrap();
        let run = &sarif["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["id"],
            "aws-cloudtrail-tampering"
        );
        assert_eq!(run["results"][0]["level"], "error");
        assert_eq!(run["results"][0]["properties"]["events"][0], "e-1");
    }
}
