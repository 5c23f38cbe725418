//! Findings for leaked secrets. The secrets source records each matched secret as a credential
//! whose `secret` attribute carries the matching rule's id, severity, OWASP mapping and
//! remediation; every place it was seen becomes one finding of that rule (so `nhi secrets` and SARIF
//! name the secret rule, e.g. `github-pat-classic`). The same secret in several files or
//! repositories is one more finding: reuse (NHI9).

use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{
    Credential, CredentialKind, Finding, Inventory, Location, OwaspNhi, RuleKind, RuleMeta,
    Severity,
};
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;
use std::collections::HashSet;

/// What the secrets source says about the rule that matched.
#[derive(Deserialize)]
struct SecretRule {
    rule: String,
    name: String,
    severity: Severity,
    owasp: Vec<OwaspNhi>,
    remediation: String,
    #[serde(default)]
    validation: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    decoded_from: Option<String>,
}

fn secret_rule(credential: &Credential) -> Option<SecretRule> {
    serde_json::from_value(credential.attributes.get("secret")?.clone()).ok()
}

/// The places (path, line) where a structured source (x509, ssh, credential files, ...) already
/// inventoried a credential: a secret the engine also matched there is that source's to report,
/// with its richer facts, so it is not reported twice.
fn structured_places(inventory: &Inventory) -> HashSet<(&str, Option<u32>)> {
    inventory
        .credentials
        .values()
        .filter(|c| !c.attributes.contains_key("secret"))
        .flat_map(|c| c.locations.iter())
        .filter(|l| l.commit.is_none())
        .filter_map(|l| Some((l.path.as_deref()?, l.line)))
        .collect()
}

/// Whether a location is one a structured source explains.
fn is_structured(places: &HashSet<(&str, Option<u32>)>, location: &Location) -> bool {
    location.commit.is_none()
        && location
            .path
            .as_deref()
            .is_some_and(|path| places.contains(&(path, location.line)))
}

/// One finding per place each leaked secret was seen, under the secret rule's own id.
pub(crate) fn secret_findings(inventory: &Inventory) -> Vec<Finding> {
    let structured = structured_places(inventory);
    let mut findings = Vec::new();
    for credential in inventory.credentials.values() {
        let Some(rule) = secret_rule(credential) else {
            continue;
        };
        let meta = RuleMeta {
            id: Cow::Owned(rule.rule.clone()),
            kind: RuleKind::Secret,
            title: Cow::Owned(rule.name.clone()),
            severity: rule.severity,
            owasp: Cow::Owned(rule.owasp.clone()),
            description: Cow::Borrowed(""),
            remediation: Cow::Owned(rule.remediation.clone()),
        };
        let validated = match rule.validation.as_deref() {
            Some("valid") => " (structure validated)",
            _ => "",
        };
        for location in credential
            .locations
            .iter()
            .filter(|l| !is_structured(&structured, l))
        {
            let mut subjects = vec![credential.id.clone()];
            subjects.extend(credential.identity.clone());
            let evidence = json!({
                "fingerprint": credential.fingerprint,
                "redacted": credential.redacted,
                "validation": rule.validation,
                "notes": rule.notes,
                "decoded_from": rule.decoded_from,
            });
            let title = format!("{} {}{validated}", rule.name, redacted_suffix(credential));
            findings.push(Finding::new(
                &meta,
                title,
                subjects,
                Some(location.clone()),
                evidence,
            ));
        }
    }
    findings
}

fn redacted_suffix(credential: &Credential) -> String {
    credential
        .redacted
        .as_deref()
        .map(|r| format!("`{r}`"))
        .unwrap_or_default()
}

/// The same secret found in several files, repositories or commits.
pub(crate) struct SecretReused;

static REUSED: RuleMeta = RuleMeta {
    id: Cow::Borrowed("secret-reused"),
    kind: RuleKind::Risk,
    title: Cow::Borrowed("Secret reused in several places"),
    severity: Severity::High,
    owasp: Cow::Borrowed(&[OwaspNhi::NHI9, OwaspNhi::NHI2]),
    description: Cow::Borrowed("One secret value (same keyed fingerprint) appears in two or more files: it is shared between workloads or environments, so one leak exposes all of them and none can be rotated alone."),
    remediation: Cow::Borrowed("Issue a separate credential to each workload and environment from the provider, move each into a secrets manager or the platform's secret store, then revoke the shared value."),
};

impl RiskRule for SecretReused {
    fn meta(&self) -> &RuleMeta {
        &REUSED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let structured = structured_places(inventory);
        inventory
            .credentials
            .values()
            .filter(|c| c.attributes.contains_key("secret") && c.kind.is_secret())
            .filter(|c| !c.locations.iter().all(|l| is_structured(&structured, l)))
            .filter_map(|credential| {
                let paths = credential.paths();
                if paths.len() < 2 {
                    return None;
                }
                let kind = secret_rule(credential)
                    .map_or_else(|| credential.kind.as_str().to_string(), |r| r.name);
                let title = format!(
                    "{kind} {} is stored in {} files",
                    redacted_suffix(credential),
                    paths.len()
                );
                let evidence = json!({"paths": paths, "fingerprint": credential.fingerprint});
                Some(Finding::new(
                    &REUSED,
                    title,
                    vec![credential.id.clone()],
                    credential.locations.first().cloned(),
                    evidence,
                ))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let found = |kind: CredentialKind, paths: &[&str]| {
            let mut credential = Credential::new("api-token:fp1:00aa", kind, "fp1:00aa");
            credential.redacted = Some("ghp_****Zz".into());
            credential.attributes.insert(
                "secret".into(),
                json!({"rule": "github-pat-classic", "name": "GitHub personal access token", "severity": "high",
                       "owasp": ["NHI2"], "remediation": "Revoke it."}),
            );
            credential.locations = paths.iter().map(|p| Location::file(*p, Some(1))).collect();
            crate::example::inventory(vec![], vec![credential], vec![])
        };
        let secret = |paths: &[&str]| found(CredentialKind::ApiToken, paths);
        vec![
            RuleExample {
                name: "one token in two repositories",
                inventory: secret(&["a/.env", "b/ci.yml"]),
                fires: true,
            },
            RuleExample {
                name: "one token on two lines of one file",
                inventory: secret(&["a/.env", "a/.env"]),
                fires: false,
            },
            RuleExample {
                name: "a token in one place",
                inventory: secret(&["a/.env"]),
                fires: false,
            },
            RuleExample {
                name: "a public key in two places (not a secret)",
                inventory: found(
                    CredentialKind::SshAuthorizedKey,
                    &["a/key.ppk", "b/key.ppk"],
                ),
                fires: false,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_place_a_secret_was_seen_is_a_finding_of_its_own_rule() {
        let mut inventory = SecretReused.examples().remove(0).inventory;
        let findings = secret_findings(&inventory);
        assert_eq!(findings.len(), 2);
        assert!(findings
            .iter()
            .all(|f| f.rule == "github-pat-classic" && f.severity == Severity::High));
        assert_ne!(findings[0].id, findings[1].id);
        inventory
            .credentials
            .values_mut()
            .for_each(|c| c.attributes.clear());
        assert!(
            secret_findings(&inventory).is_empty(),
            "only credentials the secrets source found"
        );
    }
}
