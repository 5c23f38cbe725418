//! `.netrc` (`_netrc` on Windows): `machine <host> login <user> password <secret>` entries, as
//! free-form tokens over any number of lines; `default` entries apply to any host, `macdef`
//! bodies (up to the next blank line) are skipped.

use super::secret::{self, Sighting};
use super::Found;
use nhi_model::CredentialKind;
use serde_json::Value;

/// Each whitespace-separated token with its 1-based line; `macdef` bodies are left out.
fn tokens(text: &str) -> Vec<(&str, u32)> {
    let mut out = Vec::new();
    let mut in_macro = false;
    for (index, line) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if in_macro {
            in_macro = !line.trim().is_empty();
            continue;
        }
        let mut words = line.split_whitespace();
        while let Some(word) = words.next() {
            if word.starts_with('#') {
                break;
            }
            if word == "macdef" {
                words.next();
                in_macro = true;
                break;
            }
            out.push((word, number));
        }
    }
    out
}

/// One `machine` (or `default`) entry.
#[derive(Default)]
struct Entry<'a> {
    machine: Option<&'a str>,
    login: Option<&'a str>,
    password: Option<(&'a str, u32)>,
}

/// Read a netrc file.
pub(super) fn read(text: &str, found: &mut Found) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut iter = tokens(text).into_iter();
    while let Some((word, line)) = iter.next() {
        match word {
            "machine" | "default" => {
                let machine = if word == "default" {
                    Some("default")
                } else {
                    iter.next().map(|(m, _)| m)
                };
                entries.push(Entry {
                    machine,
                    ..Entry::default()
                });
            }
            "login" | "password" | "account" | "port" => {
                let Some((value, value_line)) = iter.next() else {
                    found.error(Some(line), format!("'{word}' without a value"));
                    break;
                };
                let Some(entry) = entries.last_mut() else {
                    found.error(Some(line), format!("'{word}' before any 'machine' entry"));
                    continue;
                };
                match word {
                    "login" => entry.login = Some(value),
                    "password" => entry.password = Some((value, value_line)),
                    _ => {}
                }
            }
            _ => found.error(
                Some(line),
                "unexpected token: expected machine, default, login, password, account or macdef",
            ),
        }
    }
    for entry in entries {
        let Some((password, line)) = entry.password.filter(|(p, _)| !secret::is_placeholder(p))
        else {
            continue;
        };
        let mut sighting = Sighting::named(password, "password", "netrc", found.at(Some(line)));
        sighting.kind = secret::kind_by_value(password).unwrap_or(CredentialKind::Password);
        let mut attributes = vec![("host", Value::from(entry.machine.unwrap_or("unknown")))];
        if let Some(login) = entry.login {
            attributes.push(("username", Value::from(login)));
        }
        found.secret(sighting, &attributes);
    }
}
