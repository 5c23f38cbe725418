//! Compiles a detection rule: routes it to a log source, compiles every entry and the condition,
//! and works out which exact values of an indexed field (`eventName`, `verb`, ...) the rule
//! requires, so that the engine only evaluates rules whose required value the event carries.

use super::condition::{parse_condition, Expr};
use super::error::LoadProblem;
use super::eval::{field_text, item_matches};
use super::fieldmap::{field_paths, index_fields, route, FieldPath};
use super::modifiers::{compile_item, CompileContext, CompiledItem, Predicate};
use super::pattern::fold_text;
use super::rule::{Detection, ParsedRule};
use crate::normalise::LogSource;
use sonic_rs::Value;
use std::collections::{BTreeSet, HashMap};

/// A detection rule ready to run.
#[derive(Debug, Clone)]
pub(crate) struct CompiledDetection {
    pub source: LogSource,
    selections: Vec<Vec<Vec<CompiledItem>>>,
    condition: Expr,
    /// The rule's `fields`, read from each matching record.
    fields: Vec<(String, Vec<FieldPath>)>,
}

/// Values of one indexed field (by its position in [`index_fields`]) of which the record must
/// carry one, folded for case-insensitive lookup.
pub(crate) type Requirement = (usize, BTreeSet<String>);

impl CompiledDetection {
    pub(crate) fn compile(
        rule: &ParsedRule,
        detection: &Detection,
        placeholders: &HashMap<String, Vec<String>>,
    ) -> Result<Self, (Option<usize>, LoadProblem)> {
        let source = route(&rule.logsource).map_err(|problem| (None, problem))?;
        let ctx = CompileContext {
            source,
            placeholders,
        };
        let mut selections = Vec::new();
        for (_, selection) in &detection.selections {
            let maps = selection
                .iter()
                .map(|map| {
                    map.iter()
                        .map(|item| {
                            compile_item(item, &ctx).map_err(|problem| (item.line, problem))
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            selections.push(maps);
        }
        let names: Vec<String> = detection
            .selections
            .iter()
            .map(|(name, _)| name.clone())
            .collect();
        let mut conditions = detection
            .conditions
            .iter()
            .map(|condition| {
                parse_condition(condition, &names).map_err(|reason| {
                    let problem = LoadProblem::Condition {
                        condition: condition.clone(),
                        reason,
                    };
                    (detection.condition_line, problem)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let condition = if conditions.len() == 1 {
            conditions.remove(0)
        } else {
            Expr::Or(conditions)
        };
        let fields = rule
            .header
            .fields
            .iter()
            .map(|field| (field.clone(), field_paths(source, field)))
            .collect();
        Ok(CompiledDetection {
            source,
            selections,
            condition,
            fields,
        })
    }

    /// Whether the rule matches the raw record (`found` is scratch space, see [`item_matches`]).
    pub(crate) fn matches<'v>(&self, raw: &'v Value, found: &mut Vec<&'v Value>) -> bool {
        self.condition.eval(&mut |index| {
            self.selections[index]
                .iter()
                .any(|map| map.iter().all(|item| item_matches(item, raw, found)))
        })
    }

    /// The values of the rule's `fields` in a record, for the analyst.
    pub(crate) fn field_values(&self, raw: &Value) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter_map(|(name, paths)| field_text(paths, raw).map(|text| (name.clone(), text)))
            .collect()
    }

    /// The narrowest requirement on an indexed field that every match must meet, if any.
    pub(crate) fn requirement(&self) -> Option<Requirement> {
        self.expr_requirement(&self.condition)
    }

    fn expr_requirement(&self, expr: &Expr) -> Option<Requirement> {
        match expr {
            Expr::Selection(index) => self.selection_requirement(*index),
            Expr::Not(_) => None,
            Expr::And(parts) => {
                narrowest(parts.iter().filter_map(|part| self.expr_requirement(part)))
            }
            Expr::Or(parts) => union(parts.iter().map(|part| self.expr_requirement(part))),
            Expr::AtLeast { count, of } if *count == of.len() => narrowest(
                of.iter()
                    .filter_map(|&index| self.selection_requirement(index)),
            ),
            Expr::AtLeast { of, .. } => {
                union(of.iter().map(|&index| self.selection_requirement(index)))
            }
        }
    }

    fn selection_requirement(&self, index: usize) -> Option<Requirement> {
        union(
            self.selections[index]
                .iter()
                .map(|map| narrowest(map.iter().filter_map(|item| self.item_requirement(item)))),
        )
    }

    fn item_requirement(&self, item: &CompiledItem) -> Option<Requirement> {
        let [path] = item.paths.as_deref()? else {
            return None;
        };
        let position = index_fields(self.source)
            .iter()
            .position(|field| *field == path.name)?;
        let exact_values = |alternatives: &Vec<Predicate>| -> Option<BTreeSet<String>> {
            alternatives
                .iter()
                .map(|predicate| match predicate {
                    Predicate::Text(pattern) => pattern
                        .exact_text()
                        .map(|text| fold_text(text).into_owned()),
                    _ => None,
                })
                .collect()
        };
        let values = if item.all {
            exact_values(item.values.first()?)?
        } else {
            item.values
                .iter()
                .map(exact_values)
                .collect::<Option<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect()
        };
        Some((position, values))
    }
}

/// Of requirements that must all hold, the most selective: the first indexed field (`eventName`
/// tells more than `eventSource`), then the fewest values.
fn narrowest(requirements: impl Iterator<Item = Requirement>) -> Option<Requirement> {
    requirements.min_by_key(|(position, values)| (*position, values.len()))
}

/// Of alternatives one of which must hold: their union, when all constrain the same field.
fn union(requirements: impl Iterator<Item = Option<Requirement>>) -> Option<Requirement> {
    let mut merged: Option<Requirement> = None;
    for requirement in requirements {
        let (position, values) = requirement?;
        match &mut merged {
            None => merged = Some((position, values)),
            Some((merged_position, merged_values)) if *merged_position == position => {
                merged_values.extend(values)
            }
            Some(_) => return None,
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_file;
    use super::*;

    fn compile(detection: &str) -> CompiledDetection {
        let text = format!("title: t\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n{detection}");
        let (mut rules, mut errors) = (Vec::new(), Vec::new());
        parse_file("t.yml", &text, &mut rules, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let super::super::rule::RuleBody::Detection(detection) = &rules[0].body else {
            panic!()
        };
        CompiledDetection::compile(&rules[0], detection, &HashMap::new()).expect("compiles")
    }

    fn names(requirement: Option<Requirement>) -> Option<(usize, Vec<String>)> {
        requirement.map(|(position, values)| (position, values.into_iter().collect()))
    }

    #[test]
    fn requirements_follow_the_condition() {
        let rule = compile("    sel:\n        eventSource: cloudtrail.amazonaws.com\n        eventName: [StopLogging, DeleteTrail]\n    condition: sel\n");
        assert_eq!(
            names(rule.requirement()),
            Some((0, vec!["deletetrail".into(), "stoplogging".into()]))
        );
        let either = compile("    a:\n        eventName: A\n    b:\n        eventName: B\n    condition: 1 of them\n");
        assert_eq!(
            names(either.requirement()),
            Some((0, vec!["a".into(), "b".into()]))
        );
        let mixed = compile(
            "    a:\n        eventName: A\n    b:\n        eventSource: B\n    condition: a or b\n",
        );
        assert_eq!(
            mixed.requirement(),
            None,
            "alternatives on different fields cannot be indexed"
        );
        let negated = compile("    a:\n        eventName: A\n    condition: not a\n");
        assert_eq!(negated.requirement(), None);
        let wildcard = compile("    a:\n        eventName|startswith: Update\n    condition: a\n");
        assert_eq!(wildcard.requirement(), None);
        let filtered = compile("    a:\n        eventSource: s3.amazonaws.com\n    f:\n        eventName: X\n    condition: a and not f\n");
        assert_eq!(
            names(filtered.requirement()),
            Some((1, vec!["s3.amazonaws.com".into()]))
        );
    }

    #[test]
    fn condition_errors_carry_the_condition_line() {
        let text = "title: t\nlogsource:\n    product: aws\ndetection:\n    sel:\n        a: b\n    condition: sel and nope\n";
        let (mut rules, mut errors) = (Vec::new(), Vec::new());
        parse_file("t.yml", text, &mut rules, &mut errors);
        let super::super::rule::RuleBody::Detection(detection) = &rules[0].body else {
            panic!()
        };
        let (line, problem) =
            CompiledDetection::compile(&rules[0], detection, &HashMap::new()).unwrap_err();
        assert_eq!(line, Some(7));
        assert!(problem
            .to_string()
            .contains("unknown search identifier `nope`"));
    }
}
