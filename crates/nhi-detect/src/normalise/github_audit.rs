//! GitHub organisation and enterprise audit log entries (the REST API's JSON, the web export's
//! JSON or CSV-free JSON lines, audit-log streaming) become events: the principal is
//! `github:app:<slug>` for GitHub Apps and bots (`<slug>[bot]`), else `github:user:<login>`; the
//! action is `github:<action>` (`github:repo.create`, `github:git.clone`); the credential is the
//! token the request authenticated with (`github-token:<token_id>`, else its hash) when the entry
//! names it. Audit entries record what happened, so every outcome is a success.

use super::fields::{get, optional_str, parse_time};
use super::{CallerFacts, LogSource, Position, Record, RecordProblem};
use nhi_model::{Event, Outcome, Timestamp};
use sonic_rs::{JsonValueTrait, Value};

/// Time fields in order of preference: milliseconds since the epoch, or RFC 3339 text.
const TIME_FIELDS: [&str; 2] = ["@timestamp", "created_at"];

/// One record of the source, or why it is skipped.
pub(super) fn record(input: &str, at: Position, raw: Value) -> Result<Record, RecordProblem> {
    if !raw.is_object() {
        return Err(RecordProblem::NotAnObject);
    }
    let action = optional_str(&raw, "action")?.ok_or(RecordProblem::Missing("action"))?;
    let time = time(&raw)?;
    let actor = optional_str(&raw, "actor")?.ok_or(RecordProblem::Missing("actor"))?;
    let id = match optional_str(&raw, "_document_id")? {
        Some(id) => id.to_string(),
        None => format!("{}:{action}:{actor}", time.timestamp_millis()),
    };
    let event = Event {
        id,
        time,
        source: LogSource::GitHubAudit.as_str().to_string(),
        principal: principal(&raw, actor)?,
        credential: credential(&raw)?,
        action: format!("github:{action}"),
        resource: ["repo", "repository", "org", "business"]
            .iter()
            .find_map(|field| get(&raw, field).and_then(Value::as_str))
            .map(str::to_string),
        outcome: Outcome::Success,
        source_ip: optional_str(&raw, "actor_ip")?.map(str::to_string),
        user_agent: optional_str(&raw, "user_agent")?.map(str::to_string),
        raw_ref: Some(at.raw_ref(input)),
    };
    Ok(Record {
        source: LogSource::GitHubAudit,
        event,
        raw,
        caller: CallerFacts::default(),
    })
}

fn time(raw: &Value) -> Result<Timestamp, RecordProblem> {
    for field in TIME_FIELDS {
        match get(raw, field) {
            None => continue,
            Some(value) if value.is_str() => {
                return parse_time(value.as_str().unwrap_or(""), field)
            }
            Some(value) => {
                return value
                    .as_i64()
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .ok_or(RecordProblem::BadTime { field })
            }
        }
    }
    Err(RecordProblem::Missing(TIME_FIELDS[0]))
}

/// Apps act as `<slug>[bot]` (or with a server-to-server token); everyone else is a user.
fn principal(raw: &Value, actor: &str) -> Result<String, RecordProblem> {
    let server_to_server = optional_str(raw, "programmatic_access_type")?
        .is_some_and(|kind| kind.contains("server-to-server"));
    let is_bot = get(raw, "actor_is_bot").and_then(Value::as_bool) == Some(true);
    Ok(match actor.strip_suffix("[bot]") {
        Some(slug) => format!("github:app:{}", slug.to_ascii_lowercase()),
        None if server_to_server || is_bot => format!("github:app:{}", actor.to_ascii_lowercase()),
        None => format!("github:user:{}", actor.to_ascii_lowercase()),
    })
}

fn credential(raw: &Value) -> Result<Option<String>, RecordProblem> {
    if let Some(id) = get(raw, "token_id").filter(|id| id.is_number() || id.is_str()) {
        let id = id.as_str().map_or_else(|| id.to_string(), str::to_string);
        return Ok(Some(format!("github-token:{id}")));
    }
    Ok(optional_str(raw, "hashed_token")?.map(|hash| format!("github-token:{hash}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonic_rs::json;

    #[test]
    fn an_app_token_entry_and_a_user_entry() {
        let raw = json!({
            "@timestamp": 1714557600000i64, "_document_id": "doc-1", "action": "git.clone",
            "actor": "deploy-bot[bot]", "repo": "shop/api", "org": "shop",
            "actor_ip": "203.0.113.4", "user_agent": "git/2.44.0",
            "programmatic_access_type": "GitHub App server-to-server token", "token_id": 42
        });
        let event = record("gh.json", Position::line(3), raw).unwrap().event;
        assert_eq!(event.source, "github-audit");
        assert_eq!(event.id, "doc-1");
        assert_eq!(event.time.to_rfc3339(), "2024-05-01T10:00:00+00:00");
        assert_eq!(event.principal, "github:app:deploy-bot");
        assert_eq!(event.credential.as_deref(), Some("github-token:42"));
        assert_eq!(event.action, "github:git.clone");
        assert_eq!(event.resource.as_deref(), Some("shop/api"));

        let user = json!({"created_at": "2024-05-01T10:00:00Z", "action": "org.add_member",
            "actor": "Alice", "org": "shop", "hashed_token": "aGFzaA=="});
        let event = record("gh.json", Position::line(4), user).unwrap().event;
        assert_eq!(event.principal, "github:user:alice");
        assert_eq!(event.credential.as_deref(), Some("github-token:aGFzaA=="));
        assert!(event.id.ends_with(":org.add_member:Alice"));
    }

    #[test]
    fn entries_without_actor_or_time_are_refused() {
        let problem = record(
            "g",
            Position::line(1),
            json!({"action": "repo.create", "@timestamp": 1}),
        );
        assert_eq!(problem.unwrap_err(), RecordProblem::Missing("actor"));
        let problem = record(
            "g",
            Position::line(1),
            json!({"action": "a", "actor": "b", "@timestamp": "x"}),
        );
        assert_eq!(
            problem.unwrap_err(),
            RecordProblem::BadTime {
                field: "@timestamp"
            }
        );
        let problem = record("g", Position::line(1), json!({"action": "a", "actor": "b"}));
        assert_eq!(problem.unwrap_err(), RecordProblem::Missing("@timestamp"));
    }
}
