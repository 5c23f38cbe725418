//! IAM `Condition` blocks: the few keys whose value analysis can know are evaluated, the rest are
//! kept as evidence and make a statement *conditional*.
//!
//! Invariant: three-valued and sound. `True` and `False` are only returned when they hold for any
//! request an attacker can make after the export was taken; everything else is `Unknown`.

use super::pattern;
use nhi_model::Timestamp;
use serde_json::Value;

/// The outcome of a condition (or of a whole block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// What is known about a request being judged.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RequestFacts<'a> {
    /// A lower bound on the request time: the export was taken at or after it, so any request an
    /// attacker makes now is later.
    pub not_before: Option<Timestamp>,
    /// `iam:PassedToService`, when the request passes a role to a service.
    pub passed_to_service: Option<&'a str>,
}

/// Evaluate a `Condition` block: every operator and key must hold (AND), any value of a key may
/// match (OR).
pub(crate) fn evaluate(block: &Value, facts: &RequestFacts) -> Truth {
    entries(block).fold(Truth::True, |acc, entry| acc.and(entry.evaluate(facts)))
}

/// One `operator: {key: values}` entry of a condition block.
pub(crate) struct ConditionEntry<'a> {
    pub operator: &'a str,
    pub key: &'a str,
    pub values: Vec<&'a Value>,
}

/// Every (operator, key, values) entry of a condition block; malformed parts are skipped.
pub(crate) fn entries(block: &Value) -> impl Iterator<Item = ConditionEntry<'_>> {
    block.as_object().into_iter().flat_map(|operators| {
        operators.iter().flat_map(|(operator, keys)| {
            keys.as_object().into_iter().flat_map(move |keys| {
                keys.iter().map(move |(key, values)| ConditionEntry {
                    operator,
                    key,
                    values: match values {
                        Value::Array(list) => list.iter().collect(),
                        single => vec![single],
                    },
                })
            })
        })
    })
}

impl ConditionEntry<'_> {
    /// The values as strings (numbers and booleans in their JSON form).
    pub(crate) fn strings(&self) -> Vec<String> {
        self.values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }

    fn evaluate(&self, facts: &RequestFacts) -> Truth {
        if self.operator.contains(':') {
            // ForAnyValue: / ForAllValues: work on multi-valued keys we never know.
            return Truth::Unknown;
        }
        let operator = self
            .operator
            .strip_suffix("IfExists")
            .unwrap_or(self.operator);
        let key = self.key.to_ascii_lowercase();
        match key.as_str() {
            "aws:currenttime" | "aws:tokenissuetime" | "aws:epochtime" => {
                self.evaluate_time(operator, facts)
            }
            "iam:passedtoservice" => self.evaluate_passed_to_service(operator, facts),
            _ => Truth::Unknown,
        }
    }

    fn evaluate_time(&self, operator: &str, facts: &RequestFacts) -> Truth {
        let Some(not_before) = facts.not_before else {
            return Truth::Unknown;
        };
        let later = matches!(
            operator,
            "DateGreaterThan"
                | "DateGreaterThanEquals"
                | "NumericGreaterThan"
                | "NumericGreaterThanEquals"
        );
        let earlier = matches!(
            operator,
            "DateLessThan" | "DateLessThanEquals" | "NumericLessThan" | "NumericLessThanEquals"
        );
        if !later && !earlier {
            return Truth::Unknown;
        }
        self.values.iter().fold(Truth::False, |acc, value| {
            let one = match parse_time(value) {
                // "after D" holds for every request from now on when D is already past.
                Some(bound) if later && bound < not_before => Truth::True,
                // "before D" can never hold again once D is past.
                Some(bound) if earlier && bound <= not_before => Truth::False,
                _ => Truth::Unknown,
            };
            acc.or(one)
        })
    }

    fn evaluate_passed_to_service(&self, operator: &str, facts: &RequestFacts) -> Truth {
        let Some(service) = facts.passed_to_service else {
            return Truth::Unknown;
        };
        let service = service.to_ascii_lowercase();
        let any_matches = self
            .strings()
            .iter()
            .any(|v| pattern::matches(&v.to_ascii_lowercase(), &service));
        let positive = if any_matches {
            Truth::True
        } else {
            Truth::False
        };
        match operator {
            "StringEquals" | "StringLike" | "StringEqualsIgnoreCase" => positive,
            "StringNotEquals" | "StringNotLike" | "StringNotEqualsIgnoreCase" => positive.not(),
            _ => Truth::Unknown,
        }
    }
}

/// A condition value as a time: RFC 3339, a plain date, or epoch seconds.
fn parse_time(value: &Value) -> Option<Timestamp> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0)),
        Value::String(s) => parse_time_text(s),
        _ => None,
    }
}

fn parse_time_text(s: &str) -> Option<Timestamp> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    s.parse::<i64>()
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> RequestFacts<'static> {
        RequestFacts {
            not_before: parse_time_text(s),
            passed_to_service: None,
        }
    }

    #[test]
    fn past_start_dates_always_hold_and_past_end_dates_never_do() {
        let after = json!({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}});
        let before = json!({"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}});
        assert_eq!(evaluate(&after, &at("2023-03-09T10:41:40Z")), Truth::True);
        assert_eq!(evaluate(&before, &at("2023-03-09T10:41:40Z")), Truth::False);
        assert_eq!(
            evaluate(&before, &at("2019-03-09T10:41:40Z")),
            Truth::Unknown
        );
        assert_eq!(evaluate(&after, &RequestFacts::default()), Truth::Unknown);
    }

    #[test]
    fn unknown_keys_stay_unknown_and_one_false_entry_decides() {
        let mfa = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
        assert_eq!(evaluate(&mfa, &at("2023-01-01")), Truth::Unknown);
        let both = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"},
                          "DateLessThan": {"aws:CurrentTime": "2001-01-01"}});
        assert_eq!(evaluate(&both, &at("2023-01-01")), Truth::False);
        assert_eq!(evaluate(&json!({}), &at("2023-01-01")), Truth::True);
    }

    #[test]
    fn passed_to_service_is_known_when_passing_a_role() {
        let only_lambda =
            json!({"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com"]}});
        let lambda = RequestFacts {
            not_before: None,
            passed_to_service: Some("lambda.amazonaws.com"),
        };
        let ec2 = RequestFacts {
            not_before: None,
            passed_to_service: Some("ec2.amazonaws.com"),
        };
        assert_eq!(evaluate(&only_lambda, &lambda), Truth::True);
        assert_eq!(evaluate(&only_lambda, &ec2), Truth::False);
        assert_eq!(
            evaluate(&only_lambda, &RequestFacts::default()),
            Truth::Unknown
        );
    }
}
