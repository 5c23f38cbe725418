//! Checks a scanner's rules against their own examples: each example must be reported by its rule,
//! no negative example may be. Used by the tests for built-ins and available for user rule files.

use crate::scanner::Scanner;

/// Why one rule failed its examples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule's id.
    pub rule: String,
    /// What went wrong, naming the example by position (never echoing a secret).
    pub problem: String,
}

impl Scanner {
    /// Runs every rule's examples and negative examples through this scanner; empty when all pass.
    /// A rule with no example or no negative example fails too.
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for rule in self.rules() {
            let mut fail = |problem: String| {
                failures.push(ExampleFailure {
                    rule: rule.id().to_string(),
                    problem,
                })
            };
            if rule.examples().is_empty() || rule.negative_examples().is_empty() {
                fail("needs at least one example and one negative example".into());
            }
            let path = example_path(rule);
            for (i, example) in rule.examples().iter().enumerate() {
                if !self.reports(&path, example, rule.id()) {
                    fail(format!("example #{} is not reported", i + 1));
                }
            }
            for (i, example) in rule.negative_examples().iter().enumerate() {
                if self.reports(&path, example, rule.id()) {
                    fail(format!("negative example #{} is reported", i + 1));
                }
            }
        }
        failures
    }

    fn reports(&self, path: &str, text: &str, rule_id: &str) -> bool {
        let mut seen = false;
        self.scan_file(path, text.as_bytes(), |m| seen |= m.rule.id() == rule_id);
        seen
    }
}

/// The file a scoped rule's examples are read as: its first file pattern, `*` standing for `x`.
/// Unscoped rules' examples are read as content without a name.
fn example_path(rule: &crate::Rule) -> String {
    rule.files()
        .first()
        .map(|pattern| format!("examples/{}", pattern.replace('*', "x")))
        .unwrap_or_default()
}
