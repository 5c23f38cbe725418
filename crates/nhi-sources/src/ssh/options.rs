//! `authorized_keys` options (`from="10.0.0.0/8",command="rsync \"a b\"",no-pty`), as sshd(8)
//! reads them: comma-separated, values in double quotes where `\"` is a literal quote, the list
//! ending at the first whitespace outside quotes.
//!
//! Invariant: unknown option names are errors (sshd refuses such a line), which is also how a
//! known_hosts host list is told from an options list when sniffing content.

use serde_json::{Map, Value};

/// Option names sshd accepts, lowercase.
const KNOWN: &[&str] = &[
    "agent-forwarding",
    "cert-authority",
    "command",
    "environment",
    "expiry-time",
    "from",
    "no-agent-forwarding",
    "no-port-forwarding",
    "no-pty",
    "no-user-rc",
    "no-x11-forwarding",
    "no-touch-required",
    "permitlisten",
    "permitopen",
    "port-forwarding",
    "principals",
    "pty",
    "restrict",
    "tunnel",
    "user-rc",
    "verify-required",
    "x11-forwarding",
];

/// Why an options list cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OptionError {
    #[error("unknown authorized_keys option '{0}'")]
    Unknown(String),
    #[error("unterminated quote in option '{0}'")]
    UnterminatedQuote(String),
    #[error("unexpected '{0}' in options")]
    Unexpected(char),
}

/// One option: `no-pty` or `from="..."`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyOption {
    /// Lowercase name.
    pub name: String,
    pub value: Option<String>,
}

impl KeyOption {
    /// The option as written canonically: `name` or `name="value"` with quotes escaped.
    pub fn render(&self) -> String {
        match &self.value {
            Some(value) => format!("{}=\"{}\"", self.name, value.replace('"', "\\\"")),
            None => self.name.clone(),
        }
    }
}

/// Split `line` at its first whitespace outside double quotes: (field, rest).
pub(crate) fn split_field(line: &str) -> (&str, &str) {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_quotes && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_quotes = !in_quotes,
            ' ' | '\t' if !in_quotes => return (&line[..i], &line[i..]),
            _ => {}
        }
        escaped = false;
    }
    (line, "")
}

/// Parse an options field (as cut by [`split_field`]).
pub(crate) fn parse(field: &str) -> Result<Vec<KeyOption>, OptionError> {
    let mut options = Vec::new();
    let mut chars = field.chars().peekable();
    loop {
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '-') {
            name.push(c.to_ascii_lowercase());
        }
        if name.is_empty() {
            return Err(OptionError::Unexpected(
                chars.peek().copied().unwrap_or(','),
            ));
        }
        if !KNOWN.contains(&name.as_str()) {
            return Err(OptionError::Unknown(name));
        }
        let value = match chars.next_if_eq(&'=') {
            Some(_) => Some(read_value(&mut chars, &name)?),
            None => None,
        };
        options.push(KeyOption { name, value });
        match chars.next() {
            None => return Ok(options),
            Some(',') => {}
            Some(other) => return Err(OptionError::Unexpected(other)),
        }
    }
}

fn read_value(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    name: &str,
) -> Result<String, OptionError> {
    let mut value = String::new();
    if chars.next_if_eq(&'"').is_none() {
        // sshd wants quotes; tolerate a bare value up to the next comma.
        while let Some(c) = chars.next_if(|c| *c != ',') {
            value.push(c);
        }
        return Ok(value);
    }
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(value),
            '\\' if chars.peek() == Some(&'"') => value.push(chars.next().unwrap_or('"')),
            _ => value.push(c),
        }
    }
    Err(OptionError::UnterminatedQuote(name.to_string()))
}

/// The options as grant conditions: `{"from": "...", "no-pty": true}`, a repeated option as an
/// array of its values.
pub(crate) fn conditions(options: &[KeyOption]) -> Option<Value> {
    if options.is_empty() {
        return None;
    }
    let mut map = Map::new();
    for option in options {
        let value = option
            .value
            .clone()
            .map_or(Value::Bool(true), Value::String);
        match map.get_mut(&option.name) {
            Some(Value::Array(values)) => values.push(value),
            Some(existing) => *existing = Value::Array(vec![existing.take(), value]),
            None => {
                map.insert(option.name.clone(), value);
            }
        }
    }
    Some(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoted_values_keep_commas_spaces_and_escaped_quotes() {
        let line = r#"from="10.0.0.0/8,192.168.1.1",command="rsync \"/srv/a b\"",no-pty ssh-ed25519 AAAA c"#;
        let (field, rest) = split_field(line);
        assert_eq!(rest, " ssh-ed25519 AAAA c");
        let options = parse(field).unwrap();
        assert_eq!(options.len(), 3);
        assert_eq!(options[0].value.as_deref(), Some("10.0.0.0/8,192.168.1.1"));
        assert_eq!(options[1].value.as_deref(), Some("rsync \"/srv/a b\""));
        assert_eq!(options[1].render(), r#"command="rsync \"/srv/a b\"""#);
        assert_eq!(
            options[2],
            KeyOption {
                name: "no-pty".into(),
                value: None
            }
        );
    }

    #[test]
    fn bad_lists_are_errors() {
        assert_eq!(
            parse("github.com"),
            Err(OptionError::Unknown("github".into()))
        );
        assert_eq!(parse("no-pty.x"), Err(OptionError::Unexpected('.')));
        assert_eq!(parse("myhost"), Err(OptionError::Unknown("myhost".into())));
        assert_eq!(
            parse("command=\"x"),
            Err(OptionError::UnterminatedQuote("command".into()))
        );
        assert_eq!(parse("no-pty,"), Err(OptionError::Unexpected(',')));
    }

    #[test]
    fn repeated_options_become_arrays() {
        let options = parse(r#"permitopen="a:1",permitopen="b:2",restrict"#).unwrap();
        let json = conditions(&options).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"permitopen": ["a:1", "b:2"], "restrict": true})
        );
    }

    proptest! {
        #[test]
        fn random_option_lists_never_panic(field in r#"[a-zA-Z=",\\ -]{0,60}"#) {
            let (field, _) = split_field(&field);
            let _ = parse(field);
        }
    }
}
