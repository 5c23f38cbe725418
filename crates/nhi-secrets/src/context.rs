//! Context of a found secret: the lines of the block it sits in (a JSON or XML object, an ini or
//! dotenv group, a run of shell or PHP assignments, a `.netrc` entry) that name the account it
//! belongs to (user, login, e-mail...) and the place it opens (host, server, URL, database...), so
//! a user knows what to rotate. Pure: bytes in, fields out; it runs only on files with a secret.
//!
//! Invariants: a field never carries a secret (values that overlap a secret, lines that hold another
//! secret and URL user-info are left out); a block never reaches further than `MAX_SPAN` lines.

use serde::Serialize;

/// How far a block reaches on each side of its secret, in lines.
const MAX_SPAN: usize = 40;
/// Most context fields kept per secret.
const MAX_FIELDS: usize = 16;
/// Longest value worth showing.
const MAX_VALUE: usize = 200;
/// Most secrets of one file given context: a file with more is a dump, not a configuration, and
/// its neighbours are other secrets.
const MAX_SECRETS: usize = 1000;
/// Longest line read for context: minified JSON or a one-line dump is no block of lines.
const MAX_LINE: usize = 4096;

/// What a context field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContextRole {
    /// The account the secret belongs to: user name, login, e-mail, client id.
    Account,
    /// Where the secret is used: host, server, URL, database, registry, bucket.
    Place,
}

/// One line of a secret's block that names its account or place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextField {
    /// 1-based line.
    pub line: usize,
    /// The key as written (`DB_USERNAME`, `host`, `login`).
    pub key: String,
    /// The value, with any URL user-info removed.
    pub value: String,
    pub role: ContextRole,
}

/// A found secret, as the scanner reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretSpot {
    /// 1-based line.
    pub line: usize,
    /// 1-based byte column where the reported value starts.
    pub column: usize,
    /// Bytes of the reported value on its line.
    pub len: usize,
}

/// Account roles by key suffix (key lowercased, separators removed), longest first.
const ACCOUNT_SUFFIXES: &[&str] = &[
    "username", "nickname", "identity", "clientid", "account", "userid", "login", "email", "appid",
    "user", "nick",
];
/// Place roles by key suffix, with how many trailing bytes name the role (`dbname` keeps `db` as
/// its prefix, so `DB_NAME` goes with `DB_PASSWORD`).
const PLACE_SUFFIXES: &[(&str, usize)] = &[
    ("hostname", 8),
    ("database", 8),
    ("endpoint", 8),
    ("registry", 8),
    ("machine", 7),
    ("server", 6),
    ("bucket", 6),
    ("dbname", 4),
    ("host", 4),
    ("url", 3),
    ("uri", 3),
    ("db", 2),
];
/// Keys that end like a role but name something else (a secret, a form field, a web page).
const NOT_CONTEXT: &[&str] = &[
    "encrypted",
    "password",
    "passwd",
    "secret",
    "token",
    "hash",
    "cert",
    "x509",
    "field",
    "callback",
    "redirect",
    "avatar",
    "image",
    "icon",
    "logo",
    "homepage",
    "privacy",
    "terms",
    "docs",
];
/// Words a secret's key ends with, stripped to get the key's prefix (`RDS_PASSWORD` -> `rds`).
const SECRET_WORDS: &[&str] = &[
    "passphrase",
    "password",
    "passwd",
    "secret",
    "apikey",
    "access",
    "token",
    "pass",
    "auth",
    "key",
    "pwd",
    "id",
];
/// Whitespace-separated keywords whose next token is their value (`.netrc`, esmtprc, msmtprc).
const KEYWORDS: &[(&str, ContextRole)] = &[
    ("machine", ContextRole::Place),
    ("hostname", ContextRole::Place),
    ("host", ContextRole::Place),
    ("login", ContextRole::Account),
    ("user", ContextRole::Account),
    ("username", ContextRole::Account),
    ("identity", ContextRole::Account),
    ("from", ContextRole::Account),
];

/// A key and its value on one line, with the value's byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pair {
    key: String,
    /// Where the key starts (after its quote, if quoted).
    key_start: usize,
    value: String,
    start: usize,
    end: usize,
    /// A bare keyword pair (`login ops`) rather than an assignment.
    keyword: Option<ContextRole>,
}

/// For each secret of `text`, the fields of its block that name its account and place.
pub fn secret_context(text: &[u8], secrets: &[SecretSpot]) -> Vec<Vec<ContextField>> {
    if secrets.len() > MAX_SECRETS {
        return vec![Vec::new(); secrets.len()];
    }
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let mut secret_lines: Vec<usize> = secrets.iter().map(|s| s.line).collect();
    secret_lines.sort_unstable();
    let candidates: Vec<Vec<Candidate>> = secrets
        .iter()
        .map(|spot| candidates(&lines, spot, &secret_lines))
        .collect();
    let lines_of: Vec<usize> = secrets.iter().map(|s| s.line).collect();
    let prefixes: Vec<String> = secrets
        .iter()
        .map(|spot| secret_prefix(&lines, spot))
        .collect();
    candidates
        .iter()
        .enumerate()
        .map(|(i, mine)| {
            let mut fields: Vec<ContextField> = mine
                .iter()
                .filter(|c| {
                    related(&c.prefix, &prefixes[i])
                        || !claimed_elsewhere(c, i, &candidates, &prefixes, &lines_of)
                })
                .map(|c| c.field.clone())
                .collect();
            fields.dedup();
            fields.truncate(MAX_FIELDS);
            fields
        })
        .collect()
}

/// A context field of one secret's block, with the key's prefix (`rds` of `RDS_HOST`).
#[derive(Debug, Clone)]
struct Candidate {
    field: ContextField,
    prefix: String,
}

/// Whether another secret of the file, whose key shares this field's prefix, has it in its block:
/// then `DB_HOST` goes with `DB_PASSWORD`, not with the `REDIS_PASSWORD` of the same group.
fn claimed_elsewhere(
    candidate: &Candidate,
    me: usize,
    all: &[Vec<Candidate>],
    prefixes: &[String],
    lines_of: &[usize],
) -> bool {
    // Only secrets whose blocks can reach this line could claim it.
    let near = |j: usize| lines_of[j].abs_diff(candidate.field.line) <= MAX_SPAN + 1;
    !candidate.prefix.is_empty()
        && all.iter().enumerate().any(|(j, theirs)| {
            j != me
                && near(j)
                && !prefixes[j].is_empty()
                && related(&candidate.prefix, &prefixes[j])
                && theirs.iter().any(|c| c.field == candidate.field)
        })
}

/// Prefixes name the same thing when one is empty or starts the other (`ssh` and `sshuser`).
fn related(a: &str, b: &str) -> bool {
    a.is_empty() || b.is_empty() || a.starts_with(b) || b.starts_with(a)
}

/// The context fields of the block around one secret.
fn candidates(lines: &[&[u8]], spot: &SecretSpot, secret_lines: &[usize]) -> Vec<Candidate> {
    let Some(at) = spot.line.checked_sub(1).filter(|&i| i < lines.len()) else {
        return Vec::new();
    };
    let (start, end, opener) = block(lines, at);
    let depth = indent(lines[at]);
    let flat = depth == 0;
    let mut out = Vec::new();
    let rows = (start..=end).filter(|&i| i == at || flat || indent(lines[i]) == depth);
    for i in opener.into_iter().chain(rows) {
        let line = lines[i];
        let holds_secret = secret_lines.binary_search(&(i + 1)).is_ok();
        if line.len() > MAX_LINE || (i != at && (is_skip(line) || holds_secret)) {
            continue;
        }
        let head = line_head(line);
        let tag = line.trim_ascii_start().starts_with(b"<");
        for pair in pairs(line) {
            // Another line speaks for the block through its own key (`DB_HOST=`, `"host":`,
            // `login x`, an XML tag's fields), not through what a line of code happens to hold
            // further on (`req.post = {"user": ...}`).
            let leads = i == at || tag || pair.keyword.is_some() || pair.key_start == head;
            if !leads {
                continue;
            }
            let overlaps = i == at
                && pair.start < spot.column.saturating_sub(1) + spot.len.max(1)
                && spot.column.saturating_sub(1) < pair.end;
            if overlaps {
                continue;
            }
            if let Some(candidate) = classify(&pair, i + 1) {
                out.push(candidate);
            }
        }
        if Some(i) == opener {
            out.extend(place_key(line, i + 1));
        }
    }
    out
}

/// Top-level domains and suffixes that make an object key a host name.
const HOST_SUFFIXES: &[&str] = &[
    ".com",
    ".io",
    ".org",
    ".net",
    ".dev",
    ".cloud",
    ".internal",
    ".local",
    ".corp",
    ".lan",
];

/// An opener keyed by where its object is used (`"https://index.docker.io/v1/": {` in a Docker
/// config, `registry.corp.internal:` in YAML): the place the secrets inside open.
fn place_key(line: &[u8], number: usize) -> Option<Candidate> {
    let trimmed = line.trim_ascii();
    let body = trimmed
        .strip_suffix(b"{")
        .or_else(|| trimmed.strip_suffix(b"["))
        .unwrap_or(trimmed)
        .trim_ascii_end();
    let key = body.strip_suffix(b":")?.trim_ascii();
    let key = std::str::from_utf8(key)
        .ok()?
        .trim_matches(|c| c == '"' || c == '\'');
    let lower = key.to_ascii_lowercase();
    let bare = lower.trim_end_matches('/');
    let host_like = lower.contains("://")
        || HOST_SUFFIXES.iter().any(|suffix| {
            bare.split(['/', ':'])
                .next()
                .is_some_and(|host| host.ends_with(suffix))
        });
    let plain = !key.is_empty() && key.len() <= MAX_VALUE && !key.contains(char::is_whitespace);
    (host_like && plain).then(|| Candidate {
        field: ContextField {
            line: number,
            key: "section".into(),
            value: without_userinfo(key, ContextRole::Place),
            role: ContextRole::Place,
        },
        prefix: String::new(),
    })
}

/// Where a line's own key starts: after indentation, a YAML list dash, `export` / `set`,
/// `define(` and a quote.
fn line_head(line: &[u8]) -> usize {
    let mut i = skip_space(line, 0);
    if line[i..].starts_with(b"- ") {
        i = skip_space(line, i + 2);
    }
    for word in [&b"export"[..], b"set", b"define"] {
        let rest = &line[i..];
        let ends = rest
            .get(word.len())
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'('));
        if rest.starts_with(word) && ends {
            i = skip_space(line, i + word.len());
            if line.get(i) == Some(&b'(') {
                i = skip_space(line, i + 1);
            }
            break;
        }
    }
    if matches!(line.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    i
}

/// The block of line `at`: `(first, last, opener)`. A line at the margin belongs to the run of
/// lines up to a blank line or an `[ini section]`; an indented one to the lines at least as deep,
/// and the shallower line that opens them (`"registry": {`, `<Server>`) is the opener.
fn block(lines: &[&[u8]], at: usize) -> (usize, usize, Option<usize>) {
    let depth = indent(lines[at]);
    let flat = depth == 0;
    let ends_here = |line: &[u8]| {
        if is_blank(line) {
            return flat;
        }
        if is_skip(line) {
            return false;
        }
        if flat {
            is_section(line)
        } else {
            indent(line) < depth
        }
    };
    let mut first = at;
    let mut opener = None;
    while first > 0 && at - first < MAX_SPAN {
        let line = lines[first - 1];
        if ends_here(line) {
            opener = (!flat && !is_blank(line)).then_some(first - 1);
            break;
        }
        first -= 1;
    }
    let mut last = at;
    while last + 1 < lines.len() && last - at < MAX_SPAN && !ends_here(lines[last + 1]) {
        last += 1;
    }
    (first, last, opener)
}

fn indent(line: &[u8]) -> usize {
    line.iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .map(|&b| if b == b'\t' { 4 } else { 1 })
        .sum()
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Blank lines and comments: they neither end an indented block nor hold context.
fn is_skip(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii_start();
    trimmed.is_empty()
        || [&b"#"[..], b"//", b";", b"<!--", b"/*", b"*", b"--"]
            .iter()
            .any(|m| trimmed.starts_with(m))
}

fn is_section(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii();
    trimmed.starts_with(b"[") && trimmed.ends_with(b"]")
}

/// Turns a pair into a context field when its key names an account or a place and its value is a
/// literal worth showing.
fn classify(pair: &Pair, line: usize) -> Option<Candidate> {
    let norm = normalise(&pair.key);
    let (role, prefix) = match pair.keyword {
        Some(role) => (role, String::new()),
        None => role_of(&norm)?,
    };
    let value = shown_value(&pair.value, role)?;
    Some(Candidate {
        field: ContextField {
            line,
            key: pair.key.clone(),
            value,
            role,
        },
        prefix,
    })
}

/// A key lowercased with everything but letters and digits removed.
fn normalise(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The role a key names, and the key's prefix before the role word.
fn role_of(norm: &str) -> Option<(ContextRole, String)> {
    if NOT_CONTEXT.iter().any(|word| norm.contains(word)) {
        return None;
    }
    if let Some(suffix) = ACCOUNT_SUFFIXES.iter().find(|s| norm.ends_with(*s)) {
        return Some((
            ContextRole::Account,
            norm[..norm.len() - suffix.len()].to_string(),
        ));
    }
    PLACE_SUFFIXES
        .iter()
        .find(|(s, _)| norm.ends_with(s))
        .map(|(_, strip)| (ContextRole::Place, norm[..norm.len() - strip].to_string()))
}

/// The value as shown: trimmed of quotes, without URL user-info; `None` for empty values,
/// variables, flags and bare numbers (ports, indexes), which name nothing.
fn shown_value(raw: &str, role: ContextRole) -> Option<String> {
    let value = raw.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let lower = value.to_ascii_lowercase();
    let empty = value.is_empty() || value.len() > MAX_VALUE;
    let variable = ['$', '%', '<', '{', '(', '[', '@']
        .iter()
        .any(|c| value.starts_with(*c))
        || value.contains("${")
        || value.contains("{{");
    let flag = matches!(
        lower.as_str(),
        "null" | "none" | "nil" | "true" | "false" | "yes" | "no" | "undefined" | "default"
    );
    let number = value.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if empty || variable || flag || number {
        return None;
    }
    Some(without_userinfo(value, role))
}

/// `scheme://user:pass@host/...` -> `scheme://host/...`; `user:pass@host` -> `host` for places.
/// Account values (`ops@corp.internal`) keep their `@`.
fn without_userinfo(value: &str, role: ContextRole) -> String {
    let (scheme, rest) = match value.find("://") {
        Some(at) => value.split_at(at + 3),
        None if role == ContextRole::Place => ("", value),
        None => return value.to_string(),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if scheme.is_empty() && !rest[..at].contains(':') => value.to_string(),
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => value.to_string(),
    }
}

/// The prefix of the key a secret is assigned to (`mlab` of `MLAB_PASS`), empty when unknown.
fn secret_prefix(lines: &[&[u8]], spot: &SecretSpot) -> String {
    let Some(line) = spot.line.checked_sub(1).and_then(|i| lines.get(i)) else {
        return String::new();
    };
    let column = spot.column.saturating_sub(1);
    let key = pairs(line)
        .into_iter()
        .find(|p| p.start <= column && column < p.end.max(p.start + 1))
        .map(|p| p.key)
        .or_else(|| last_word_before(line, column));
    let mut norm = key.map(|k| normalise(&k)).unwrap_or_default();
    while let Some(word) = SECRET_WORDS.iter().find(|w| norm.ends_with(*w)) {
        norm.truncate(norm.len() - word.len());
    }
    norm
}

/// The last identifier before byte `column` of `line` (`password` in `password "x"`).
fn last_word_before(line: &[u8], column: usize) -> Option<String> {
    let head = &line[..column.min(line.len())];
    let end = head.iter().rposition(|b| b.is_ascii_alphanumeric())? + 1;
    let start = head[..end]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .map_or(0, |p| p + 1);
    Some(String::from_utf8_lossy(&head[start..end]).into_owned())
}

/// The key/value pairs of one line: `"key": "value"`, `key="value"`, `KEY=value`, `key: value`,
/// `<Key>value</Key>`, `define('KEY', 'value')`, `'key' => 'value'`, and keyword pairs of the
/// `.netrc` kind (`login ops`). Never fails: what it cannot read it skips.
fn pairs(line: &[u8]) -> Vec<Pair> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        let next = if c == b'<' {
            xml_element(line, i, &mut out)
        } else if c == b'"' || c == b'\'' {
            quoted_key(line, i, &mut out)
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            bare_key(line, i, &mut out)
        } else {
            None
        };
        i = next.unwrap_or(i + 1).max(i + 1);
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn skip_space(line: &[u8], mut i: usize) -> usize {
    while i < line.len() && matches!(line[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$' | b':')
}

/// A quoted string starting at `i`: `(content range, index after the closing quote)`.
fn quoted(line: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    let quote = *line.get(i)?;
    let close = line[i + 1..].iter().position(|&b| b == quote)? + i + 1;
    Some((i + 1, close, close + 1))
}

/// `<Key attrs>value</Key>`; attributes of other tags are left to the other readers.
fn xml_element(line: &[u8], i: usize, out: &mut Vec<Pair>) -> Option<usize> {
    let name_end = (i + 1..line.len())
        .find(|&j| !(line[j].is_ascii_alphanumeric() || matches!(line[j], b'_' | b'-' | b':')))?;
    let name = &line[i + 1..name_end];
    if name.is_empty() || !name[0].is_ascii_alphabetic() {
        return None;
    }
    let open_end = line[name_end..].iter().position(|&b| b == b'>')? + name_end;
    if line[open_end - 1] == b'/' {
        return Some(name_end);
    }
    let start = open_end + 1;
    let close = line[start..].iter().position(|&b| b == b'<')? + start;
    let closing = [b"</", name].concat();
    if !line[close..].starts_with(&closing) {
        return Some(name_end);
    }
    out.push(Pair {
        key: text(name),
        key_start: i + 1,
        value: text(&line[start..close]),
        start,
        end: close,
        keyword: None,
    });
    Some(close + closing.len())
}

/// `"key": "value"`, `'key' => 'value'`, `define('KEY', 'value')`.
fn quoted_key(line: &[u8], i: usize, out: &mut Vec<Pair>) -> Option<usize> {
    let (key_start, key_end, after) = quoted(line, i)?;
    let in_call = line[..i].trim_ascii_end().ends_with(b"(");
    let mut j = skip_space(line, after);
    let rest = &line[j..];
    let separator = if rest.starts_with(b"=>") {
        2
    } else if rest.starts_with(b":")
        || rest.starts_with(b"=")
        || (in_call && rest.starts_with(b","))
    {
        1
    } else {
        return Some(after);
    };
    j = skip_space(line, j + separator);
    let (start, end, next) = match line.get(j) {
        Some(b'"' | b'\'') => quoted(line, j)?,
        _ => return Some(j),
    };
    out.push(Pair {
        key: text(&line[key_start..key_end]),
        key_start,
        value: text(&line[start..end]),
        start,
        end,
        keyword: None,
    });
    Some(next)
}

/// `KEY=value`, `key: value`, `key="value"` (XML attributes too), or a keyword pair `login ops`.
fn bare_key(line: &[u8], i: usize, out: &mut Vec<Pair>) -> Option<usize> {
    if i > 0 && is_key_byte(line[i - 1]) {
        return None;
    }
    let mut key_end = i;
    while key_end < line.len() && is_key_byte(line[key_end]) && line[key_end] != b':' {
        key_end += 1;
    }
    let key = &line[i..key_end];
    let j = skip_space(line, key_end);
    let rest = &line[j..];
    let assigned = (rest.starts_with(b"=") && !rest.starts_with(b"=="))
        || (rest.starts_with(b":") && !rest.starts_with(b"::") && !rest.starts_with(b":/"));
    if assigned {
        let v = skip_space(line, j + 1);
        let (start, end, next) = value_at(line, v);
        out.push(Pair {
            key: text(key),
            key_start: i,
            value: text(&line[start..end]),
            start,
            end,
            keyword: None,
        });
        return Some(next);
    }
    let role = KEYWORDS
        .iter()
        .find(|(word, _)| key.eq_ignore_ascii_case(word.as_bytes()))
        .map(|(_, role)| *role)?;
    if j == key_end || j >= line.len() {
        return Some(key_end);
    }
    let (start, end, next) = value_at(line, j);
    out.push(Pair {
        key: text(key),
        key_start: i,
        value: text(&line[start..end]),
        start,
        end,
        keyword: Some(role),
    });
    Some(next)
}

/// A value starting at `v`: quoted, or bare up to whitespace or a separator.
fn value_at(line: &[u8], v: usize) -> (usize, usize, usize) {
    if let Some((start, end, next)) = matches!(line.get(v), Some(b'"' | b'\''))
        .then(|| quoted(line, v))
        .flatten()
    {
        return (start, end, next);
    }
    let end = (v..line.len())
        .find(|&k| {
            matches!(
                line[k],
                b' ' | b'\t' | b';' | b',' | b'<' | b'>' | b'"' | b'\''
            )
        })
        .unwrap_or(line.len());
    (v, end, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of the one secret on `line` whose value starts at the first occurrence of `value`.
    fn context_of(text: &str, value: &str) -> Vec<(usize, String, String)> {
        let (line, column) = text
            .lines()
            .enumerate()
            .find_map(|(i, l)| l.find(value).map(|c| (i + 1, c + 1)))
            .expect("value in text");
        let spot = SecretSpot {
            line,
            column,
            len: value.len(),
        };
        secret_context(text.as_bytes(), &[spot])
            .remove(0)
            .into_iter()
            .map(|f| (f.line, f.key, f.value))
            .collect()
    }

    /// Asserts the (line, key, value) fields `context_of(text, value)` gives.
    fn assert_context(text: &str, value: &str, expected: &[(usize, &str, &str)]) {
        let expected: Vec<(usize, String, String)> = expected
            .iter()
            .map(|&(line, key, value)| (line, key.into(), value.into()))
            .collect();
        assert_eq!(context_of(text, value), expected, "{text}");
    }

    #[test]
    fn a_json_object_gives_its_host_and_user() {
        let text = "{\n    \"host\": \"files.corp.internal\",\n    \"port\": 22,\n    \"user\": \"deploy\",\n    \"password\": \"Kq2-vLz9\",\n    \"remote\": \"/var/www\"\n}\n";
        assert_context(
            text,
            "Kq2-vLz9",
            &[(2, "host", "files.corp.internal"), (4, "user", "deploy")],
        );
    }

    #[test]
    fn a_dotenv_group_ends_at_a_blank_line_and_prefixes_pick_the_account() {
        let text = "APP_NAME=shop\n\n# database\nDB_HOST=db.corp.internal\nDB_USERNAME=shop\nDB_PASSWORD=Vq8-zLm2\nCACHE_HOST=cache.corp.internal\nCACHE_PASSWORD=Zr7-kQ3w\n\nMAIL_HOST=smtp.corp.internal\n";
        let db = SecretSpot {
            line: 6,
            column: 13,
            len: 8,
        };
        let cache = SecretSpot {
            line: 8,
            column: 16,
            len: 8,
        };
        let found = secret_context(text.as_bytes(), &[db, cache]);
        let keys = |i: usize| -> Vec<&str> { found[i].iter().map(|f| f.key.as_str()).collect() };
        assert_eq!(keys(0), ["DB_HOST", "DB_USERNAME"]);
        assert_eq!(keys(1), ["CACHE_HOST"]);
    }

    #[test]
    fn an_xml_element_gives_its_siblings_and_the_opener() {
        let text = "<Servers>\n  <Server>\n    <Host>ftp.corp.internal</Host>\n    <User>deploy</User>\n    <!-- saved -->\n    <Pass>Kq2-vLz9</Pass>\n    <Name>site</Name>\n  </Server>\n</Servers>\n";
        assert_context(
            text,
            "Kq2-vLz9",
            &[(3, "Host", "ftp.corp.internal"), (4, "User", "deploy")],
        );
        let attrs = "  <webServer id=\"1\" url=\"https://deploy.corp.internal\">\n    <fileTransfer host=\"ftp.corp.internal\" password=\"9f8e7d\" username=\"deploy\">\n    </fileTransfer>\n";
        assert_context(
            attrs,
            "9f8e7d",
            &[
                (1, "url", "https://deploy.corp.internal"),
                (2, "host", "ftp.corp.internal"),
                (2, "username", "deploy"),
            ],
        );
    }

    #[test]
    fn keyword_files_and_php_assignments() {
        let esmtp = "identity \"ops@corp.internal\"\nhostname smtp.corp.internal:587\nusername \"ops@corp.internal\"\npassword \"Kq2-vLz9\"\nstarttls required\n";
        assert_context(
            esmtp,
            "Kq2-vLz9",
            &[
                (1, "identity", "ops@corp.internal"),
                (2, "hostname", "smtp.corp.internal:587"),
                (3, "username", "ops@corp.internal"),
            ],
        );
        let netrc = "machine api.corp.internal login ci password Kq2-vLz9\n";
        assert_context(
            netrc,
            "Kq2-vLz9",
            &[(1, "machine", "api.corp.internal"), (1, "login", "ci")],
        );
        let php = "<?php\n    $dbhost = 'db.corp.internal';\n    $dbname = 'shop';\n    $dbuser = 'shop';\n    $dbpasswd = 'Kq2-vLz9';\n?>\n";
        assert_context(
            php,
            "Kq2-vLz9",
            &[
                (2, "$dbhost", "db.corp.internal"),
                (3, "$dbname", "shop"),
                (4, "$dbuser", "shop"),
            ],
        );
        let define = "define( 'DB_NAME', 'shop' );\ndefine( 'DB_USER', 'shop' );\ndefine( 'DB_PASSWORD', 'Kq2-vLz9' );\n";
        assert_context(
            define,
            "Kq2-vLz9",
            &[(1, "DB_NAME", "shop"), (2, "DB_USER", "shop")],
        );
    }

    #[test]
    fn values_never_carry_secrets() {
        let text = "[remote]\nurl = https://ci:Zr7-kQ3w@git.corp.internal/repo.git\nuser = ci\ntoken = Kq2-vLz9Xc\n";
        assert_context(
            text,
            "Kq2-vLz9Xc",
            &[
                (2, "url", "https://git.corp.internal/repo.git"),
                (3, "user", "ci"),
            ],
        );
        let uri = "  uri: \"mongodb://app:Kq2-vLz9@mongo.corp.internal:27017/main\"\n";
        assert!(
            context_of(uri, "Kq2-vLz9").is_empty(),
            "the field holding the secret is not context"
        );
        let other_secret = "user = ci\napi_key = Zr7kQ3wPq9Lm\ntoken = Kq2-vLz9Xc\n";
        let spots = [
            SecretSpot {
                line: 2,
                column: 11,
                len: 12,
            },
            SecretSpot {
                line: 3,
                column: 9,
                len: 10,
            },
        ];
        for fields in secret_context(other_secret.as_bytes(), &spots) {
            assert!(fields.iter().all(|f| f.key == "user"), "{fields:?}");
        }
    }

    #[test]
    fn flags_numbers_variables_and_form_fields_are_not_context() {
        let text = "{\n  \"usernameField\": \"login\",\n  \"user\": \"${USER}\",\n  \"db\": 0,\n  \"host\": \"true\",\n  \"password\": \"Kq2-vLz9\"\n}\n";
        assert!(context_of(text, "Kq2-vLz9").is_empty());
    }

    #[test]
    fn code_lines_do_not_speak_for_a_block() {
        let text = "sk = 'Kq2-vLz9Xc'\nreq.post = {\"url\": \"http://app.corp.internal\", \"user\": \"ops\"}\nexport SMTP_USER=ops\n";
        assert_context(text, "Kq2-vLz9Xc", &[(3, "SMTP_USER", "ops")]);
    }

    #[test]
    fn a_yaml_list_item_leads_with_its_key() {
        let text = "github.com:\n- user: ops-bot\n  oauth_token: \"Kq2-vLz9Xc\"\n";
        assert_context(text, "Kq2-vLz9Xc", &[(2, "user", "ops-bot")]);
    }

    #[test]
    fn an_object_keyed_by_its_host_names_the_place() {
        let docker = "{\n  \"auths\": {\n    \"https://registry.corp.internal/v2/\": {\n      \"email\": \"ci@corp.internal\",\n      \"auth\": \"Y2k6S3EyLXZMejlYYw==\"\n    }\n  }\n}\n";
        assert_context(
            docker,
            "Y2k6S3EyLXZMejlYYw==",
            &[
                (3, "section", "https://registry.corp.internal/v2/"),
                (4, "email", "ci@corp.internal"),
            ],
        );
        let settings = "{\n  \"compilerOptions\": {\n    \"token\": \"Kq2-vLz9Xc\"\n  }\n}\n";
        assert!(context_of(settings, "Kq2-vLz9Xc").is_empty());
    }

    #[test]
    fn certificate_urls_are_not_places() {
        let text = "{\n  \"client_email\": \"ci@corp.internal\",\n  \"client_x509_cert_url\": \"https://certs.corp.internal/ci\",\n  \"private_key_id\": \"Kq2-vLz9Xc\"\n}\n";
        assert_context(
            text,
            "Kq2-vLz9Xc",
            &[(2, "client_email", "ci@corp.internal")],
        );
    }

    #[test]
    fn a_block_stops_at_a_section_and_lower_indentation() {
        let ini = "[mail]\nuser = ops\n[db]\npassword = Kq2-vLz9\n";
        assert!(context_of(ini, "Kq2-vLz9").is_empty());
        let yaml = "ssh:\n  user: admin\nauth:\n  api_key: Kq2-vLz9Xc\n";
        assert!(context_of(yaml, "Kq2-vLz9Xc").is_empty());
    }

    #[test]
    fn a_dump_of_many_secrets_gets_no_context() {
        let text = "user = ops\n".to_string() + &"token = Kq2-vLz9Xc\n".repeat(MAX_SECRETS + 1);
        let spots: Vec<SecretSpot> = (0..=MAX_SECRETS)
            .map(|i| SecretSpot {
                line: i + 2,
                column: 9,
                len: 10,
            })
            .collect();
        let found = secret_context(text.as_bytes(), &spots);
        assert_eq!(found.len(), spots.len());
        assert!(found.iter().all(Vec::is_empty));
    }

    #[test]
    fn bad_input_never_panics() {
        for text in [
            "",
            "\n\n\n",
            "<",
            "<a",
            "<a>",
            "<a>b</",
            "\"",
            "\"k\":",
            "\"k\": \"",
            "k=",
            "login",
            "define(",
            "\u{fffd}=\u{fffd}",
        ] {
            for line in 0..4 {
                for column in 0..4 {
                    let spot = SecretSpot {
                        line,
                        column,
                        len: 3,
                    };
                    let _ = secret_context(text.as_bytes(), &[spot]);
                }
            }
        }
    }
}
