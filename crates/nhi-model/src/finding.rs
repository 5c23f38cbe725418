//! Findings: what an analysis rule concluded about identities and credentials.

use crate::{Location, OwaspNhi, RuleMeta, Severity, Timestamp};
use serde::{Deserialize, Serialize};

/// One finding. Its `id` is stable across runs and machines (a hash of the rule, the subjects and
/// the file path, never of a secret or a line number), so baselines and ignore lists keep working
/// when unrelated lines move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    pub rule: String,
    pub severity: Severity,
    pub owasp: Vec<OwaspNhi>,
    pub title: String,
    /// Ids of the identities and credentials the finding is about, most specific first.
    pub subjects: Vec<String>,
    /// Facts that support the finding (never a plaintext secret).
    #[serde(default)]
    pub evidence: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub remediation: String,
}

impl Finding {
    /// A finding of `rule` about `subjects`, with its stable id, the rule's severity, OWASP
    /// mapping and remediation.
    pub fn new(
        rule: &RuleMeta,
        title: impl Into<String>,
        subjects: Vec<String>,
        location: Option<Location>,
        evidence: serde_json::Value,
    ) -> Self {
        Finding {
            id: finding_id(&rule.id, &subjects, location.as_ref()),
            rule: rule.id.to_string(),
            severity: rule.severity,
            owasp: rule.owasp.to_vec(),
            title: title.into(),
            subjects,
            evidence,
            location,
            remediation: rule.remediation.to_string(),
        }
    }
}

/// Marks a keyed fingerprint inside an id (see [`Fingerprinter`](crate::Fingerprinter)).
const KEYED_MARK: &str = "fp1:";

/// The stable id of a finding: 16 hex digits of BLAKE3 over the rule id, the subject ids and the
/// location's path and commit. Lines are left out on purpose, so editing the file above a finding
/// does not make it look new; but ids never depend on the store's fingerprint key (a baseline made
/// on one machine must work on another), so a subject whose id embeds a keyed fingerprint (a
/// secret) is replaced by the line it was found on.
pub fn finding_id(rule: &str, subjects: &[String], location: Option<&Location>) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(rule.as_bytes());
    let mut keyed = false;
    for subject in subjects {
        hasher.update(b"\0");
        match subject.find(KEYED_MARK) {
            Some(at) => {
                keyed = true;
                hasher.update(&subject.as_bytes()[..at]);
            }
            None => {
                hasher.update(subject.as_bytes());
            }
        }
    }
    if let Some(location) = location {
        for part in [
            &location.path,
            &location.commit,
            &location.account,
            &location.cluster,
        ] {
            hasher.update(b"\x01");
            hasher.update(part.as_deref().unwrap_or("").as_bytes());
        }
        if keyed {
            hasher.update(&location.line.unwrap_or(0).to_le_bytes());
        }
    }
    hex::encode(&hasher.finalize().as_bytes()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_ignores_line_but_not_path() {
        let subjects = vec!["x509:certificate:abc".to_string()];
        let at = |path: &str, line| Location::file(path, Some(line));
        let a = finding_id("r", &subjects, Some(&at("a.pem", 1)));
        assert_eq!(a, finding_id("r", &subjects, Some(&at("a.pem", 40))));
        assert_ne!(a, finding_id("r", &subjects, Some(&at("b.pem", 1))));
        assert_ne!(a, finding_id("other", &subjects, Some(&at("a.pem", 1))));
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn id_does_not_depend_on_the_fingerprint_key() {
        let at = |line| Location::file("app/.env", Some(line));
        let with_key = |fp: &str| {
            vec![
                format!("api-token:fp1:{fp}"),
                "host:account:web/deploy".to_string(),
            ]
        };
        let a = finding_id("r", &with_key("aaaa"), Some(&at(3)));
        assert_eq!(
            a,
            finding_id("r", &with_key("bbbb"), Some(&at(3))),
            "another store's key"
        );
        assert_ne!(
            a,
            finding_id("r", &with_key("aaaa"), Some(&at(4))),
            "two secrets in one file"
        );
    }
}

/// Whether a stored finding is still seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingStatus {
    /// Seen by the latest run of its scope.
    Open,
    /// A later run of the same scope no longer saw it.
    Resolved,
}

/// The history the store keeps for a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub status: FindingStatus,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
}

/// A finding together with its stored history, when there is one. Serialises flat: the finding's
/// fields, then `status`, `first_seen`, `last_seen` (and `resolved_at`) when tracked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
}
