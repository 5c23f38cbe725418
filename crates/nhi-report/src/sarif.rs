//! SARIF 2.1.0 writer: one run whose driver lists every rule the findings reference, and one
//! result per finding. The output must validate against the OASIS schema (a test checks it) and
//! keep what code-scanning UIs read: `security-severity`, `partialFingerprints`, relative URIs.

use crate::json::write_pretty;
use crate::{ReportData, ReportError};
use nhi_model::{Finding, FindingStatus, Location, OwaspNhi, RuleMeta, Severity};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// The key of our stable finding id in `partialFingerprints`; `baseline` reads it back.
pub(crate) const FINGERPRINT_KEY: &str = "nhiFindingId/v1";

/// Bytes left as they are in an artifact URI: RFC 3986 unreserved characters and `/`.
/// Everything else, `:` included (a colon in the first segment would read as a scheme), is
/// percent-encoded.
const URI_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

/// A SARIF `reportingDescriptor`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Message>,
    help: Message,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation<'a>>,
    /// `absent` for a finding the store marks resolved: seen before, gone now.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    partial_fingerprints: HashMap<&'static str, &'a str>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    owasp: Vec<&'static str>,
    subjects: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    status: &'static str,
}

/// Write the findings of `data` as one SARIF log.
pub(crate) fn render(data: &ReportData, out: &mut dyn Write) -> Result<(), ReportError> {
    let rules = referenced_rules(data);
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let results = data
        .findings
        .iter()
        .map(|tracked| {
            let finding = &tracked.finding;
            SarifResult {
                rule_id: &finding.rule,
                rule_index: index[finding.rule.as_str()],
                level: level(finding.severity),
                message: Message {
                    text: format!(
                        "{}. Remediation: {}",
                        finding.title.trim_end_matches('.'),
                        finding.remediation
                    ),
                },
                locations: location(finding).into_iter().collect(),
                baseline_state: tracked
                    .lifecycle
                    .as_ref()
                    .filter(|l| l.status == FindingStatus::Resolved)
                    .map(|_| "absent"),
                partial_fingerprints: HashMap::from([(FINGERPRINT_KEY, finding.id.as_str())]),
                properties: ResultProperties {
                    owasp: codes(&finding.owasp),
                    subjects: &finding.subjects,
                    commit: finding.location.as_ref().and_then(|l| l.commit.as_deref()),
                    status: crate::text::status(tracked),
                },
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "nhi",
                    version: data.tool_version,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            results,
        }],
    };
    write_pretty(&log, out)
}

/// The rules the findings reference: those of `data.rules` in their order, then, for a finding
/// whose rule is not listed, a descriptor made from the finding itself so `ruleIndex` stays valid.
fn referenced_rules<'a>(data: &ReportData<'a>) -> Vec<Rule<'a>> {
    let referenced: Vec<&str> = data
        .findings
        .iter()
        .map(|f| f.finding.rule.as_str())
        .collect();
    let mut rules: Vec<Rule<'a>> = Vec::new();
    for meta in data.rules {
        if referenced.contains(&meta.id.as_ref()) && !rules.iter().any(|r| r.id == meta.id) {
            rules.push(described(meta));
        }
    }
    for tracked in data.findings {
        if !rules.iter().any(|r| r.id == tracked.finding.rule) {
            rules.push(undescribed(&tracked.finding));
        }
    }
    rules
}

fn described(meta: &RuleMeta) -> Rule<'_> {
    Rule {
        id: &meta.id,
        name: pascal_case(&meta.id),
        short_description: Message {
            text: meta.title.to_string(),
        },
        full_description: Some(Message {
            text: meta.description.to_string(),
        }),
        help: Message {
            text: meta.remediation.to_string(),
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: properties(meta.severity, &meta.owasp),
    }
}

fn undescribed(finding: &Finding) -> Rule<'_> {
    Rule {
        id: &finding.rule,
        name: pascal_case(&finding.rule),
        short_description: Message {
            text: finding.rule.clone(),
        },
        full_description: None,
        help: Message {
            text: finding.remediation.clone(),
        },
        default_configuration: Configuration {
            level: level(finding.severity),
        },
        properties: properties(finding.severity, &finding.owasp),
    }
}

fn properties(severity: Severity, owasp: &[OwaspNhi]) -> RuleProperties {
    let mut tags = vec!["security"];
    tags.extend(codes(owasp));
    RuleProperties {
        security_severity: security_severity(severity),
        tags,
    }
}

/// A file location when the finding has a path; otherwise a logical location naming the subject
/// the finding is most about; none when it has neither.
fn location(finding: &Finding) -> Option<SarifLocation<'_>> {
    if let Some(Location {
        path: Some(path),
        line,
        ..
    }) = &finding.location
    {
        let physical = PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: artifact_uri(path),
            },
            region: line
                .filter(|&l| l >= 1)
                .map(|start_line| Region { start_line }),
        };
        return Some(SarifLocation {
            physical_location: Some(physical),
            logical_locations: Vec::new(),
        });
    }
    let subject = finding.subjects.first()?;
    Some(SarifLocation {
        physical_location: None,
        logical_locations: vec![LogicalLocation {
            fully_qualified_name: subject,
            kind: "resource",
        }],
    })
}

/// A relative URI reference for a path as given: `/` separators, the rest percent-encoded.
fn artifact_uri(path: &str) -> String {
    utf8_percent_encode(&path.replace('\\', "/"), URI_KEEP).to_string()
}

fn codes(owasp: &[OwaspNhi]) -> Vec<&'static str> {
    owasp.iter().map(|o| o.code()).collect()
}

/// SARIF level: critical and high are errors, medium a warning, the rest notes.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The CVSS-like score code-scanning UIs sort and badge by.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// `x509-certificate-expired` -> `X509CertificateExpired`, the usual shape of a SARIF rule name.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_alphanumeric())
        .flat_map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars))
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_use_slashes_and_encode_what_a_uri_cannot_hold() {
        assert_eq!(artifact_uri("src/app.py"), "src/app.py");
        assert_eq!(
            artifact_uri(r"deploy\prod values.yaml"),
            "deploy/prod%20values.yaml"
        );
        assert_eq!(artifact_uri("c:/keys/#1?.pem"), "c%3A/keys/%231%3F.pem");
        assert_eq!(
            artifact_uri("clés/ключ.pem"),
            "cl%C3%A9s/%D0%BA%D0%BB%D1%8E%D1%87.pem"
        );
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            pascal_case("x509-certificate-expired"),
            "X509CertificateExpired"
        );
        assert_eq!(pascal_case("aws_access--key"), "AwsAccessKey");
    }
}
