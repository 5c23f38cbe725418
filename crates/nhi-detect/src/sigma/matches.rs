//! What the Sigma engine reports: one [`SigmaMatch`] per rule hit (a record for a detection rule,
//! a window of records for a correlation), and their grouping into model [`Alert`]s, one per rule
//! and principal.

use nhi_model::{Alert, Severity, Timestamp};
use std::collections::{HashMap, HashSet};

/// Which kind of rule produced a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKind {
    Detection,
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
}

/// A record behind a match: its position in the caller's input and its event id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRef {
    pub index: usize,
    pub id: String,
}

/// One hit of one Sigma rule.
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaMatch {
    /// The rule's `id` (else its `name`).
    pub rule_id: String,
    pub title: String,
    /// The rule's author, which every message about the match must name.
    pub author: Option<String>,
    pub severity: Severity,
    /// The rule's tags as written (`attack.t1562.008`, ...).
    pub tags: Vec<String>,
    pub kind: MatchKind,
    /// The acting identity: the record's, or for a correlation that of its last record.
    pub principal: String,
    /// Time of the first record behind the match.
    pub time: Timestamp,
    /// The records behind the match, in input order.
    pub events: Vec<EventRef>,
    /// For a correlation: its `group-by` fields and their values.
    pub group: Vec<(String, String)>,
    /// For a detection: the values of the rule's `fields` in the record.
    pub fields: Vec<(String, String)>,
}

impl SigmaMatch {
    /// The detector id nhi reports for the rule: `sigma:<rule id>`.
    pub fn detector(&self) -> String {
        detector_id(&self.rule_id)
    }

    /// An alert of this match's rule and principal that lists no event yet and has no summary.
    pub(crate) fn empty_alert(&self) -> Alert {
        Alert {
            detector: self.detector(),
            severity: self.severity,
            owasp: Vec::new(),
            principal: self.principal.clone(),
            time: self.time,
            events: Vec::new(),
            summary: String::new(),
        }
    }
}

/// The detector id of a Sigma rule.
pub(crate) fn detector_id(rule_id: &str) -> String {
    format!("sigma:{rule_id}")
}

/// Groups matches into one alert per rule and principal, in order of first appearance: the
/// highest severity, the earliest time and every event id (once) of the group.
pub fn group_alerts(matches: &[SigmaMatch]) -> Vec<Alert> {
    let mut alerts: Vec<(Alert, &SigmaMatch)> = Vec::new();
    let mut slot_of: HashMap<(&str, &str), usize> = HashMap::new();
    let mut listed: HashSet<(usize, &str)> = HashSet::new();
    for hit in matches {
        let slot = *slot_of
            .entry((&hit.rule_id, &hit.principal))
            .or_insert_with(|| {
                alerts.push((hit.empty_alert(), hit));
                alerts.len() - 1
            });
        let alert = &mut alerts[slot].0;
        alert.severity = alert.severity.max(hit.severity);
        alert.time = alert.time.min(hit.time);
        for event in &hit.events {
            if listed.insert((slot, &event.id)) {
                alert.events.push(event.id.clone());
            }
        }
    }
    alerts
        .into_iter()
        .map(|(mut alert, first)| {
            alert.summary = summary(first, alert.events.len());
            alert
        })
        .collect()
}

/// The summary of an alert grouping `events` matches whose first is `hit`.
pub(crate) fn summary(hit: &SigmaMatch, events: usize) -> String {
    let plural = if events == 1 { "" } else { "s" };
    let mut text = format!(
        "{}: {events} matching event{plural} by {}",
        hit.title, hit.principal
    );
    if !hit.group.is_empty() {
        let group: Vec<String> = hit
            .group
            .iter()
            .map(|(field, value)| format!("{field}={value}"))
            .collect();
        text.push_str(&format!(" ({})", group.join(", ")));
    }
    let attack: Vec<&str> = hit
        .tags
        .iter()
        .filter(|tag| tag.starts_with("attack."))
        .map(String::as_str)
        .collect();
    if !attack.is_empty() {
        text.push_str(&format!("; ATT&CK {}", attack.join(", ")));
    }
    let by = hit
        .author
        .as_deref()
        .map(|author| format!(", by {author}"))
        .unwrap_or_default();
    text.push_str(&format!(
        ". Review these events and the identity's recent activity (Sigma rule {}{by}).",
        hit.rule_id
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn hit(
        rule: &str,
        principal: &str,
        second: i64,
        event: &str,
        severity: Severity,
    ) -> SigmaMatch {
        SigmaMatch {
            rule_id: rule.into(),
            title: format!("Rule {rule}"),
            author: None,
            severity,
            tags: vec!["attack.t1098".into(), "detection.threat-hunting".into()],
            kind: MatchKind::Detection,
            principal: principal.into(),
            time: Utc.timestamp_opt(1_700_000_000 + second, 0).unwrap(),
            events: vec![EventRef {
                index: 0,
                id: event.into(),
            }],
            group: Vec::new(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn one_alert_per_rule_and_principal() {
        let matches = [
            hit("r1", "aws:user:a", 5, "e1", Severity::Low),
            hit("r1", "aws:user:b", 6, "e2", Severity::Low),
            hit("r1", "aws:user:a", 1, "e3", Severity::Low),
            hit("r2", "aws:user:a", 7, "e1", Severity::High),
            hit("r1", "aws:user:a", 8, "e1", Severity::Low),
        ];
        let alerts = group_alerts(&matches);
        assert_eq!(alerts.len(), 3);
        assert_eq!(alerts[0].detector, "sigma:r1");
        assert_eq!(alerts[0].events, vec!["e1", "e3"]);
        assert_eq!(alerts[0].time, matches[2].time);
        assert_eq!(alerts[2].severity, Severity::High);
        assert_eq!(
            alerts[1].summary,
            "Rule r1: 1 matching event by aws:user:b; ATT&CK attack.t1098. Review these events and the \
             identity's recent activity (Sigma rule r1)."
        );
    }
}
