//! Shell facts from GitLab CI scripts: the variables a job references, the ones it assigns
//! itself, `echo`/`printf` of variables, commands that dump the whole environment to the job log,
//! and commands that carry `CI_JOB_TOKEN` with the hosts they name.
//!
//! Invariant: a light lexer, not a shell: it splits commands on `;`, `&&`, `||` and `|`, reads
//! `$NAME`, `${NAME...}` and `$env:NAME`, and never keeps a script's text, only variable names,
//! hosts and lines.

use serde::Serialize;
use std::collections::BTreeSet;

/// The automatic per-job token.
pub(super) const JOB_TOKEN: &str = "CI_JOB_TOKEN";

/// A variable printed by `echo` or `printf`.
#[derive(Debug, Serialize)]
pub(super) struct Echo {
    pub variable: String,
    pub line: u32,
}

/// A command that carries the job token, with the literal hosts on its line.
#[derive(Debug, Serialize)]
pub(super) struct TokenUse {
    pub line: u32,
    pub hosts: Vec<String>,
}

/// What the scripts of one job do with variables.
#[derive(Debug, Default, Serialize)]
pub(super) struct ScriptFacts {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub echoes: Vec<Echo>,
    /// Lines of commands that print every variable (`env`, `printenv`, `set`, `export -p`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_dumps: Vec<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub job_token_uses: Vec<TokenUse>,
    /// Variables the scripts assign themselves (not CI/CD variables).
    #[serde(skip)]
    pub assigned: BTreeSet<String>,
}

/// Commands that print every variable when run without arguments.
const DUMPS: [&str; 6] = [
    "env",
    "printenv",
    "set",
    "export",
    "export -p",
    "declare -p",
];

impl ScriptFacts {
    /// Read one physical script line at file line `line`.
    pub(super) fn read_line(&mut self, text: &str, line: u32) {
        let text = text.trim();
        if text.starts_with('#') {
            return;
        }
        for command in commands(text) {
            let words: Vec<&str> = command.split_whitespace().collect();
            self.read_assignment(&words);
            match words.first().copied() {
                Some("echo" | "printf") => {
                    for variable in variables(command) {
                        self.echoes.push(Echo {
                            variable: variable.to_string(),
                            line,
                        });
                    }
                }
                _ if DUMPS.contains(&words.join(" ").as_str()) => self.env_dumps.push(line),
                _ => {}
            }
        }
        if variables(text).any(|v| v == JOB_TOKEN) {
            self.job_token_uses.push(TokenUse {
                line,
                hosts: hosts(text),
            });
        }
    }

    fn read_assignment(&mut self, words: &[&str]) {
        let names: Vec<&str> = match words {
            ["export" | "local" | "readonly" | "declare", rest @ ..] => rest.to_vec(),
            ["for", name, "in", ..] => vec![*name],
            ["read", rest @ ..] => rest
                .iter()
                .copied()
                .filter(|w| !w.starts_with('-'))
                .collect(),
            [first, ..] => vec![*first],
            [] => Vec::new(),
        };
        for word in names {
            let name = word.split('=').next().unwrap_or_default();
            let assigns = word.contains('=') || matches!(words.first(), Some(&"for" | &"read"));
            if assigns && is_name(name) {
                self.assigned.insert(name.to_string());
            }
        }
    }
}

/// The simple commands of a line, split on `;`, `&&`, `||` and `|`.
fn commands(line: &str) -> impl Iterator<Item = &str> {
    line.split([';', '|', '&'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

/// Names of the variables `text` references: `$NAME`, `${NAME}`, `${NAME:-x}`, `$env:NAME`;
/// GitLab's `$$NAME` escape is not a reference.
pub(super) fn variables(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let dollar = at;
            at += 1;
            if bytes[dollar] != b'$' {
                continue;
            }
            if bytes.get(at) == Some(&b'$') {
                at += 1;
                continue;
            }
            let mut start = at;
            if bytes.get(at) == Some(&b'{') {
                start += 1;
            } else if text[at..].starts_with("env:") {
                start += 4;
            }
            let len = text[start..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            at = start + len;
            let name = &text[start..at];
            if is_name(name) {
                return Some(name);
            }
        }
        None
    })
}

fn is_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Literal hosts of `http(s)://` URLs on a line; hosts written as variables are left out.
fn hosts(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("://") {
        let scheme_ok = line[..at].ends_with("http") || line[..at].ends_with("https");
        let rest = &line[at + 3..];
        let end = rest
            .find(['/', ':', '"', '\'', ' ', '?'])
            .unwrap_or(rest.len());
        let host = rest[..end].rsplit('@').next().unwrap_or_default();
        if scheme_ok && !host.is_empty() && !host.contains('$') {
            found.push(host.to_ascii_lowercase());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_variables_but_not_escapes() {
        let found: Vec<&str> = variables("a $ONE ${TWO:-x} $$THREE $env:FOUR $5 ${}").collect();
        assert_eq!(found, ["ONE", "TWO", "FOUR"]);
    }

    #[test]
    fn finds_echoes_dumps_assignments_and_token_hosts() {
        let mut facts = ScriptFacts::default();
        facts.read_line(
            "export TAG=$CI_COMMIT_SHA && echo \"key: $DEPLOY_KEY\" | base64",
            4,
        );
        facts.read_line("env | sort", 5);
        facts.read_line("env FOO=1 make", 6);
        facts.read_line(
            "curl -H \"JOB-TOKEN: $CI_JOB_TOKEN\" https://user@artifacts.example.net:8443/x",
            7,
        );
        facts.read_line(
            "curl --header \"JOB-TOKEN: ${CI_JOB_TOKEN}\" \"${CI_API_V4_URL}/projects\"",
            8,
        );
        facts.read_line("# echo $NOT_A_COMMAND", 9);
        assert_eq!(facts.echoes.len(), 1);
        assert_eq!(
            (facts.echoes[0].variable.as_str(), facts.echoes[0].line),
            ("DEPLOY_KEY", 4)
        );
        assert_eq!(facts.env_dumps, [5]);
        assert_eq!(facts.assigned.iter().collect::<Vec<_>>(), ["TAG"]);
        assert_eq!(facts.job_token_uses.len(), 2);
        assert_eq!(facts.job_token_uses[0].hosts, ["artifacts.example.net"]);
        assert!(facts.job_token_uses[1].hosts.is_empty());
    }
}
