//! Short human forms of model values, shared by the table, CSV and HTML writers so that the same
//! finding reads the same everywhere. Pure string functions: no escaping (each writer escapes for
//! its own medium).

use nhi_model::{CredentialStatus, Finding, OwaspNhi, RuleKind, Timestamp, TrackedFinding};

/// OWASP codes joined with `sep`, e.g. `NHI2;NHI7`.
pub(crate) fn owasp_codes(owasp: &[OwaspNhi], sep: &str) -> String {
    owasp.iter().map(|o| o.code()).collect::<Vec<_>>().join(sep)
}

/// Where a finding is: its location when it has one, else the subject it is most about.
pub(crate) fn finding_place(finding: &Finding) -> String {
    match &finding.location {
        Some(location) => location.display(),
        None => finding.subjects.first().cloned().unwrap_or_default(),
    }
}

/// `open` or `resolved` for a tracked finding, empty for an untracked one.
pub(crate) fn status(finding: &TrackedFinding) -> &'static str {
    match &finding.lifecycle {
        Some(lifecycle) => match lifecycle.status {
            nhi_model::FindingStatus::Open => "open",
            nhi_model::FindingStatus::Resolved => "resolved",
        },
        None => "",
    }
}

/// The kebab-case name of a credential status, as the JSON output spells it.
pub(crate) fn credential_status(status: CredentialStatus) -> &'static str {
    match status {
        CredentialStatus::Unknown => "unknown",
        CredentialStatus::Active => "active",
        CredentialStatus::Inactive => "inactive",
        CredentialStatus::Expired => "expired",
        CredentialStatus::Revoked => "revoked",
    }
}

/// The name of a rule's engine, as the JSON output spells it.
pub(crate) fn rule_kind(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Risk => "risk",
        RuleKind::Secret => "secret",
        RuleKind::Detector => "detector",
    }
}

/// A calendar date, `2025-01-31`, or empty when unknown.
pub(crate) fn date(time: Option<Timestamp>) -> String {
    time.map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A full UTC time to the second, `2025-01-31T12:00:00Z`, or empty when unknown.
pub(crate) fn time(time: Option<Timestamp>) -> String {
    time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Findings ordered for a human: most severe first, otherwise in the order given.
pub(crate) fn by_severity(findings: &[TrackedFinding]) -> Vec<&TrackedFinding> {
    let mut sorted: Vec<&TrackedFinding> = findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.finding.severity));
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_model::{Location, RuleMeta, Severity};
    use std::borrow::Cow;

    fn finding(severity: Severity, location: Option<Location>) -> TrackedFinding {
        let rule = RuleMeta {
            id: Cow::Borrowed("r"),
            kind: RuleKind::Risk,
            title: Cow::Borrowed("t"),
            severity,
            owasp: Cow::Borrowed(&[OwaspNhi::NHI2, OwaspNhi::NHI7]),
            description: Cow::Borrowed("d"),
            remediation: Cow::Borrowed("fix"),
        };
        let subjects = vec!["aws:role:deploy".to_string()];
        TrackedFinding {
            finding: Finding::new(&rule, "t", subjects, location, serde_json::Value::Null),
            lifecycle: None,
        }
    }

    #[test]
    fn place_falls_back_to_the_first_subject() {
        let at_file = finding(Severity::Low, Some(Location::file("a/b.env", Some(3))));
        assert_eq!(finding_place(&at_file.finding), "a/b.env:3");
        assert_eq!(
            finding_place(&finding(Severity::Low, None).finding),
            "aws:role:deploy"
        );
        assert_eq!(owasp_codes(&at_file.finding.owasp, ";"), "NHI2;NHI7");
    }

    #[test]
    fn names_match_the_json_spelling() {
        let json_name = |value: serde_json::Value| value.as_str().map(str::to_string);
        for status in [
            CredentialStatus::Unknown,
            CredentialStatus::Active,
            CredentialStatus::Inactive,
            CredentialStatus::Expired,
            CredentialStatus::Revoked,
        ] {
            let serialised = serde_json::to_value(status).ok().and_then(json_name);
            assert_eq!(serialised.as_deref(), Some(credential_status(status)));
        }
        for kind in [RuleKind::Risk, RuleKind::Secret, RuleKind::Detector] {
            let serialised = serde_json::to_value(kind).ok().and_then(json_name);
            assert_eq!(serialised.as_deref(), Some(rule_kind(kind)));
        }
    }

    #[test]
    fn most_severe_first_and_stable_otherwise() {
        let findings = [
            finding(Severity::Low, Some(Location::file("first", None))),
            finding(Severity::Critical, None),
            finding(Severity::Low, Some(Location::file("second", None))),
        ];
        let order: Vec<String> = by_severity(&findings)
            .iter()
            .map(|f| finding_place(&f.finding))
            .collect();
        assert_eq!(order, ["aws:role:deploy", "first", "second"]);
    }
}
