//! systemd service units (`*.service`) and their drop-ins (`<unit>.service.d/*.conf`): which
//! account a service runs as (`User=`, root when unset, a transient user with `DynamicUser=`), its
//! program, the credentials it loads the right way (`LoadCredential=`, noted), and secrets written
//! into the unit (`Environment=`, `ExecStart=` arguments, `SetCredential=`), which become
//! credentials of that account.
//!
//! Invariants: only the `[Service]` section is read; a drop-in that does not set `User=` makes no
//! job edge (its unit file does) and its secrets have no identity; values are never stored, only
//! program paths and credential ids.

use super::root::HostRoot;
use super::{attr, HostFile};
use crate::credfiles::command_line;
use crate::credfiles::secret::{is_placeholder, kind_by_value, names_secret, Sighting};
use crate::{Discovery, SourceContext, SourceError, SourceFile};
use nhi_model::{Credential, Edge, EdgeKind, Location};
use serde_json::Value;

/// Folders (inside a host tree) that hold system units.
const UNIT_DIRS: &[&str] = &[
    "etc/systemd/system/",
    "usr/lib/systemd/system/",
    "lib/systemd/system/",
    "run/systemd/system/",
];
/// The folder of a user's own units, inside a home.
const USER_UNIT_DIR: &str = ".config/systemd/user/";

/// Which unit a file defines or amends.
pub(crate) struct UnitFile<'a> {
    pub name: &'a str,
    pub drop_in: bool,
    /// The owner of a user unit.
    pub user: Option<&'a str>,
}

/// A unit file or drop-in, anywhere (`*.service` files outside a host tree count too: their folder
/// is taken as the host's root).
pub(super) fn classify(file: &SourceFile) -> Option<(HostFile, usize)> {
    let path = file.path;
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let (unit, drop_in) = if name.ends_with(".service") {
        (name.to_string(), false)
    } else if name.ends_with(".conf") && dir.ends_with(".service.d") {
        let unit_dir = dir.rsplit('/').next().unwrap_or(dir);
        (unit_dir.trim_end_matches(".d").to_string(), true)
    } else {
        return None;
    };
    memchr::memmem::find(file.bytes, b"[Service]")?;
    let user_unit = super::root::home_of(path)
        .filter(|(_, _, home_end)| path[*home_end..].starts_with(USER_UNIT_DIR));
    let (root_end, user) = match user_unit {
        Some((root_end, user, _)) => (root_end, Some(user.to_string())),
        None => {
            let marker = UNIT_DIRS
                .iter()
                .filter_map(|d| {
                    path.find(d)
                        .filter(|at| *at == 0 || path[..*at].ends_with('/'))
                })
                .min();
            (
                marker.unwrap_or(dir.len() + usize::from(!dir.is_empty())),
                None,
            )
        }
    };
    Some((
        HostFile::Unit {
            name: unit,
            drop_in,
            user,
        },
        root_end,
    ))
}

/// What the `[Service]` section says.
#[derive(Debug, Default)]
struct Service {
    user: Option<String>,
    dynamic_user: bool,
    program: Option<String>,
    environment_files: Vec<String>,
    load_credentials: Vec<String>,
    set_credentials: Vec<String>,
}

/// Read a unit file or drop-in.
pub(crate) fn read(
    file: &SourceFile,
    text: &str,
    host: &HostRoot,
    unit: &UnitFile,
    ctx: &SourceContext,
    out: &mut Discovery,
) {
    let mut service = Service::default();
    let mut secrets: Vec<Credential> = Vec::new();
    for (number, key, value) in service_entries(file, text, out) {
        let location = || Location::file(file.path, Some(number));
        match key.as_str() {
            "User" => service.user = Some(value.clone()).filter(|u| !u.is_empty()),
            "DynamicUser" => {
                service.dynamic_user = matches!(value.as_str(), "yes" | "true" | "1" | "on")
            }
            "EnvironmentFile" => service
                .environment_files
                .push(value.trim_start_matches('-').to_string()),
            "LoadCredential"
            | "LoadCredentialEncrypted"
            | "SetCredentialEncrypted"
            | "ImportCredential" => {
                service
                    .load_credentials
                    .push(value.split(':').next().unwrap_or_default().to_string());
            }
            "SetCredential" => {
                let (id, secret) = value.split_once(':').unwrap_or((value.as_str(), ""));
                service.set_credentials.push(id.to_string());
                if !is_placeholder(secret) {
                    let sighting =
                        Sighting::named(secret, id, "systemd-set-credential", location());
                    secrets.push(sighting.into_credential(ctx.fingerprinter));
                }
            }
            "Environment" => {
                for word in command_line::split(&value) {
                    let Some((name, secret)) = word.split_once('=') else {
                        continue;
                    };
                    if !is_placeholder(secret)
                        && (names_secret(name) || kind_by_value(secret).is_some())
                    {
                        let sighting =
                            Sighting::named(secret, name, "systemd-environment", location());
                        secrets.push(sighting.into_credential(ctx.fingerprinter));
                    }
                }
            }
            key if key.starts_with("Exec") => {
                let command = value.trim_start_matches(['@', '-', ':', '+', '!']);
                let words = command_line::split(command);
                if key == "ExecStart" && service.program.is_none() {
                    service.program = command_line::program(&words).map(str::to_string);
                }
                for found in command_line::secrets(&words) {
                    let sighting =
                        Sighting::named(&found.value, &found.name, "systemd-exec", location());
                    secrets.push(sighting.into_credential(ctx.fingerprinter));
                }
            }
            _ => {}
        }
    }
    let account = match (&service.user, unit.user) {
        (Some(user), _) => Some(host.account(user)),
        (None, Some(owner)) => Some(host.account(owner)),
        (None, None) if unit.drop_in => None,
        (None, None) if service.dynamic_user => {
            Some(host.account(unit.name.trim_end_matches(".service")))
        }
        (None, None) => Some(host.account("root")),
    };
    for mut credential in secrets {
        credential.identity.clone_from(&account);
        credential
            .attributes
            .insert(attr::UNIT.into(), Value::from(unit.name));
        out.inventory.add_credential(credential);
    }
    if let Some(account) = account {
        out.inventory
            .edges
            .push(edge(file, host, unit, &service, account));
    }
}

fn edge(
    file: &SourceFile,
    host: &HostRoot,
    unit: &UnitFile,
    service: &Service,
    account: String,
) -> Edge {
    let mut edge = Edge {
        from: host.job("systemd", unit.name),
        to: account,
        kind: EdgeKind::Uses,
        attributes: Default::default(),
    };
    let attributes = &mut edge.attributes;
    attributes.insert(attr::UNIT.into(), Value::from(unit.name));
    if let Some(program) = &service.program {
        attributes.insert(attr::PROGRAM.into(), Value::from(program.as_str()));
    }
    attributes.insert("user_set".into(), Value::from(service.user.is_some()));
    attributes.insert("dynamic_user".into(), Value::from(service.dynamic_user));
    for (key, list) in [
        ("environment_files", &service.environment_files),
        ("load_credentials", &service.load_credentials),
        ("set_credentials", &service.set_credentials),
    ] {
        if !list.is_empty() {
            attributes.insert(key.into(), Value::from(list.clone()));
        }
    }
    attributes.insert(
        attr::LOCATION.into(),
        serde_json::to_value(Location::file(file.path, None)).unwrap_or_default(),
    );
    edge
}

/// The `Key=Value` entries of the `[Service]` section, continuations joined, with their line.
/// Lines that are neither a section, a comment nor an assignment are reported.
fn service_entries(
    file: &SourceFile,
    text: &str,
    out: &mut Discovery,
) -> Vec<(u32, String, String)> {
    let mut entries = Vec::new();
    let mut section = String::new();
    let mut pending: Option<(String, u32)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let (mut logical, start) = match pending.take() {
            Some((mut joined, start)) => {
                joined.push(' ');
                joined.push_str(raw.trim());
                (joined, start)
            }
            None => {
                let trimmed = raw.trim();
                if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
                    continue;
                }
                (trimmed.to_string(), number)
            }
        };
        if logical.ends_with('\\') {
            logical.pop();
            pending = Some((logical, start));
            continue;
        }
        if logical.starts_with('[') && logical.ends_with(']') {
            section = logical[1..logical.len() - 1].to_string();
            continue;
        }
        match logical.split_once('=') {
            Some((key, value)) if section == "Service" => {
                entries.push((start, key.trim().to_string(), value.trim().to_string()))
            }
            Some(_) => {}
            // The line itself is not quoted: it might be a pasted secret.
            None => out.errors.push(SourceError::new(
                file.path,
                Some(start),
                "malformed unit line: expected 'Key=Value' or '[Section]'",
            )),
        }
    }
    entries
}
