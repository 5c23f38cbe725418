//! Findings for leaked secrets. The secrets source records each matched secret as a credential
//! whose `secret` attribute carries the matching rule's id, severity, OWASP mapping and
//! remediation; every place it was seen becomes one finding of that rule (so `nhi secrets` and SARIF
//! name the secret rule, e.g. `github-pat-classic`). The same secret in several files or
//! repositories is one more finding: reuse (NHI9).
//!
//! Where the source saw the user or host lines of a secret's block (its sighting's `context`), each
//! such line is one `secret-context` finding (info), linked to the secret findings it explains by
//! their ids and fingerprints: what a user needs to know which account to rotate. Context never
//! stands alone: no secret finding, no context finding.

use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{
    Credential, CredentialKind, Finding, Inventory, Location, OwaspNhi, RuleKind, RuleMeta,
    Severity,
};
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

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

/// One line of a secret's block that names its account or place (see `nhi_secrets::secret_context`).
#[derive(Deserialize, Clone)]
struct ContextField {
    line: u32,
    key: String,
    value: String,
    role: String,
}

fn secret_rule(credential: &Credential) -> Option<SecretRule> {
    serde_json::from_value(credential.attributes.get("secret")?.clone()).ok()
}

/// What was seen at one place: the rule that matched there (`None` for records made before
/// sightings existed, which fall back to the credential's rule) and the block's context.
fn sighting(
    credential: &Credential,
    location: &Location,
) -> (Option<SecretRule>, Vec<ContextField>) {
    let Some(seen) = credential
        .attributes
        .get("sightings")
        .and_then(|s| s.get(location.display()))
    else {
        return (None, Vec::new());
    };
    let rule = serde_json::from_value(seen.clone()).ok();
    let context = seen
        .get("context")
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default();
    (rule, context)
}

/// The id of the info rule for context lines.
pub(crate) const CONTEXT_RULE: &str = "secret-context";

pub(crate) static CONTEXT: RuleMeta = RuleMeta {
    id: Cow::Borrowed(CONTEXT_RULE),
    kind: RuleKind::Secret,
    title: Cow::Borrowed("Account or host of a leaked secret"),
    severity: Severity::Info,
    owasp: Cow::Borrowed(&[OwaspNhi::NHI2]),
    description: Cow::Borrowed("A line next to a leaked secret, in the same block (JSON or XML object, ini or dotenv group, assignment cluster, .netrc entry), that names the account the secret belongs to (user, login, e-mail) or the place it opens (host, server, URL, database). Reported only beside a secret finding, which it names in its evidence; the secret itself is never shown."),
    remediation: Cow::Borrowed("Rotate the linked secret; this account or host is what it opens, so check its access logs for use since the leak."),
};

/// A context line and the secret findings it explains.
struct ContextSighting {
    field: ContextField,
    location: Location,
    secrets: Vec<serde_json::Value>,
    subjects: Vec<String>,
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
    let mut by_line: BTreeMap<(Location, String, String), ContextSighting> = BTreeMap::new();
    for credential in inventory.credentials.values() {
        let Some(rule) = secret_rule(credential) else {
            continue;
        };
        for location in credential
            .locations
            .iter()
            .filter(|l| !is_structured(&structured, l))
        {
            let (seen, context) = sighting(credential, location);
            let rule = seen.as_ref().unwrap_or(&rule);
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
            let mut subjects = vec![credential.id.clone()];
            subjects.extend(credential.identity.clone());
            let shown: Vec<serde_json::Value> = context
                .iter()
                .map(|f| json!({"line": f.line, "key": f.key, "value": f.value, "role": f.role}))
                .collect();
            let evidence = json!({
                "fingerprint": credential.fingerprint,
                "redacted": credential.redacted,
                "validation": rule.validation,
                "notes": rule.notes,
                "decoded_from": rule.decoded_from,
                "context": shown,
            });
            let weak = if rule.notes.iter().any(|n| n.starts_with("weak password")) {
                " (weak password)"
            } else {
                ""
            };
            let title = format!(
                "{} {}{validated}{weak}",
                rule.name,
                redacted_suffix(credential)
            );
            let finding = Finding::new(&meta, title, subjects, Some(location.clone()), evidence);
            for field in context.iter().filter(|f| Some(f.line) != location.line) {
                let place = Location {
                    line: Some(field.line),
                    ..location.clone()
                };
                let key = (place.clone(), field.key.clone(), field.value.clone());
                let entry = by_line.entry(key).or_insert_with(|| ContextSighting {
                    field: field.clone(),
                    location: place,
                    secrets: Vec::new(),
                    subjects: Vec::new(),
                });
                entry.secrets.push(json!({
                    "finding": finding.id,
                    "rule": finding.rule,
                    "line": location.line,
                    "fingerprint": credential.fingerprint,
                    "redacted": credential.redacted,
                }));
                entry.subjects.push(credential.id.clone());
            }
            findings.push(finding);
        }
    }
    findings.extend(by_line.into_values().map(context_finding));
    findings
}

/// One `secret-context` finding: the line, what it names, and the secret findings it goes with.
fn context_finding(seen: ContextSighting) -> Finding {
    let ContextSighting {
        field,
        location,
        secrets,
        mut subjects,
    } = seen;
    subjects.sort();
    subjects.dedup();
    let mut numbers: Vec<u64> = secrets.iter().filter_map(|s| s["line"].as_u64()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let lines: Vec<String> = numbers.iter().map(u64::to_string).collect();
    let (what, opens) = if field.role == "account" {
        ("Account", "the account it belongs to")
    } else {
        ("Place", "what it opens")
    };
    let title = format!(
        "{what} of the secret at line {}: {} = {}",
        lines.join(", "),
        field.key,
        field.value
    );
    subjects.push(format!("context:{}={}", field.key, field.value));
    let evidence = json!({
        "fingerprint": secrets.first().map(|s| s["fingerprint"].clone()),
        "key": field.key,
        "value": field.value,
        "role": field.role,
        "secrets": secrets,
    });
    let mut finding = Finding::new(&CONTEXT, title, subjects, Some(location), evidence);
    finding.remediation = format!(
        "Rotate the secret at line {}; this {} is {opens}.",
        lines.join(", "),
        if field.role == "account" {
            "account"
        } else {
            "host"
        },
    );
    finding
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

    /// A password seen at `.env:3` (rule `config-file-password`) whose block names its host and
    /// user, as the secrets source records it.
    fn password_with_context() -> Inventory {
        let mut credential =
            Credential::new("password:fp1:00bb", CredentialKind::Password, "fp1:00bb");
        credential.redacted = Some("********".into());
        let location = Location::file("app/.env", Some(3));
        let rule = json!({"rule": "generic-password", "name": "Hard-coded password", "severity": "high",
                          "owasp": ["NHI2"], "remediation": "Change it."});
        let mut seen = rule.clone();
        seen["rule"] = "config-file-password".into();
        seen["name"] = "Password in a configuration file".into();
        seen["notes"] = json!(["weak password: a common word or pattern, open to guessing"]);
        seen["context"] = json!([
            {"line": 1, "key": "DB_HOST", "value": "db.corp.internal", "role": "place"},
            {"line": 2, "key": "DB_USERNAME", "value": "billing", "role": "account"},
        ]);
        credential.attributes.insert("secret".into(), rule);
        credential
            .attributes
            .insert("sightings".into(), json!({ location.display(): seen }));
        credential.locations.push(location);
        crate::example::inventory(vec![], vec![credential], vec![])
    }

    #[test]
    fn context_lines_are_info_findings_linked_to_their_secret() {
        let findings = secret_findings(&password_with_context());
        assert_eq!(findings.len(), 3, "{findings:?}");
        let secret = &findings[0];
        assert_eq!(
            secret.rule, "config-file-password",
            "the rule that matched at that place"
        );
        assert!(
            secret.title.ends_with("(weak password)"),
            "{}",
            secret.title
        );
        assert_eq!(secret.evidence["context"].as_array().unwrap().len(), 2);
        for context in &findings[1..] {
            assert_eq!(context.rule, CONTEXT_RULE);
            assert_eq!(context.severity, Severity::Info);
            assert_eq!(context.owasp, [OwaspNhi::NHI2]);
            assert_eq!(crate::context_links(context), [secret.id.as_str()]);
            assert_eq!(context.evidence["fingerprint"], "fp1:00bb");
            assert!(
                context.remediation.contains("line 3"),
                "{}",
                context.remediation
            );
            assert!(!context.title.contains("fp1:"), "{}", context.title);
        }
        let lines: Vec<Option<u32>> = findings[1..]
            .iter()
            .map(|f| f.location.as_ref().and_then(|l| l.line))
            .collect();
        assert_eq!(lines, [Some(1), Some(2)]);
        assert!(
            findings[2].title.contains("DB_USERNAME = billing"),
            "{}",
            findings[2].title
        );
    }

    #[test]
    fn no_secret_finding_no_context() {
        let mut inventory = password_with_context();
        for credential in inventory.credentials.values_mut() {
            credential.attributes.remove("secret");
        }
        assert!(secret_findings(&inventory).is_empty());
    }

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
