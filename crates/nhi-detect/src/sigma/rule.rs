//! A Sigma rule as read from YAML, before compilation: the header, the log source and either a
//! detection (search identifiers and conditions) or a correlation. Values stay as written; the
//! modifiers on each field are still names, resolved when the engine is built.

use chrono::TimeDelta;
use nhi_model::Severity;
use std::collections::BTreeMap;

/// A scalar value in a detection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SigmaValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

impl SigmaValue {
    /// The value as text, for modifiers that read numbers as strings.
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            SigmaValue::Str(text) => Some(text.clone()),
            SigmaValue::Int(number) => Some(number.to_string()),
            SigmaValue::Float(number) => Some(number.to_string()),
            SigmaValue::Bool(_) | SigmaValue::Null => None,
        }
    }

    pub(crate) fn number(&self) -> Option<f64> {
        match self {
            SigmaValue::Int(number) => Some(*number as f64),
            SigmaValue::Float(number) => Some(*number),
            SigmaValue::Str(text) => text.trim().parse().ok(),
            SigmaValue::Bool(_) | SigmaValue::Null => None,
        }
    }
}

/// One `field|modifier|...: value(s)` entry; `field` is `None` for keywords.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchItem {
    pub field: Option<String>,
    pub modifiers: Vec<String>,
    pub values: Vec<SigmaValue>,
    /// Line of the entry in the rule file, where found.
    pub line: Option<usize>,
}

impl SearchItem {
    /// How the entry reads in messages: the field, or `keywords`.
    pub(crate) fn label(&self) -> &str {
        self.field.as_deref().unwrap_or("keywords")
    }
}

/// A search identifier: an OR over maps, each map an AND over its entries.
pub(crate) type Selection = Vec<Vec<SearchItem>>;

/// The `detection` section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Detection {
    /// Search identifiers in file order.
    pub selections: Vec<(String, Selection)>,
    /// One condition, or several that are OR-ed.
    pub conditions: Vec<String>,
    pub condition_line: Option<usize>,
}

/// The `logsource` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Logsource {
    pub product: Option<String>,
    pub service: Option<String>,
    pub category: Option<String>,
}

/// The four correlation types of Sigma v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
}

/// A correlation's count condition: each bound that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CountCondition {
    pub gt: Option<u64>,
    pub gte: Option<u64>,
    pub lt: Option<u64>,
    pub lte: Option<u64>,
    pub eq: Option<u64>,
}

impl CountCondition {
    pub(crate) fn holds(&self, count: u64) -> bool {
        self.gt.is_none_or(|bound| count > bound)
            && self.gte.is_none_or(|bound| count >= bound)
            && self.lt.is_none_or(|bound| count < bound)
            && self.lte.is_none_or(|bound| count <= bound)
            && self.eq.is_none_or(|bound| count == bound)
    }

    /// Whether the condition only asks for "at least": then it can fire as soon as it holds.
    pub(crate) fn is_lower_bound(&self) -> bool {
        self.lt.is_none() && self.lte.is_none() && self.eq.is_none()
    }

    /// The largest count that can still satisfy the condition, if bounded.
    pub(crate) fn upper_bound(&self) -> Option<u64> {
        [
            self.eq,
            self.lte,
            self.lt.map(|bound| bound.saturating_sub(1)),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// The `correlation` section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Correlation {
    pub kind: CorrelationType,
    /// Referenced rules, by id or name.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan: TimeDelta,
    pub condition: Option<CountCondition>,
    /// `value_count`: the field whose distinct values are counted.
    pub value_field: Option<String>,
    /// alias -> rule name -> field.
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// Whether the referenced rules also report on their own.
    pub generate: bool,
    pub line: Option<usize>,
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RuleBody {
    Detection(Detection),
    Correlation(Correlation),
}

/// Everything about a rule that is not its logic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleHeader {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Who wrote the rule: attribution that every match must carry (Detection Rule License).
    pub author: Option<String>,
    pub level: Option<Severity>,
    pub tags: Vec<String>,
    pub falsepositives: Vec<String>,
    pub fields: Vec<String>,
}

/// One rule document of a rule file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedRule {
    pub origin: String,
    /// Line where the document starts.
    pub line: usize,
    pub header: RuleHeader,
    pub logsource: Logsource,
    pub body: RuleBody,
}

impl ParsedRule {
    /// The id other rules and outputs use: `id`, else `name`, else the document's place.
    pub(crate) fn key(&self) -> String {
        self.header
            .id
            .clone()
            .or_else(|| self.header.name.clone())
            .unwrap_or_else(|| format!("{}:{}", self.origin, self.line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_conditions_combine_their_bounds() {
        let range = CountCondition {
            gt: Some(100),
            lte: Some(200),
            ..Default::default()
        };
        assert!(!range.holds(100) && range.holds(101) && range.holds(200) && !range.holds(201));
        assert!(!range.is_lower_bound());
        assert_eq!(range.upper_bound(), Some(200));
        let at_least = CountCondition {
            gte: Some(3),
            ..Default::default()
        };
        assert!(at_least.is_lower_bound() && at_least.holds(3) && !at_least.holds(2));
        assert_eq!(
            CountCondition {
                lt: Some(5),
                ..Default::default()
            }
            .upper_bound(),
            Some(4)
        );
    }
}
