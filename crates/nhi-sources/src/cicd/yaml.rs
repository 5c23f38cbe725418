//! Reading CI files as YAML: the documents of a file up to the first syntax error, with anchors
//! and merge keys resolved, and the few lenient accessors the readers share (a field that may be a
//! string or a list, a key that may be written as a boolean).
//!
//! Invariant: never panics and never loops on bad input; an error names the document and the file
//! line. Alias bombs stop at the parser's repetition limit.

use serde_yaml_ng::{Mapping, Value};

/// One document of a CI file.
pub(crate) struct Document {
    /// 1-based position in the file.
    pub index: usize,
    pub value: Value,
}

/// Why (part of) a file could not be read: message and 1-based file line where known.
pub(crate) struct YamlError {
    pub line: Option<u32>,
    pub message: String,
}

/// The documents of `text` in order, and the error that ended reading early, if any. Empty
/// documents are dropped.
pub(crate) fn documents(text: &str) -> (Vec<Document>, Option<YamlError>) {
    let mut documents = Vec::new();
    for (i, deserializer) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let index = i + 1;
        let parsed: Result<Value, _> = serde::Deserialize::deserialize(deserializer);
        let mut value = match parsed {
            Ok(value) => value,
            // After a syntax error the parser cannot find the next document: stop here.
            Err(err) => return (documents, Some(error(index, &err))),
        };
        if let Err(err) = value.apply_merge() {
            return (documents, Some(error(index, &err)));
        }
        if !value.is_null() {
            documents.push(Document { index, value });
        }
    }
    (documents, None)
}

fn error(index: usize, err: &serde_yaml_ng::Error) -> YamlError {
    let full = err.to_string();
    // The parser appends "at line L column C"; the line travels in the error itself.
    let bare = full
        .find(" at line ")
        .map_or(full.as_str(), |at| &full[..at]);
    YamlError {
        line: err.location().map(|l| l.line() as u32),
        message: format!("document {index}: {bare}"),
    }
}

/// A short name for the shape of a value, for messages.
pub(crate) fn shape(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A scalar as text (strings, numbers and booleans; `main` and `1.0` are both branch names).
pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A field that may be one scalar or a list of scalars, as a list.
pub(crate) fn scalars(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Sequence(items)) => items.iter().filter_map(scalar).collect(),
        Some(value) => scalar(value).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The value under `key` in a mapping, or `None` for any other value.
pub(crate) fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.as_mapping().and_then(|map| map.get(key))
}

/// The string under `key`, if it is a scalar.
pub(crate) fn get_text(value: &Value, key: &str) -> Option<String> {
    get(value, key).and_then(scalar)
}

/// Every string in `value` (keys and values, depth first), with the key it sits under.
pub(crate) fn visit_strings<'a>(
    value: &'a Value,
    under: Option<&'a str>,
    visit: &mut dyn FnMut(Option<&str>, &'a str),
) {
    match value {
        Value::String(s) => visit(under, s),
        Value::Sequence(items) => items
            .iter()
            .for_each(|item| visit_strings(item, under, visit)),
        Value::Mapping(map) => visit_mapping(map, visit),
        Value::Tagged(tagged) => visit_strings(&tagged.value, under, visit),
        _ => {}
    }
}

fn visit_mapping<'a>(map: &'a Mapping, visit: &mut dyn FnMut(Option<&str>, &'a str)) {
    for (key, value) in map {
        let key = key.as_str();
        if let Some(k) = key {
            visit(None, k);
        }
        visit_strings(value, key, visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_documents_until_the_first_error() {
        let (docs, err) = documents("a: 1\n---\n\n---\nb: [\n");
        assert_eq!(docs.len(), 1);
        let err = err.unwrap();
        assert!(err.message.starts_with("document 3:"), "{}", err.message);
        assert!(!err.message.contains("at line"), "{}", err.message);
        assert_eq!(err.line, Some(6));
    }

    #[test]
    fn resolves_merge_keys_and_stops_alias_bombs() {
        let (docs, err) = documents("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n");
        assert!(err.is_none());
        assert_eq!(
            get_text(get(&docs[0].value, "c").unwrap(), "x").as_deref(),
            Some("1")
        );
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{prev}"); 10].join(",")
            ));
        }
        assert!(documents(&bomb).1.is_some());
    }

    #[test]
    fn lists_and_scalars_read_alike() {
        let (docs, _) = documents("a: main\nb: [main, 1.0]\nc: {x: 1}\n");
        let doc = &docs[0].value;
        assert_eq!(scalars(get(doc, "a")), ["main"]);
        assert_eq!(scalars(get(doc, "b")), ["main", "1.0"]);
        assert!(scalars(get(doc, "c")).is_empty());
        assert_eq!(shape(get(doc, "c").unwrap()), "a mapping");
    }
}
