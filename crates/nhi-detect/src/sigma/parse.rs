//! Reads Sigma rule files (YAML, one or several documents) into [`ParsedRule`]s. Structure is
//! checked here (types, required keys); modifiers and conditions are checked when compiling.
//! Invariant: never panics on any text; each bad document becomes one [`RuleLoadError`].

use super::error::{LoadProblem, RuleLoadError};
use super::rule::{
    Correlation, CorrelationType, CountCondition, Detection, Logsource, ParsedRule, RuleBody,
    RuleHeader, SearchItem, Selection, SigmaValue,
};
use chrono::TimeDelta;
use nhi_model::Severity;
use serde_yaml_ng::{Mapping, Value as Yaml};
use std::collections::BTreeMap;

/// A problem and the line it was found on, if known.
type Located<T> = Result<T, (Option<usize>, LoadProblem)>;

/// Parses every document of one rule file.
pub(crate) fn parse_file(
    origin: &str,
    text: &str,
    rules: &mut Vec<ParsedRule>,
    errors: &mut Vec<RuleLoadError>,
) {
    for (first_line, document) in documents(text) {
        let error = |line: Option<usize>, rule: Option<String>, problem| RuleLoadError {
            origin: origin.to_string(),
            line,
            rule,
            problem,
        };
        let yaml: Yaml = match serde_yaml_ng::from_str(document) {
            Ok(Yaml::Null) => continue,
            Ok(yaml) => yaml,
            Err(problem) => {
                let line = problem.location().map(|at| first_line + at.line() - 1);
                errors.push(error(line, None, LoadProblem::Yaml(problem.to_string())));
                continue;
            }
        };
        let mut lines = Lines::new(document, first_line);
        let Some(map) = yaml.as_mapping() else {
            let problem = LoadProblem::WrongType {
                field: "document".into(),
                expected: "a mapping",
            };
            errors.push(error(Some(first_line), None, problem));
            continue;
        };
        let title = map.get("title").and_then(scalar_text);
        match parse_rule(origin, first_line, map, &mut lines) {
            Ok(rule) => rules.push(rule),
            Err((line, problem)) => errors.push(error(line.or(Some(first_line)), title, problem)),
        }
    }
}

/// Splits a file at `---` lines: `(first line number, text)` per document.
fn documents(text: &str) -> Vec<(usize, &str)> {
    let mut documents = Vec::new();
    let (mut start, mut first_line, mut offset) = (0, 1, 0);
    for (number, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            documents.push((first_line, &text[start..offset]));
            start = offset + line.len();
            first_line = number + 2;
        }
        offset += line.len();
    }
    documents.push((first_line, &text[start..]));
    documents
}

/// Finds the line of a key in a document, moving forward as keys are met in file order.
struct Lines<'t> {
    lines: Vec<&'t str>,
    first_line: usize,
    cursor: usize,
}

impl<'t> Lines<'t> {
    fn new(document: &'t str, first_line: usize) -> Self {
        Lines {
            lines: document.lines().collect(),
            first_line,
            cursor: 0,
        }
    }

    fn find(&mut self, key: &str) -> Option<usize> {
        let is_key_line = |line: &&str| {
            let line = line.trim_start();
            let line = line.strip_prefix("- ").unwrap_or(line).trim_start();
            [key.to_string(), format!("'{key}'"), format!("\"{key}\"")]
                .iter()
                .any(|form| {
                    line.strip_prefix(form.as_str())
                        .is_some_and(|rest| rest.trim_start().starts_with(':'))
                })
        };
        let found = (self.cursor..self.lines.len())
            .chain(0..self.cursor)
            .find(|&index| is_key_line(&self.lines[index]))?;
        self.cursor = found;
        Some(self.first_line + found)
    }
}

fn parse_rule(origin: &str, line: usize, map: &Mapping, lines: &mut Lines) -> Located<ParsedRule> {
    for obsolete in ["action", "filter"] {
        if map.contains_key(obsolete) {
            let what = if obsolete == "action" {
                "Sigma 1 rule collections (`action:`)"
            } else {
                "Sigma meta filters (`filter:`)"
            };
            return Err((lines.find(obsolete), LoadProblem::Unsupported(what.into())));
        }
    }
    let header = parse_header(map).map_err(|problem| (None, problem))?;
    let logsource = match map.get("logsource") {
        None => Logsource::default(),
        Some(section) => {
            parse_logsource(section).map_err(|problem| (lines.find("logsource"), problem))?
        }
    };
    let body = if let Some(section) = map.get("correlation") {
        let generate = optional_bool(map, "generate").map_err(|problem| (None, problem))?;
        RuleBody::Correlation(parse_correlation(section, generate, lines)?)
    } else if let Some(section) = map.get("detection") {
        RuleBody::Detection(parse_detection(section, lines)?)
    } else {
        return Err((Some(line), LoadProblem::Missing("detection")));
    };
    Ok(ParsedRule {
        origin: origin.to_string(),
        line,
        header,
        logsource,
        body,
    })
}

fn parse_header(map: &Mapping) -> Result<RuleHeader, LoadProblem> {
    let title = optional_text(map, "title")?.ok_or(LoadProblem::Missing("title"))?;
    let level = match optional_text(map, "level")? {
        None => None,
        Some(level) => Some(parse_level(&level).ok_or(LoadProblem::WrongType {
            field: "level".into(),
            expected: "informational, low, medium, high or critical",
        })?),
    };
    Ok(RuleHeader {
        title,
        id: optional_text(map, "id")?,
        name: optional_text(map, "name")?,
        description: optional_text(map, "description")?,
        author: optional_text(map, "author")?,
        level,
        tags: text_list(map, "tags")?,
        falsepositives: text_list(map, "falsepositives")?,
        fields: text_list(map, "fields")?,
    })
}

fn parse_level(level: &str) -> Option<Severity> {
    match level.to_ascii_lowercase().as_str() {
        "informational" | "info" => Some(Severity::Info),
        other => other.parse().ok(),
    }
}

fn parse_logsource(section: &Yaml) -> Result<Logsource, LoadProblem> {
    let map = section.as_mapping().ok_or(LoadProblem::WrongType {
        field: "logsource".into(),
        expected: "a mapping",
    })?;
    Ok(Logsource {
        product: optional_text(map, "product")?,
        service: optional_text(map, "service")?,
        category: optional_text(map, "category")?,
    })
}

fn parse_detection(section: &Yaml, lines: &mut Lines) -> Located<Detection> {
    let at = lines.find("detection");
    let map = section.as_mapping().ok_or((
        at,
        LoadProblem::WrongType {
            field: "detection".into(),
            expected: "a mapping",
        },
    ))?;
    let mut detection = Detection {
        selections: Vec::new(),
        conditions: Vec::new(),
        condition_line: None,
    };
    for (key, value) in map {
        let name = scalar_text(key).ok_or((
            at,
            LoadProblem::WrongType {
                field: "detection key".into(),
                expected: "a string",
            },
        ))?;
        match name.as_str() {
            "condition" => {
                detection.condition_line = lines.find("condition");
                detection.conditions = text_values(value).ok_or((
                    detection.condition_line,
                    LoadProblem::WrongType {
                        field: "condition".into(),
                        expected: "a string or a list of strings",
                    },
                ))?;
            }
            "timeframe" => {
                let what = "`timeframe` (Sigma 1 aggregation); use a correlation rule";
                return Err((
                    lines.find("timeframe"),
                    LoadProblem::Unsupported(what.into()),
                ));
            }
            _ => {
                let at = lines.find(&name);
                let selection = parse_selection(&name, value, at, lines)?;
                detection.selections.push((name, selection));
            }
        }
    }
    if detection.conditions.is_empty() {
        return Err((at, LoadProblem::Missing("detection.condition")));
    }
    Ok(detection)
}

fn parse_selection(
    name: &str,
    value: &Yaml,
    at: Option<usize>,
    lines: &mut Lines,
) -> Located<Selection> {
    let invalid = |reason: &str| (at, LoadProblem::invalid(name, reason));
    match value {
        Yaml::Mapping(map) => Ok(vec![parse_map(map, lines)?]),
        Yaml::Sequence(items) => {
            let mut maps = Vec::new();
            let mut keywords = Vec::new();
            for item in items {
                match item {
                    Yaml::Mapping(map) => maps.push(parse_map(map, lines)?),
                    Yaml::Sequence(_) => return Err(invalid("a list inside a list")),
                    scalar => keywords
                        .push(sigma_value(scalar).ok_or_else(|| invalid("unsupported value"))?),
                }
            }
            if !keywords.is_empty() {
                maps.push(vec![SearchItem {
                    field: None,
                    modifiers: Vec::new(),
                    values: keywords,
                    line: at,
                }]);
            }
            if maps.is_empty() {
                return Err(invalid("empty search identifier"));
            }
            Ok(maps)
        }
        Yaml::Null => Err(invalid("empty search identifier")),
        scalar => {
            let keyword = sigma_value(scalar).ok_or_else(|| invalid("unsupported value"))?;
            Ok(vec![vec![SearchItem {
                field: None,
                modifiers: Vec::new(),
                values: vec![keyword],
                line: at,
            }]])
        }
    }
}

/// One map of a search identifier: `field|modifiers: value or list of values` entries.
fn parse_map(map: &Mapping, lines: &mut Lines) -> Located<Vec<SearchItem>> {
    let mut items = Vec::new();
    for (key, value) in map {
        let key = scalar_text(key).ok_or((
            None,
            LoadProblem::WrongType {
                field: "field name".into(),
                expected: "a string",
            },
        ))?;
        let line = lines.find(&key);
        let mut parts = key.split('|');
        let field = parts
            .next()
            .filter(|field| !field.is_empty())
            .map(str::to_string);
        let modifiers = parts.map(str::to_string).collect();
        let invalid = |reason: &str| (line, LoadProblem::invalid(&key, reason));
        let values = match value {
            Yaml::Sequence(list) if list.is_empty() => return Err(invalid("empty list of values")),
            Yaml::Sequence(list) => list
                .iter()
                .map(|item| {
                    sigma_value(item)
                        .ok_or_else(|| invalid("a list of values may hold only scalars"))
                })
                .collect::<Result<_, _>>()?,
            Yaml::Mapping(_) => return Err(invalid("nested maps are not allowed")),
            scalar => vec![sigma_value(scalar).ok_or_else(|| invalid("unsupported value"))?],
        };
        items.push(SearchItem {
            field,
            modifiers,
            values,
            line,
        });
    }
    Ok(items)
}

fn parse_correlation(
    section: &Yaml,
    generate_outside: Option<bool>,
    lines: &mut Lines,
) -> Located<Correlation> {
    let at = lines.find("correlation");
    let fail = |problem| (at, problem);
    let map = section.as_mapping().ok_or_else(|| {
        fail(LoadProblem::WrongType {
            field: "correlation".into(),
            expected: "a mapping",
        })
    })?;
    let kind = match optional_text(map, "type").map_err(fail)?.as_deref() {
        Some("event_count") => CorrelationType::EventCount,
        Some("value_count") => CorrelationType::ValueCount,
        Some("temporal") => CorrelationType::Temporal,
        Some("temporal_ordered") => CorrelationType::TemporalOrdered,
        Some(_) => {
            return Err(fail(LoadProblem::WrongType {
                field: "correlation.type".into(),
                expected: "event_count, value_count, temporal or temporal_ordered",
            }))
        }
        None => return Err(fail(LoadProblem::Missing("correlation.type"))),
    };
    let rules = text_list(map, "rules").map_err(fail)?;
    if rules.is_empty() {
        return Err(fail(LoadProblem::Missing("correlation.rules")));
    }
    let timespan = optional_text(map, "timespan")
        .map_err(fail)?
        .ok_or_else(|| fail(LoadProblem::Missing("correlation.timespan")))?;
    let timespan = parse_timespan(&timespan).ok_or_else(|| {
        fail(LoadProblem::WrongType {
            field: "correlation.timespan".into(),
            expected: "a number and s, m, h or d",
        })
    })?;
    let (condition, value_field) = match map.get("condition") {
        None => (None, None),
        Some(condition) => {
            let (condition, field) = parse_count_condition(condition).map_err(fail)?;
            (Some(condition), field)
        }
    };
    if condition.is_none()
        && matches!(
            kind,
            CorrelationType::EventCount | CorrelationType::ValueCount
        )
    {
        return Err(fail(LoadProblem::Missing("correlation.condition")));
    }
    if value_field.is_none() && kind == CorrelationType::ValueCount {
        return Err(fail(LoadProblem::Missing("correlation.condition.field")));
    }
    let generate = match optional_bool(map, "generate").map_err(fail)? {
        Some(inside) => inside,
        None => generate_outside.unwrap_or(false),
    };
    Ok(Correlation {
        kind,
        rules,
        group_by: text_list(map, "group-by").map_err(fail)?,
        timespan,
        condition,
        value_field,
        aliases: parse_aliases(map.get("aliases")).map_err(fail)?,
        generate,
        line: at,
    })
}

/// `5m`, `90s`, `1h`, `2d`.
fn parse_timespan(text: &str) -> Option<TimeDelta> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let count: i64 = text[..text.len() - unit.len_utf8()]
        .parse()
        .ok()
        .filter(|count| *count > 0)?;
    match unit {
        's' => TimeDelta::try_seconds(count),
        'm' => TimeDelta::try_minutes(count),
        'h' => TimeDelta::try_hours(count),
        'd' => TimeDelta::try_days(count),
        _ => None,
    }
}

fn parse_count_condition(yaml: &Yaml) -> Result<(CountCondition, Option<String>), LoadProblem> {
    let wrong = || LoadProblem::WrongType {
        field: "correlation.condition".into(),
        expected: "a mapping of gt, gte, lt, lte, eq (and field) to numbers",
    };
    let map = yaml.as_mapping().ok_or_else(wrong)?;
    let mut condition = CountCondition::default();
    let mut field = None;
    for (key, value) in map {
        let key = scalar_text(key).ok_or_else(wrong)?;
        if key == "field" {
            field = Some(scalar_text(value).ok_or_else(wrong)?);
            continue;
        }
        let bound = value.as_u64().ok_or_else(wrong)?;
        let slot = match key.as_str() {
            "gt" => &mut condition.gt,
            "gte" => &mut condition.gte,
            "lt" => &mut condition.lt,
            "lte" => &mut condition.lte,
            "eq" => &mut condition.eq,
            _ => return Err(wrong()),
        };
        *slot = Some(bound);
    }
    if condition == CountCondition::default() {
        return Err(wrong());
    }
    Ok((condition, field))
}

fn parse_aliases(
    yaml: Option<&Yaml>,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, LoadProblem> {
    let wrong = || LoadProblem::WrongType {
        field: "correlation.aliases".into(),
        expected: "a mapping of alias to (rule name to field)",
    };
    let Some(yaml) = yaml else {
        return Ok(BTreeMap::new());
    };
    let mut aliases = BTreeMap::new();
    for (alias, fields) in yaml.as_mapping().ok_or_else(wrong)? {
        let mut per_rule = BTreeMap::new();
        for (rule, field) in fields.as_mapping().ok_or_else(wrong)? {
            per_rule.insert(
                scalar_text(rule).ok_or_else(wrong)?,
                scalar_text(field).ok_or_else(wrong)?,
            );
        }
        aliases.insert(scalar_text(alias).ok_or_else(wrong)?, per_rule);
    }
    Ok(aliases)
}

/// A detection value; `None` for lists, maps and tagged values.
fn sigma_value(yaml: &Yaml) -> Option<SigmaValue> {
    Some(match yaml {
        Yaml::String(text) => SigmaValue::Str(text.clone()),
        Yaml::Bool(flag) => SigmaValue::Bool(*flag),
        Yaml::Null => SigmaValue::Null,
        Yaml::Number(number) => match number.as_i64() {
            Some(int) => SigmaValue::Int(int),
            None => SigmaValue::Float(number.as_f64()?),
        },
        Yaml::Sequence(_) | Yaml::Mapping(_) | Yaml::Tagged(_) => return None,
    })
}

/// A scalar as text (ids and names may be written as numbers).
fn scalar_text(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::String(text) => Some(text.clone()),
        Yaml::Number(number) => Some(number.to_string()),
        Yaml::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// One string, or a list of strings.
fn text_values(yaml: &Yaml) -> Option<Vec<String>> {
    match yaml {
        Yaml::Sequence(items) => items.iter().map(scalar_text).collect(),
        Yaml::Null => Some(Vec::new()),
        scalar => Some(vec![scalar_text(scalar)?]),
    }
}

fn optional_text(map: &Mapping, key: &str) -> Result<Option<String>, LoadProblem> {
    match map.get(key) {
        None | Some(Yaml::Null) => Ok(None),
        Some(value) => scalar_text(value).map(Some).ok_or(LoadProblem::WrongType {
            field: key.into(),
            expected: "a string",
        }),
    }
}

fn optional_bool(map: &Mapping, key: &str) -> Result<Option<bool>, LoadProblem> {
    match map.get(key) {
        None | Some(Yaml::Null) => Ok(None),
        Some(Yaml::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(LoadProblem::WrongType {
            field: key.into(),
            expected: "true or false",
        }),
    }
}

fn text_list(map: &Mapping, key: &str) -> Result<Vec<String>, LoadProblem> {
    match map.get(key) {
        None => Ok(Vec::new()),
        Some(value) => text_values(value).ok_or(LoadProblem::WrongType {
            field: key.into(),
            expected: "a list of strings",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<ParsedRule>, Vec<RuleLoadError>) {
        let (mut rules, mut errors) = (Vec::new(), Vec::new());
        parse_file("test.yml", text, &mut rules, &mut errors);
        (rules, errors)
    }

    const RULE: &str = "title: Stop logging
id: r-1
level: high
tags: [attack.defense-evasion, attack.t1562.008]
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventSource: cloudtrail.amazonaws.com
        eventName|contains|all:
            - Stop
            - Logging
    keywords:
        - evil
        - 42
    condition: selection and not keywords
falsepositives: Testing
";

    #[test]
    fn reads_header_logsource_selections_and_condition() {
        let (rules, errors) = parse(RULE);
        assert!(errors.is_empty(), "{errors:?}");
        let rule = &rules[0];
        assert_eq!(rule.key(), "r-1");
        assert_eq!(rule.header.level, Some(Severity::High));
        assert_eq!(rule.header.tags.len(), 2);
        assert_eq!(rule.header.falsepositives, vec!["Testing"]);
        assert_eq!(rule.logsource.product.as_deref(), Some("aws"));
        let RuleBody::Detection(detection) = &rule.body else {
            panic!("not a detection")
        };
        assert_eq!(detection.conditions, vec!["selection and not keywords"]);
        let (name, selection) = &detection.selections[0];
        assert_eq!(name, "selection");
        let item = &selection[0][1];
        assert_eq!(item.field.as_deref(), Some("eventName"));
        assert_eq!(item.modifiers, vec!["contains", "all"]);
        assert_eq!(item.line, Some(11));
        let keywords = &detection.selections[1].1[0][0];
        assert_eq!(keywords.field, None);
        assert_eq!(
            keywords.values,
            vec![SigmaValue::Str("evil".into()), SigmaValue::Int(42)]
        );
    }

    #[test]
    fn multi_document_files_give_one_rule_per_document() {
        let text = format!(
            "{RULE}---\ntitle: Many stops\ncorrelation:\n    type: event_count\n    rules: r-1\n    \
             group-by: [userIdentity.arn]\n    timespan: 10m\n    condition:\n        gte: 3\n"
        );
        let (rules, errors) = parse(&text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[1].line, 20);
        let RuleBody::Correlation(correlation) = &rules[1].body else {
            panic!("not a correlation")
        };
        assert_eq!(correlation.kind, CorrelationType::EventCount);
        assert_eq!(correlation.timespan, TimeDelta::minutes(10));
        assert_eq!(correlation.condition.as_ref().unwrap().gte, Some(3));
    }

    #[test]
    fn bad_documents_are_reported_with_their_line_and_the_rest_loads() {
        let text =
            format!("title: broken\ndetection: [unclosed\n---\n{RULE}---\ntitle: no detection\n");
        let (rules, errors) = parse(&text);
        assert_eq!(rules.len(), 1);
        assert_eq!(errors.len(), 2);
        assert!(matches!(errors[0].problem, LoadProblem::Yaml(_)));
        assert_eq!(errors[1].problem, LoadProblem::Missing("detection"));
        assert_eq!(errors[1].rule.as_deref(), Some("no detection"));
    }

    #[test]
    fn structural_mistakes_are_named() {
        let nested =
            "title: t\ndetection:\n    sel:\n        a:\n            b: c\n    condition: sel\n";
        let (_, errors) = parse(nested);
        assert_eq!(errors[0].line, Some(4));
        assert!(
            errors[0].to_string().contains("nested maps"),
            "{}",
            errors[0]
        );
        let no_condition = "title: t\ndetection:\n    sel:\n        a: b\n";
        assert_eq!(
            parse(no_condition).1[0].problem,
            LoadProblem::Missing("detection.condition")
        );
        let timeframe = "title: t\ndetection:\n    sel:\n        a: b\n    timeframe: 5m\n    condition: sel | count() > 5\n";
        assert!(matches!(
            parse(timeframe).1[0].problem,
            LoadProblem::Unsupported(_)
        ));
        let level = "title: t\nlevel: severe\ndetection:\n    sel: x\n    condition: sel\n";
        assert!(matches!(
            parse(level).1[0].problem,
            LoadProblem::WrongType { .. }
        ));
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("90s"), Some(TimeDelta::seconds(90)));
        assert_eq!(parse_timespan("1d"), Some(TimeDelta::days(1)));
        assert_eq!(parse_timespan("5"), None);
        assert_eq!(parse_timespan("0m"), None);
        assert_eq!(parse_timespan("m"), None);
        assert_eq!(parse_timespan("3é"), None);
    }
}
