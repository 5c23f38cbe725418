//! Secrets on command lines (crontab jobs, systemd `ExecStart=`, MCP server arguments): secret
//! variables assigned in front of a command, `--password=...`-style flags, passwords in URLs,
//! `curl -u user:pass`, `Authorization:` headers, MySQL's `-pSECRET`, and known token shapes.
//!
//! Invariant: words are split the way a POSIX shell splits simple commands (quotes and backslash
//! escapes); nothing is expanded or run.

use super::secret::{self, is_placeholder, names_secret};
use super::url::Url;

/// Programs whose attached `-p<value>` is a password.
const MYSQL_CLIENTS: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mariadb",
    "mariadb-dump",
    "mysqlimport",
];

/// Split a command line into words: single and double quotes group, backslash escapes, `;`, `&&`
/// and `|` are left inside words (they never carry secrets by themselves).
pub(crate) fn split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// A secret on a command line: the name it was given under (a variable, a flag, `url`) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArgSecret {
    pub name: String,
    pub value: String,
}

/// `NAME=value` with a shell variable name.
fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((name, value))
}

/// The program a command line runs: the first word that is not an assignment or `env`/`exec`.
pub(crate) fn program(words: &[String]) -> Option<&str> {
    words.iter().map(String::as_str).find(|w| {
        assignment(w).is_none() && !matches!(*w, "env" | "exec" | "export" | "nice" | "nohup")
    })
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Every secret on the command line, in order.
pub(crate) fn secrets(words: &[String]) -> Vec<ArgSecret> {
    let mut found = Vec::new();
    let mut push = |name: &str, value: &str| {
        if !is_placeholder(value) && !found.iter().any(|f: &ArgSecret| f.value == value) {
            found.push(ArgSecret {
                name: name.to_string(),
                value: value.to_string(),
            });
        }
    };
    let mysql = program(words).is_some_and(|p| MYSQL_CLIENTS.contains(&basename(p)));
    let mut iter = words.iter().map(String::as_str).peekable();
    while let Some(word) = iter.next() {
        if let Some(flag) = word.strip_prefix('-').filter(|f| !f.is_empty()) {
            let flag_name = flag.trim_start_matches('-');
            let (name, inline) = match flag_name.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (flag_name, None),
            };
            if names_secret(name) {
                match inline {
                    Some(value) => push(word.split('=').next().unwrap_or(word), value),
                    None if iter.peek().is_some_and(|next| !next.starts_with('-')) => {
                        push(word, iter.next().unwrap_or_default())
                    }
                    None => {}
                }
                continue;
            }
            if mysql
                && flag.len() > 1
                && flag.starts_with('p')
                && !flag.starts_with("p=")
                && !word.starts_with("--")
            {
                push("-p", &flag[1..]);
                continue;
            }
            if matches!(word, "-u" | "--user") {
                if let Some(credentials) = iter.next_if(|next| next.contains(':')) {
                    let password = credentials
                        .split_once(':')
                        .map(|(_, p)| p)
                        .unwrap_or_default();
                    push(word, password);
                }
                continue;
            }
            if matches!(word, "-H" | "--header") {
                if let Some(header) = iter.next() {
                    header_secret(header, &mut push);
                }
                continue;
            }
        }
        if let Some((name, value)) = assignment(word) {
            if names_secret(name) || secret::kind_by_value(value).is_some() {
                push(name, value);
            }
            continue;
        }
        if let Some(url) = Url::parse(word) {
            if url.password.is_some() {
                push("url", word);
            } else {
                for (name, value) in url.secret_params() {
                    push(&format!("url:{name}"), &value);
                }
            }
            continue;
        }
        if secret::kind_by_value(word).is_some() {
            push("argument", word);
        }
    }
    found
}

/// A secret in an HTTP header line: `Authorization: Bearer <token>`, `X-Api-Key: <key>`.
fn header_secret(header: &str, push: &mut impl FnMut(&str, &str)) {
    let Some((name, value)) = header.split_once(':') else {
        return;
    };
    let value = value.trim();
    if name.trim().eq_ignore_ascii_case("authorization") {
        let token = value
            .split_once(' ')
            .map_or(value, |(_, token)| token.trim());
        push("header:Authorization", token);
    } else if names_secret(name.trim()) {
        push(&format!("header:{}", name.trim()), value);
    }
}

/// The words with every secret value replaced by its redacted form, safe to store.
pub(crate) fn redact_words(words: &[String], found: &[ArgSecret]) -> Vec<String> {
    words
        .iter()
        .map(|word| {
            found.iter().fold(word.clone(), |word, s| {
                if s.name == "url" {
                    word.replace(&s.value, &super::url::redact(&s.value))
                } else {
                    word.replace(&s.value, &secret::redact(&s.value))
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, String)> {
        secrets(&split(line))
            .into_iter()
            .map(|s| (s.name, s.value))
            .collect()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split(r#"a 'b c' "d \"e\"" f\ g"#),
            vec!["a", "b c", r#"d "e""#, "f g"]
        );
        assert_eq!(split("  "), Vec::<String>::new());
        assert_eq!(split("x ''"), vec!["x", ""]);
    }

    #[test]
    fn finds_flags_assignments_urls_and_headers() {
        let found = names(
            "PGPASSWORD=Sup3rSecret! pg_dump --host db --api-key=k-123456789 postgres://app:pw123456@db/app \
             -H 'Authorization: Bearer abcdef123456' --token tok-98765432",
        );
        let expected = [
            ("PGPASSWORD", "Sup3rSecret!"),
            ("--api-key", "k-123456789"),
            ("url", "postgres://app:pw123456@db/app"),
            ("header:Authorization", "abcdef123456"),
            ("--token", "tok-98765432"),
        ];
        assert_eq!(found, expected.map(|(a, b)| (a.to_string(), b.to_string())));
    }

    #[test]
    fn mysql_attached_password_and_curl_user() {
        assert_eq!(
            names("/usr/bin/mysqldump -uroot -pHunter22 shop"),
            vec![("-p".into(), "Hunter22".into())]
        );
        assert!(names("mysql -p shop").is_empty(), "a bare -p prompts");
        assert_eq!(
            names("curl -u ci:tok3n-value https://x"),
            vec![("-u".into(), "tok3n-value".into())]
        );
        assert!(names("run --password-file /etc/pw --token $TOKEN").is_empty());
        assert_eq!(
            program(&split("FOO=1 env /usr/bin/backup --all")),
            Some("/usr/bin/backup")
        );
    }

    #[test]
    fn redaction_replaces_every_secret() {
        let words = split("app --password=Sup3rSecretValue1 postgres://u:pw123456@db/x");
        let found = secrets(&words);
        let shown = redact_words(&words, &found).join(" ");
        assert_eq!(shown, "app --password=Sup3****e1 postgres://u:****@db/x");
    }
}
