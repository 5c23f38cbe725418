//! Why a Sigma rule could not be loaded. Every rule that is not loaded is reported with its file,
//! the line where known, and the reason: nothing is dropped silently.

use std::fmt;
use thiserror::Error;

/// One rule (or one rule file) that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{origin}{}: {}{problem}", LineSuffix(*line), RuleLabel(rule.as_deref()))]
pub struct RuleLoadError {
    /// The file (or other origin) the rule came from.
    pub origin: String,
    /// 1-based line in that file, where known.
    pub line: Option<usize>,
    /// The rule's title or id, when it got that far.
    pub rule: Option<String>,
    pub problem: LoadProblem,
}

/// What is wrong with a rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LoadProblem {
    #[error("invalid YAML: {0}")]
    Yaml(String),
    #[error("missing `{0}`")]
    Missing(&'static str),
    #[error("`{field}` must be {expected}")]
    WrongType {
        field: String,
        expected: &'static str,
    },
    #[error("no normaliser for log source {0}")]
    UnsupportedLogSource(String),
    #[error("`{field}`: unknown modifier `{modifier}`")]
    UnknownModifier { field: String, modifier: String },
    #[error("`{field}`: {reason}")]
    InvalidValue { field: String, reason: String },
    #[error("condition `{condition}`: {reason}")]
    Condition { condition: String, reason: String },
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("correlation refers to unknown rule `{0}`")]
    UnknownRule(String),
    #[error("rule id `{0}` is already taken by another rule")]
    DuplicateId(String),
    #[error("correlation chain loops back to `{0}`")]
    Cycle(String),
}

impl LoadProblem {
    /// A problem with one field's value or modifiers.
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        LoadProblem::InvalidValue {
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}

struct LineSuffix(Option<usize>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ":{line}"),
            None => Ok(()),
        }
    }
}

struct RuleLabel<'a>(Option<&'a str>);

impl fmt::Display for RuleLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(rule) => write!(f, "rule '{rule}': "),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_file_line_and_rule() {
        let error = RuleLoadError {
            origin: "rules/a.yml".into(),
            line: Some(12),
            rule: Some("Stop logging".into()),
            problem: LoadProblem::UnknownModifier {
                field: "eventName".into(),
                modifier: "foo".into(),
            },
        };
        assert_eq!(
            error.to_string(),
            "rules/a.yml:12: rule 'Stop logging': `eventName`: unknown modifier `foo`"
        );
    }
}
