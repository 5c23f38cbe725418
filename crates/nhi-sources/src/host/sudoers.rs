//! `/etc/sudoers` and `/etc/sudoers.d/*`: what each account or group may run, as whom, and whether
//! without a password. Each user specification becomes grants (`source` `sudoers`): `actions` are
//! the commands (`ALL` or paths with arguments), `resources` the run-as accounts, `conditions`
//! `{nopasswd, tags, hosts, runas_groups}`.
//!
//! Invariants: aliases defined in the same file are expanded (`User_Alias`, `Runas_Alias`,
//! `Cmnd_Alias`); `Defaults[:users] !authenticate` makes that file's matching grants passwordless;
//! a line that does not parse gives one error with its line and the rest of the file still counts.

use super::root::HostRoot;
use crate::{Discovery, SourceError, SourceFile};
use nhi_model::{Grant, Location};
use serde_json::json;
use std::collections::HashMap;

/// Tags that may precede a command (`NOPASSWD:`).
const TAGS: &[&str] = &[
    "NOPASSWD",
    "PASSWD",
    "NOEXEC",
    "EXEC",
    "SETENV",
    "NOSETENV",
    "LOG_INPUT",
    "NOLOG_INPUT",
    "LOG_OUTPUT",
    "NOLOG_OUTPUT",
    "MAIL",
    "NOMAIL",
    "FOLLOW",
    "NOFOLLOW",
    "INTERCEPT",
    "NOINTERCEPT",
];
/// Alias nesting deeper than this is cut (a loop, or abuse).
const MAX_ALIAS_DEPTH: usize = 8;

/// One logical line (continuations joined) and the line it starts on.
struct Logical {
    text: String,
    line: u32,
}

/// Join `\`-continued lines and drop comments, keeping `#<digits>` (uids) and skipping includes.
fn logical_lines(text: &str) -> Vec<Logical> {
    let mut lines = Vec::new();
    let mut current: Option<Logical> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let (body, continued) = match raw.trim_end().strip_suffix('\\') {
            Some(body) => (body, true),
            None => (raw, false),
        };
        let entry = current.get_or_insert_with(|| Logical {
            text: String::new(),
            line: number,
        });
        entry.text.push_str(strip_comment(body));
        entry.text.push(' ');
        if !continued {
            let done = current.take().expect("just inserted");
            let trimmed = done.text.trim();
            let include = ["#include", "@include"]
                .iter()
                .any(|d| trimmed.starts_with(d));
            if !trimmed.is_empty() && !include {
                lines.push(Logical {
                    text: trimmed.to_string(),
                    line: done.line,
                });
            }
        }
    }
    lines.extend(current.filter(|c| !c.text.trim().is_empty()));
    lines
}

/// The line without its comment: a `#` not followed by a digit (`#1001` is a uid).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        let starts_comment = *b == b'#'
            && !bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && (i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b',');
        let include = line[i..].starts_with("#include");
        if starts_comment && !include {
            return &line[..i];
        }
    }
    line
}

/// A character cursor over one logical line.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.text.len()
    }

    /// A word up to whitespace, `,`, `=`, `:`, `(` or `)`, with `\` escapes kept as written.
    fn word(&mut self) -> &'a str {
        self.skip_ws();
        let start = self.pos;
        let mut escaped = false;
        for (i, c) in self.text[start..].char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c.is_whitespace() || matches!(c, ',' | '=' | ':' | '(' | ')') {
                self.pos = start + i;
                return &self.text[start..self.pos];
            }
        }
        self.pos = self.text.len();
        &self.text[start..]
    }

    /// A `,`-separated list of words.
    fn list(&mut self) -> Vec<&'a str> {
        let mut items = vec![self.word()];
        while self.eat(',') {
            items.push(self.word());
        }
        items.retain(|i| !i.is_empty());
        items
    }

    /// Text up to an unescaped `,` or `:` (a command and its arguments).
    fn command(&mut self) -> &'a str {
        self.skip_ws();
        let start = self.pos;
        let mut escaped = false;
        for (i, c) in self.text[start..].char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if matches!(c, ',' | ':') {
                self.pos = start + i;
                return self.text[start..self.pos].trim();
            }
        }
        self.pos = self.text.len();
        self.text[start..].trim()
    }

    /// Whether the text ahead is `WORD=` (an option such as `CWD=/srv`) rather than a command.
    fn at_option(&self) -> bool {
        let rest = &self.text[self.pos..];
        let name_len = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(rest.len());
        name_len > 0 && rest[name_len..].starts_with('=')
    }
}

/// The aliases a file defines, by kind.
#[derive(Default)]
struct Aliases {
    users: HashMap<String, Vec<String>>,
    runas: HashMap<String, Vec<String>>,
    commands: HashMap<String, Vec<String>>,
}

/// Expand aliases in a list; a `!` in front of an alias negates each of its members.
fn expand(items: &[String], table: &HashMap<String, Vec<String>>, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    for item in items {
        let (negated, name) = match item.strip_prefix('!') {
            Some(name) => (true, name.trim()),
            None => (false, item.as_str()),
        };
        match table.get(name).filter(|_| depth < MAX_ALIAS_DEPTH) {
            Some(members) => {
                for member in expand(members, table, depth + 1) {
                    out.push(if negated {
                        format!("!{member}")
                    } else {
                        member
                    });
                }
            }
            None => out.push(item.clone()),
        }
    }
    out
}

/// One run of commands that share run-as and tags within a user specification.
#[derive(Debug, Clone, PartialEq)]
struct CommandGroup {
    hosts: Vec<String>,
    runas_users: Vec<String>,
    runas_groups: Vec<String>,
    tags: Vec<String>,
    commands: Vec<String>,
}

impl CommandGroup {
    /// The defaults at the start of a host section: run as root, no tags.
    fn section(hosts: Vec<String>) -> CommandGroup {
        CommandGroup {
            hosts,
            runas_users: vec!["root".into()],
            runas_groups: Vec::new(),
            tags: Vec::new(),
            commands: Vec::new(),
        }
    }

    fn same_settings(&self, other: &CommandGroup) -> bool {
        (
            &self.hosts,
            &self.runas_users,
            &self.runas_groups,
            &self.tags,
        ) == (
            &other.hosts,
            &other.runas_users,
            &other.runas_groups,
            &other.tags,
        )
    }

    fn nopasswd(&self) -> bool {
        self.tags
            .iter()
            .rev()
            .find(|t| *t == "NOPASSWD" || *t == "PASSWD")
            .map(String::as_str)
            == Some("NOPASSWD")
    }
}

/// A parsed user specification.
#[derive(Debug)]
struct UserSpec {
    users: Vec<String>,
    groups: Vec<CommandGroup>,
    line: u32,
}

/// `Defaults` that change authentication: users they apply to (`None` = everyone).
struct NoAuthenticate {
    users: Option<Vec<String>>,
}

fn parse_spec(line: &Logical) -> Result<UserSpec, String> {
    let mut cursor = Cursor {
        text: &line.text,
        pos: 0,
    };
    let users: Vec<String> = cursor.list().into_iter().map(str::to_string).collect();
    if users.is_empty() {
        return Err("expected a user list".into());
    }
    let mut groups: Vec<CommandGroup> = Vec::new();
    // Run-as and tags carry over from one command to the next until a new host section.
    let mut next = CommandGroup::section(host_section(&mut cursor)?);
    loop {
        if cursor.eat('(') {
            let close = cursor.text[cursor.pos..]
                .find(')')
                .ok_or("unclosed '(' in run-as list")?;
            let runas = &cursor.text[cursor.pos..cursor.pos + close];
            cursor.pos += close + 1;
            let (users, groups) = runas.split_once(':').unwrap_or((runas, ""));
            next.runas_users = split_list(users);
            next.runas_groups = split_list(groups);
        }
        cursor.skip_ws();
        while cursor.at_option() {
            cursor.word();
            cursor.eat('=');
            cursor.word();
            cursor.skip_ws();
        }
        loop {
            let save = cursor.pos;
            let word = cursor.word();
            if TAGS.contains(&word) && cursor.eat(':') {
                let opposite = word
                    .strip_prefix("NO")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("NO{word}"));
                next.tags.retain(|t| t != word && *t != opposite);
                next.tags.push(word.to_string());
            } else {
                cursor.pos = save;
                break;
            }
        }
        skip_digest(&mut cursor);
        let command = cursor.command();
        if command.is_empty() {
            return Err("expected a command".into());
        }
        match groups.last_mut() {
            Some(last) if last.same_settings(&next) => last.commands.push(command.to_string()),
            _ => {
                let mut group = next.clone();
                group.commands.push(command.to_string());
                groups.push(group);
            }
        }
        if cursor.eat(',') {
            continue;
        }
        if cursor.eat(':') {
            next = CommandGroup::section(host_section(&mut cursor)?);
            continue;
        }
        if !cursor.at_end() {
            return Err(format!("unexpected '{}'", &cursor.text[cursor.pos..]));
        }
        return Ok(UserSpec {
            users,
            groups,
            line: line.line,
        });
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// `host_list =`.
fn host_section(cursor: &mut Cursor) -> Result<Vec<String>, String> {
    let hosts: Vec<String> = cursor.list().into_iter().map(str::to_string).collect();
    if hosts.is_empty() {
        return Err("expected a host list".into());
    }
    if !cursor.eat('=') {
        return Err("expected '=' after the host list".into());
    }
    Ok(hosts)
}

/// Skip a `sha256:<digest>` prefix in front of a command.
fn skip_digest(cursor: &mut Cursor) {
    cursor.skip_ws();
    let rest = &cursor.text[cursor.pos..];
    let is_digest = ["sha224:", "sha256:", "sha384:", "sha512:"]
        .iter()
        .any(|p| rest.starts_with(p));
    if is_digest {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        cursor.pos += end;
    }
}

/// `Type NAME = a, b : NAME2 = c`.
fn parse_alias(
    rest: &str,
    table: &mut HashMap<String, Vec<String>>,
    commands: bool,
) -> Result<(), String> {
    for definition in split_definitions(rest) {
        let (name, members) = definition
            .split_once('=')
            .ok_or("expected '=' in alias definition")?;
        let name = name.trim();
        let valid = name.starts_with(|c: char| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(format!("invalid alias name '{name}'"));
        }
        let mut cursor = Cursor {
            text: members,
            pos: 0,
        };
        let mut items = Vec::new();
        loop {
            let item = if commands {
                cursor.command()
            } else {
                cursor.word()
            };
            if !item.is_empty() {
                items.push(item.to_string());
            }
            if !cursor.eat(',') {
                break;
            }
        }
        table.insert(name.to_string(), items);
    }
    Ok(())
}

/// Split `A = x : B = y` at the `:` that starts a new definition (`NAME =` follows it).
fn split_definitions(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(':') {
        let after = text[i + 1..].trim_start();
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0
            && after[name_len..].trim_start().starts_with('=')
            && !text[..i].ends_with('\\')
        {
            parts.push(&text[start..i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Read a sudoers file.
pub(crate) fn read(file: &SourceFile, text: &str, host: &HostRoot, out: &mut Discovery) {
    let mut aliases = Aliases::default();
    let mut specs = Vec::new();
    let mut no_auth = Vec::new();
    for line in logical_lines(text) {
        let (keyword, rest) = line
            .text
            .split_once(char::is_whitespace)
            .unwrap_or((&line.text, ""));
        let result = match keyword {
            "User_Alias" => parse_alias(rest, &mut aliases.users, false),
            "Runas_Alias" => parse_alias(rest, &mut aliases.runas, false),
            "Cmnd_Alias" | "Cmd_Alias" => parse_alias(rest, &mut aliases.commands, true),
            "Host_Alias" => Ok(()),
            _ if keyword.starts_with("Defaults") => {
                if rest.split([',', ' ']).any(|p| p.trim() == "!authenticate") {
                    let users = keyword
                        .strip_prefix("Defaults:")
                        .map(|u| u.split(',').map(str::to_string).collect());
                    no_auth.push(NoAuthenticate { users });
                }
                Ok(())
            }
            _ => parse_spec(&line).map(|spec| specs.push(spec)),
        };
        if let Err(message) = result {
            out.errors.push(SourceError::new(
                file.path,
                Some(line.line),
                format!("sudoers syntax error: {message}"),
            ));
        }
    }
    for spec in specs {
        grants(file, host, &spec, &aliases, &no_auth, out);
    }
}

fn grants(
    file: &SourceFile,
    host: &HostRoot,
    spec: &UserSpec,
    aliases: &Aliases,
    no_auth: &[NoAuthenticate],
    out: &mut Discovery,
) {
    let users = expand(&spec.users, &aliases.users, 0);
    for user in users.iter().filter(|u| !u.starts_with('!')) {
        let holder = principal(host, user);
        let passwordless_default = no_auth.iter().any(|d| {
            d.users
                .as_ref()
                .is_none_or(|list| expand(list, &aliases.users, 0).contains(user))
        });
        for group in &spec.groups {
            let runas = expand(&group.runas_users, &aliases.runas, 0);
            let commands = expand(&group.commands, &aliases.commands, 0);
            let (denied, allowed): (Vec<String>, Vec<String>) =
                commands.into_iter().partition(|c| c.starts_with('!'));
            let conditions = json!({
                "nopasswd": group.nopasswd() || passwordless_default,
                "tags": group.tags,
                "hosts": group.hosts,
                "runas_groups": group.runas_groups,
            });
            let resources: Vec<String> = runas
                .iter()
                .filter(|r| !r.starts_with('!'))
                .map(|r| principal(host, r))
                .collect();
            for (effect, actions) in [("allow", allowed), ("deny", denied)] {
                if actions.is_empty() {
                    continue;
                }
                let actions = actions
                    .into_iter()
                    .map(|a| a.trim_start_matches('!').trim().to_string())
                    .collect();
                out.inventory.grants.push(Grant {
                    identity: holder.clone(),
                    effect: effect.into(),
                    actions,
                    resources: resources.clone(),
                    conditions: Some(conditions.clone()),
                    source: Some("sudoers".into()),
                    access_level: None,
                    location: Some(Location::file(file.path, Some(spec.line))),
                });
            }
        }
    }
}

/// The node a sudoers user or run-as item names.
fn principal(host: &HostRoot, item: &str) -> String {
    let item = item.trim_matches('"');
    if item == "ALL" {
        host.account("*")
    } else if let Some(gid) = item.strip_prefix("%#") {
        host.gid(gid)
    } else if let Some(group) = item.strip_prefix("%:").or_else(|| item.strip_prefix('%')) {
        host.group(group)
    } else if let Some(uid) = item.strip_prefix('#') {
        host.uid(uid)
    } else {
        host.account(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn nopasswd(grant: &Grant) -> bool {
        grant
            .conditions
            .as_ref()
            .and_then(|c| c.get("nopasswd"))
            .and_then(Value::as_bool)
            == Some(true)
    }

    fn parse(text: &str) -> Discovery {
        let host = HostRoot {
            prefix: String::new(),
            name: "h".into(),
        };
        let file = SourceFile {
            path: "etc/sudoers",
            bytes: text.as_bytes(),
        };
        let mut out = Discovery::default();
        read(&file, text, &host, &mut out);
        out
    }

    #[test]
    fn nopasswd_all_for_a_user_and_a_group() {
        let out = parse("root ALL=(ALL:ALL) ALL\ndeploy ALL=(ALL) NOPASSWD: ALL\n%admin ALL = (root) NOPASSWD:ALL # ops\n");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let g = &out.inventory.grants;
        assert_eq!(g.len(), 3);
        assert_eq!(g[1].identity, "host:account:h/deploy");
        assert_eq!(g[1].actions, vec!["ALL"]);
        assert_eq!(g[1].resources, vec!["host:account:h/*"]);
        assert!(nopasswd(&g[1]) && !nopasswd(&g[0]));
        assert_eq!(g[2].identity, "host:group:h/admin");
        assert_eq!(g[2].resources, vec!["host:account:h/root"]);
        assert_eq!(g[2].location.as_ref().unwrap().line, Some(3));
    }

    #[test]
    fn aliases_tags_runas_and_hosts_carry_over() {
        let text = "User_Alias OPS = alice, %wheel : BOTS = backup\n\
                    Cmnd_Alias RESTART = /bin/systemctl restart nginx, \\\n    /bin/systemctl restart app\n\
                    Runas_Alias DB = postgres\n\
                    BOTS web = (DB) NOPASSWD: /usr/bin/pg_dump, RESTART : db = PASSWD: /bin/ls\n\
                    OPS ALL = ALL, !/bin/su\n";
        let out = parse(text);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let g = &out.inventory.grants;
        let backup: Vec<&Grant> = g
            .iter()
            .filter(|g| g.identity == "host:account:h/backup")
            .collect();
        assert_eq!(backup.len(), 2);
        assert_eq!(
            backup[0].actions,
            vec![
                "/usr/bin/pg_dump",
                "/bin/systemctl restart nginx",
                "/bin/systemctl restart app"
            ]
        );
        assert_eq!(backup[0].resources, vec!["host:account:h/postgres"]);
        assert!(nopasswd(backup[0]));
        assert!(
            !nopasswd(backup[1]),
            "PASSWD: overrides in the next host section"
        );
        assert_eq!(
            backup[1].conditions.as_ref().unwrap()["hosts"],
            json!(["db"])
        );
        let wheel: Vec<&Grant> = g
            .iter()
            .filter(|g| g.identity == "host:group:h/wheel")
            .collect();
        assert_eq!(
            wheel.iter().map(|g| g.effect.as_str()).collect::<Vec<_>>(),
            vec!["allow", "deny"]
        );
        assert_eq!(wheel[1].actions, vec!["/bin/su"]);
    }

    #[test]
    fn uids_digests_options_and_defaults() {
        let text = "Defaults:ci !authenticate\n#1001 ALL=(root) sha256:abcd /usr/bin/make\nci ALL=(root) CWD=/srv /usr/bin/make\n";
        let out = parse(text);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let g = &out.inventory.grants;
        assert_eq!(g[0].identity, "host:uid:h/1001");
        assert_eq!(g[0].actions, vec!["/usr/bin/make"]);
        assert!(!nopasswd(&g[0]));
        assert_eq!(g[1].actions, vec!["/usr/bin/make"]);
        assert!(nopasswd(&g[1]), "Defaults:ci !authenticate");
    }

    #[test]
    fn syntax_errors_name_the_line_and_the_rest_counts() {
        let out = parse("deploy ALL NOPASSWD: ALL\nci ALL=(root ALL\nUser_Alias bad = x\nbuild ALL=(ALL) NOPASSWD: ALL\n");
        let lines: Vec<Option<u32>> = out.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![Some(1), Some(2), Some(3)], "{:?}", out.errors);
        assert!(out.errors[0].message.contains("expected '='"));
        assert!(out.errors[1].message.contains("unclosed"));
        assert_eq!(out.inventory.grants.len(), 1);
    }
}
