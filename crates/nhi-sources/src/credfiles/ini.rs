//! A small INI reader for the credential files that use the format (`.aws/credentials`,
//! `.aws/config`, `.pypirc`): sections, `key = value` entries with their line numbers, `#` and `;`
//! comments, and indented continuation lines (AWS nested settings) folded into their parent.
//!
//! Invariant: a malformed line gives one error message with its line and the rest is read; the
//! message never quotes the line (it may hold a secret).

/// One `key = value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// One `[section]` and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    pub name: String,
    pub line: u32,
    pub entries: Vec<Entry>,
}

impl Section {
    /// The value of `key` (keys compare case-insensitively), with its line.
    pub(crate) fn get(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// The value of `key`, if present and not empty.
    pub(crate) fn value(&self, key: &str) -> Option<&str> {
        self.get(key)
            .map(|e| e.value.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// Parse INI text: the sections in order (entries before any section go to a section named ""),
/// and `(line, message)` for each line that could not be read.
pub(crate) fn parse(text: &str) -> (Vec<Section>, Vec<(u32, String)>) {
    let mut sections = vec![Section {
        name: String::new(),
        line: 0,
        entries: Vec::new(),
    }];
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let section = sections.last_mut().expect("never empty");
        if raw.starts_with([' ', '\t']) && !section.entries.is_empty() {
            // A continuation: nested settings (`s3 =\n  max_concurrent_requests = 20`).
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[') {
            match name.strip_suffix(']') {
                Some(name) => sections.push(Section {
                    name: name.trim().to_string(),
                    line,
                    entries: Vec::new(),
                }),
                None => errors.push((line, "malformed section header: missing ']'".to_string())),
            }
            continue;
        }
        match trimmed.split_once(['=', ':']) {
            Some((key, value)) if !key.trim().is_empty() => section.entries.push(Entry {
                key: key.trim().to_string(),
                value: value.trim().to_string(),
                line,
            }),
            _ => errors.push((
                line,
                "malformed line: expected 'key = value' or '[section]'".to_string(),
            )),
        }
    }
    if sections[0].entries.is_empty() {
        sections.remove(0);
    }
    (sections, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_entries_continuations_and_errors() {
        let text = "# c\n[default]\naws_access_key_id = AKIA\ns3 =\n  max = 2\n[profile x\nbroken line\n[p]\nk: v\n";
        let (sections, errors) = parse(text);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].name, "default");
        assert_eq!(sections[0].value("AWS_ACCESS_KEY_ID"), Some("AKIA"));
        assert_eq!(sections[0].get("aws_access_key_id").unwrap().line, 3);
        assert_eq!(
            sections[0].entries.len(),
            2,
            "the nested line folds into s3"
        );
        assert_eq!(sections[1].value("k"), Some("v"));
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), vec![6, 7]);
    }
}
