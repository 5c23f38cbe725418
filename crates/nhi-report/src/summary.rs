//! Counts that the table footer and the HTML cards and charts show: findings by severity and by
//! OWASP category, identities and credentials by kind. Every list has a fixed, documented order so
//! that two reports of the same data read the same.

use nhi_model::{OwaspNhi, Severity, TrackedFinding};
use std::collections::BTreeMap;

/// Findings per severity, highest severity first; every severity appears, zero counts included.
pub(crate) fn by_severity(findings: &[TrackedFinding]) -> Vec<(Severity, usize)> {
    Severity::ALL_DESCENDING
        .into_iter()
        .map(|sev| {
            (
                sev,
                findings
                    .iter()
                    .filter(|f| f.finding.severity == sev)
                    .count(),
            )
        })
        .collect()
}

/// Findings per OWASP NHI category, `NHI1` to `NHI10`; a finding counts once in each of its
/// categories. Every category appears, zero counts included.
pub(crate) fn by_owasp(findings: &[TrackedFinding]) -> Vec<(OwaspNhi, usize)> {
    OwaspNhi::ALL
        .into_iter()
        .map(|cat| {
            (
                cat,
                findings
                    .iter()
                    .filter(|f| f.finding.owasp.contains(&cat))
                    .count(),
            )
        })
        .collect()
}

/// How many of each kind name there are: largest count first, then by name.
pub(crate) fn by_kind(kinds: impl IntoIterator<Item = &'static str>) -> Vec<(&'static str, usize)> {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for kind in kinds {
        *counts.entry(kind).or_default() += 1;
    }
    let mut counts: Vec<(&'static str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_ordered_by_count_then_name() {
        let counts = by_kind(["jwt", "access-key", "jwt", "password", "access-key", "jwt"]);
        assert_eq!(counts, [("jwt", 3), ("access-key", 2), ("password", 1)]);
    }

    #[test]
    fn every_severity_and_category_appears_even_without_findings() {
        assert_eq!(by_severity(&[]).len(), 5);
        assert!(by_owasp(&[]).iter().all(|(_, n)| *n == 0));
        assert_eq!(by_owasp(&[]).len(), 10);
    }
}
