//! `.env` files (`.env`, `.env.production`, `app.env`, direnv's `.envrc`): `KEY=value` lines,
//! optionally `export`ed, quoted (double-quoted values may span lines, as PEM keys do) or followed
//! by a ` #` comment. Variables whose name or value says secret become credentials; an AWS key id
//! and its secret become one AWS access key.

use super::secret::{self, Variable};
use super::Found;

/// Whether a file name is a dotenv file.
pub(super) fn is_dotenv_name(name: &str) -> bool {
    name == ".env"
        || name == ".envrc"
        || name.starts_with(".env.")
        || (name.ends_with(".env") && name.len() > 4)
}

/// One parsed assignment and the line it starts on.
#[derive(Debug, PartialEq, Eq)]
struct Assignment {
    name: String,
    value: String,
    line: u32,
}

/// Parse the assignments; lines that are not assignments are reported by number.
fn parse(text: &str) -> (Vec<Assignment>, Vec<u32>) {
    let mut assignments = Vec::new();
    let mut bad = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, raw)) = lines.next() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = trimmed
            .strip_prefix("export ")
            .map_or(trimmed, str::trim_start);
        let Some((name, rest)) = body.split_once('=') else {
            // direnv files hold shell commands too; only plain `.env` lines must be assignments.
            bad.push(number);
            continue;
        };
        let name = name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            bad.push(number);
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let mut value = rest[1..].to_string();
                // A value whose closing quote is on a later line.
                while !value.contains(quote) {
                    match lines.next() {
                        Some((_, more)) => {
                            value.push('\n');
                            value.push_str(more);
                        }
                        None => break,
                    }
                }
                let end = value.find(quote).unwrap_or(value.len());
                value[..end].to_string()
            }
            _ => rest.split(" #").next().unwrap_or(rest).trim().to_string(),
        };
        assignments.push(Assignment {
            name: name.to_string(),
            value,
            line: number,
        });
    }
    (assignments, bad)
}

/// Read a dotenv file. A file with no assignment at all is some other text that happens to carry
/// the name (notes, a shell script) and is left to the other sources; in a real dotenv file, the
/// lines that are not assignments are skipped with one error naming the first of them.
pub(super) fn read(text: &str, found: &mut Found) {
    let (assignments, bad) = parse(text);
    if assignments.is_empty() {
        return;
    }
    let direnv = found.path.ends_with(".envrc");
    if let (Some(&first), false) = (bad.first(), direnv) {
        let message = match bad.len() {
            1 => "malformed line skipped: expected KEY=value".to_string(),
            n => format!("{n} malformed lines skipped (this is the first): expected KEY=value"),
        };
        found.error(Some(first), message);
    }
    let variables: Vec<Variable> = assignments
        .iter()
        .map(|a| Variable {
            name: &a.name,
            value: &a.value,
            location: found.at(Some(a.line)),
        })
        .collect();
    for credential in secret::variable_credentials(found.ctx.fingerprinter, &variables, "dotenv") {
        found.credential(credential);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_exports_comments_and_multiline_values() {
        let text = "# c\nexport API_TOKEN=\"abc def\" # quoted\nDB_PASSWORD=s3cret # note\nKEY='-----BEGIN\nXYZ\n-----END'\nnot a line\nPORT=80\n";
        let (assignments, bad) = parse(text);
        let got: Vec<(&str, &str, u32)> = assignments
            .iter()
            .map(|a| (a.name.as_str(), a.value.as_str(), a.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("API_TOKEN", "abc def", 2),
                ("DB_PASSWORD", "s3cret", 3),
                ("KEY", "-----BEGIN\nXYZ\n-----END", 4),
                ("PORT", "80", 8)
            ]
        );
        assert_eq!(bad, vec![7]);
        for name in [".env", ".env.production", "app.env", ".envrc"] {
            assert!(is_dotenv_name(name), "{name}");
        }
        assert!(!is_dotenv_name("environment") && !is_dotenv_name("env"));
    }
}
