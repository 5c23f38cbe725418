//! Walks every built-in rule: structure (ids, keywords, remediation, OWASP mapping) and its own
//! examples and negative examples.

use nhi_secrets::{catalog, RuleSet, Scanner};
use std::collections::HashSet;

fn builtin() -> RuleSet {
    RuleSet::builtin().expect("built-in rules load")
}

#[test]
fn there_are_at_least_150_credential_types() {
    assert!(builtin().len() >= 150, "only {} rules", builtin().len());
}

#[test]
fn ids_are_unique_kebab_case_and_rules_are_complete() {
    let mut seen = HashSet::new();
    for rule in builtin().rules() {
        let id = rule.id();
        assert!(seen.insert(id.to_string()), "duplicate id {id}");
        let kebab = id.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        assert!(kebab, "{id} is not kebab-case");
        assert!(
            !rule.remediation().trim().is_empty(),
            "{id} has no remediation"
        );
        assert!(!rule.owasp().is_empty(), "{id} has no OWASP mapping");
        assert!(
            !rule.name().is_empty() && !rule.provider().is_empty(),
            "{id} lacks name or provider"
        );
        assert!(
            !rule.keywords().is_empty() || rule.is_file_scoped(),
            "{id} has no keyword and is not scoped to files"
        );
        for keyword in rule.keywords() {
            assert!(
                keyword.len() >= 3 && *keyword == keyword.to_lowercase(),
                "{id}: keyword {keyword}"
            );
        }
    }
}

#[test]
fn every_rule_reports_its_examples_and_none_of_its_negative_examples() {
    let scanner = Scanner::new(builtin()).unwrap();
    let failures = scanner.check_examples();
    let report: Vec<String> = failures
        .iter()
        .map(|f| format!("{}: {}", f.rule, f.problem))
        .collect();
    assert!(
        report.is_empty(),
        "{} failures:\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn catalog_lists_every_builtin_rule_as_a_secret_rule() {
    let metas = catalog();
    assert_eq!(metas.len(), builtin().len());
    assert!(metas.iter().all(|m| m.kind == nhi_model::RuleKind::Secret));
}

#[test]
fn store_rules_run_only_on_the_files_they_name() {
    let scanner = Scanner::new(builtin()).unwrap();
    let line = b"db.internal:5432:orders:app:hunter22\n";
    let mut named = Vec::new();
    scanner.scan_file("home/ops/.pgpass", line, |m| {
        named.push((m.rule.id().to_string(), m.notes.to_vec()))
    });
    assert_eq!(named.len(), 1, "{named:?}");
    assert_eq!(named[0].0, "pgpass-password");
    assert!(
        named[0].1.iter().any(|n| n.starts_with("weak password")),
        "a weak value in a store is kept and called weak: {named:?}"
    );
    let mut elsewhere = 0;
    scanner.scan_file("notes/hosts.txt", line, |_| elsewhere += 1);
    scanner.scan(line, |_| elsewhere += 1);
    scanner.scan_file("home/ops/.pgpass.example", line, |_| elsewhere += 1);
    assert_eq!(elsewhere, 0, "only in a file named .pgpass");
}
