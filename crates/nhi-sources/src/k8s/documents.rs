//! Splitting a manifest file into YAML documents and parsing each one into JSON values.
//!
//! A line that starts with `---` (or `...`) always ends a YAML document, even inside a block
//! scalar, so splitting by lines is exact and lets every document keep its own 1-based start line
//! and index. One bad document gives one error and never stops the others. Anchors and merge keys
//! are resolved; alias bombs stop at the parser's repetition limit; duplicate keys are an error
//! (as `kubectl` treats them).

use serde_json::{Map, Number, Value};
use serde_yaml_ng::Value as Yaml;

/// One document of a manifest file.
pub(crate) struct Document<'a> {
    /// 1-based position in the file, as users count documents.
    pub index: usize,
    /// 1-based line of the document's first line.
    pub line: u32,
    pub text: &'a str,
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DocumentError {
    #[error("document {index}: {message}")]
    Yaml {
        index: usize,
        line: u32,
        message: String,
    },
    #[error(
        "document {index} holds unrendered Helm template syntax ({{{{ }}}}); render the chart with \
         `helm template` and scan the output"
    )]
    HelmTemplate { index: usize, line: u32 },
}

impl DocumentError {
    /// The 1-based file line the error points at.
    pub fn line(&self) -> u32 {
        match self {
            DocumentError::Yaml { line, .. } | DocumentError::HelmTemplate { line, .. } => *line,
        }
    }
}

/// Split `text` into documents. Separator lines belong to no document; empty documents are kept
/// (they parse to null) so that indexes match what a reader counts.
pub(crate) fn split(text: &str) -> Vec<Document<'_>> {
    let mut documents = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut offset = 0usize;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        if is_separator(raw) {
            documents.push(Document {
                index: documents.len() + 1,
                line: start_line,
                text: &text[start..offset],
            });
            start = offset + raw.len();
            start_line = index as u32 + 2;
        }
        offset += raw.len();
    }
    documents.push(Document {
        index: documents.len() + 1,
        line: start_line,
        text: &text[start..],
    });
    // A leading `---` makes an empty first document that nobody would count.
    if documents.len() > 1 && documents[0].text.trim().is_empty() {
        documents.remove(0);
        for (i, doc) in documents.iter_mut().enumerate() {
            doc.index = i + 1;
        }
    }
    documents
}

fn is_separator(line: &str) -> bool {
    let line = line.trim_end_matches(['\n', '\r']);
    ["---", "..."].iter().any(|marker| {
        line.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    })
}

/// Parse one document into a JSON value (null when empty).
pub(crate) fn parse(doc: &Document) -> Result<Value, DocumentError> {
    let helm = has_template_syntax(doc.text);
    let mut yaml: Yaml = match serde_yaml_ng::from_str(doc.text) {
        Ok(yaml) => yaml,
        Err(_) if helm => return Err(helm_error(doc)),
        Err(err) => {
            let relative = err.location().map(|l| l.line());
            let line = relative.map_or(doc.line, |l| doc.line + l as u32 - 1);
            let tabbed = relative
                .and_then(|l| doc.text.lines().nth(l.saturating_sub(1)))
                .is_some_and(|t| t.starts_with('\t'));
            return Err(DocumentError::Yaml {
                index: doc.index,
                line,
                message: explain(&strip_location(&err.to_string()), tabbed),
            });
        }
    };
    if helm && has_complex_key(&yaml) {
        // `name: {{ .Values.x }}` parses as a mapping whose key is a mapping.
        return Err(helm_error(doc));
    }
    yaml.apply_merge().map_err(|err| DocumentError::Yaml {
        index: doc.index,
        line: doc.line,
        message: strip_location(&err.to_string()),
    })?;
    Ok(to_json(yaml))
}

fn helm_error(doc: &Document) -> DocumentError {
    DocumentError::HelmTemplate {
        index: doc.index,
        line: doc.line,
    }
}

/// Whether the text holds `{{` outside comment lines.
pub(crate) fn has_template_syntax(text: &str) -> bool {
    text.lines()
        .any(|line| !line.trim_start().starts_with('#') && line.contains("{{"))
}

fn has_complex_key(yaml: &Yaml) -> bool {
    match yaml {
        Yaml::Mapping(map) => map
            .iter()
            .any(|(k, v)| matches!(k, Yaml::Mapping(_) | Yaml::Sequence(_)) || has_complex_key(v)),
        Yaml::Sequence(items) => items.iter().any(has_complex_key),
        Yaml::Tagged(tagged) => has_complex_key(&tagged.value),
        _ => false,
    }
}

/// Add what a user needs to know to the parser's words.
fn explain(message: &str, tabbed: bool) -> String {
    if message.contains("repetition limit exceeded") {
        format!("{message} (aliases expand to too much data: an alias bomb?)")
    } else if tabbed {
        format!("{message} (YAML cannot indent with tabs)")
    } else {
        message.to_string()
    }
}

/// The parser appends "at line L column C" itself; the error carries the file line instead.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Convert a YAML value to JSON: keys become strings, tags are dropped (Kubernetes objects carry
/// none), non-finite floats become null.
fn to_json(yaml: Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                out.insert(key_string(key), to_json(value));
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => to_json(tagged.value),
    }
}

fn key_string(key: Yaml) -> String {
    match key {
        Yaml::String(s) => s,
        other => match to_json(other) {
            Value::String(s) => s,
            value => value.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_separator_lines_only_and_keeps_lines() {
        let text = "---\na: 1\n--- # comment\nb: |\n  ---x\n---\n\n...\nc: 3\n";
        let docs = split(text);
        let summary: Vec<(usize, u32)> = docs.iter().map(|d| (d.index, d.line)).collect();
        assert_eq!(summary, vec![(1, 2), (2, 4), (3, 7), (4, 9)]);
        assert!(
            docs[1].text.contains("---x"),
            "an indented marker is content"
        );
    }

    #[test]
    fn reports_yaml_errors_at_the_file_line() {
        let docs = split("a: 1\n---\nb:\n\tc: 1\n");
        let err = parse(&docs[1]).unwrap_err();
        assert_eq!(err.line(), 4);
        assert!(err.to_string().starts_with("document 2:"), "{err}");
    }

    #[test]
    fn duplicate_keys_and_alias_bombs_are_errors() {
        let dup = split("metadata:\n  name: a\n  name: b\n");
        assert!(parse(&dup[0])
            .unwrap_err()
            .to_string()
            .contains("duplicate"));
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            let refs = vec![format!("*{prev}"); 10].join(",");
            bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        assert!(parse(&split(&bomb)[0]).is_err());
    }

    #[test]
    fn resolves_anchors_and_merge_keys() {
        let docs = split("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n");
        let value = parse(&docs[0]).unwrap();
        assert_eq!(value["c"], serde_json::json!({"x": 1, "y": 2}));
    }

    #[test]
    fn recognises_unrendered_helm_templates() {
        for text in [
            "{{- if .Values.rbac.create }}\nkind: Role\n",
            "kind: Role\nmetadata:\n  name: {{ .Values.name }}\n",
        ] {
            let err = parse(&split(text)[0]).unwrap_err();
            assert!(
                matches!(err, DocumentError::HelmTemplate { index: 1, .. }),
                "{text}"
            );
        }
        // Go templates inside string values (alertmanager config) are content, not Helm.
        let text = "kind: ConfigMap\ndata:\n  tmpl: '{{ .CommonLabels }}'\n# {{ comment }}\n";
        assert!(parse(&split(text)[0]).is_ok());
    }
}
