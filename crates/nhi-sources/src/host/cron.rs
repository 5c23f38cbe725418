//! Crontabs: the system ones (`etc/crontab`, `etc/cron.d/*`, whose lines name the user) and the
//! per-user spool (`var/spool/cron/crontabs/<user>`, whose lines do not). Each job is a `uses`
//! edge from `host:cron:<host>/<file inside the tree>` to the account it runs as; secrets in
//! environment lines and on command lines are credentials (`found_in` `crontab`) of that account.
//!
//! Invariant: only the program and the schedule of a job are kept, never its whole command line
//! (which may hold a secret the extractor does not know).

use super::root::HostRoot;
use super::{attr, for_each_line};
use crate::credfiles::command_line;
use crate::credfiles::secret::{is_placeholder, kind_by_value, names_secret, Sighting};
use crate::{Discovery, SourceContext, SourceFile};
use nhi_model::{Edge, EdgeKind, Location};
use serde_json::Value;

/// `@` schedules.
const NICKNAMES: &[&str] = &[
    "@reboot",
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// Month and weekday names allowed in time fields.
const NAMES: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "sun",
    "mon", "tue", "wed", "thu", "fri", "sat",
];

/// One job: its schedule, user (system crontabs) and command.
#[derive(Debug, PartialEq, Eq)]
struct Job<'a> {
    schedule: String,
    user: Option<&'a str>,
    command: &'a str,
}

/// `NAME=value` (spaces allowed around `=`, as cron allows).
fn environment(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once('=')?;
    let name = name.trim();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let value = value.trim();
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    valid.then_some((name, unquoted))
}

fn time_field(field: &str) -> bool {
    field.split(',').all(|part| {
        part.split(['-', '/']).all(|p| {
            p == "*" || p.parse::<u32>().is_ok() || NAMES.contains(&p.to_ascii_lowercase().as_str())
        })
    })
}

/// Split off `n` whitespace-separated fields, returning them and the rest of the line.
fn fields(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut rest = line.trim_start();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let end = rest.find(char::is_whitespace)?;
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    Some((out, rest))
}

fn parse_job(line: &str, with_user: bool) -> Result<Job<'_>, String> {
    let time_fields = if line.starts_with('@') { 1 } else { 5 };
    let wanted = time_fields + usize::from(with_user);
    let what = if with_user {
        "time fields, a user and a command"
    } else {
        "time fields and a command"
    };
    let (parts, command) = fields(line, wanted)
        .filter(|(_, command)| !command.is_empty())
        .ok_or_else(|| format!("malformed crontab line: expected {time_fields} {what}"))?;
    let times = &parts[..time_fields];
    let valid = if time_fields == 1 {
        NICKNAMES.contains(&times[0])
    } else {
        times.iter().all(|f| time_field(f))
    };
    if !valid {
        return Err(format!(
            "malformed crontab line: '{}' is not a schedule",
            times.join(" ")
        ));
    }
    Ok(Job {
        schedule: times.join(" "),
        user: with_user.then(|| parts[time_fields]),
        command,
    })
}

/// Read a crontab; `owner` is the spool file's user (`None` for system crontabs).
pub(crate) fn read(
    file: &SourceFile,
    text: &str,
    host: &HostRoot,
    owner: Option<&str>,
    ctx: &SourceContext,
    out: &mut Discovery,
) {
    let job_node = host.job("cron", host.inner(file.path));
    for_each_line(file, text, out, |line, number, out| {
        let location = Location::file(file.path, Some(number));
        if let Some((name, value)) = environment(line).filter(|_| !line.starts_with('@')) {
            if !is_placeholder(value) && (names_secret(name) || kind_by_value(value).is_some()) {
                let mut credential = Sighting::named(value, name, "crontab", location)
                    .into_credential(ctx.fingerprinter);
                credential.identity = owner.map(|user| host.account(user));
                out.inventory.add_credential(credential);
            }
            return Ok(());
        }
        let job = parse_job(line, owner.is_none())?;
        let user = job.user.or(owner).unwrap_or("root");
        let account = host.account(user);
        let words = command_line::split(job.command);
        for found in command_line::secrets(&words) {
            let mut credential =
                Sighting::named(&found.value, &found.name, "crontab", location.clone())
                    .into_credential(ctx.fingerprinter);
            credential.identity = Some(account.clone());
            out.inventory.add_credential(credential);
        }
        let mut edge = Edge {
            from: job_node.clone(),
            to: account,
            kind: EdgeKind::Uses,
            attributes: Default::default(),
        };
        edge.attributes
            .insert(attr::SCHEDULE.into(), Value::from(job.schedule));
        if let Some(program) = command_line::program(&words) {
            edge.attributes
                .insert(attr::PROGRAM.into(), Value::from(program));
        }
        edge.attributes.insert(
            attr::LOCATION.into(),
            serde_json::to_value(location).unwrap_or_default(),
        );
        out.inventory.edges.push(edge);
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_with_and_without_users() {
        let job = parse_job(
            "*/5 2 * * mon-fri backup /usr/local/bin/backup.sh --all",
            true,
        )
        .unwrap();
        assert_eq!(job.schedule, "*/5 2 * * mon-fri");
        assert_eq!(job.user, Some("backup"));
        assert_eq!(job.command, "/usr/local/bin/backup.sh --all");
        let job = parse_job("@reboot /usr/bin/agent", false).unwrap();
        assert_eq!(
            (job.schedule.as_str(), job.user, job.command),
            ("@reboot", None, "/usr/bin/agent")
        );
    }

    #[test]
    fn malformed_lines_say_why() {
        assert!(parse_job("* * * *", false)
            .unwrap_err()
            .contains("expected 5"));
        assert!(parse_job("* * * * * root", true)
            .unwrap_err()
            .contains("a user and a command"));
        assert!(parse_job("every day root /bin/x y z w", true)
            .unwrap_err()
            .contains("not a schedule"));
        assert!(parse_job("@often /bin/x", false)
            .unwrap_err()
            .contains("not a schedule"));
    }

    #[test]
    fn environment_lines() {
        assert_eq!(
            environment("MAILTO=\"ops@example.com\""),
            Some(("MAILTO", "ops@example.com"))
        );
        assert_eq!(environment("API_TOKEN = 'abc'"), Some(("API_TOKEN", "abc")));
        assert_eq!(environment("0 * * * * root x=1"), None);
    }
}
