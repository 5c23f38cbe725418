//! The MCP servers a configuration declares, read into one shape whatever the client calls its
//! fields: `command`/`args`/`env` for local (stdio) servers, `url`/`serverUrl`/`httpUrl` and
//! `headers`/`http_headers` for remote ones, `type`/`transport`, `disabled`/`enabled`.
//!
//! Invariant: values are kept as written (they may be secrets); only the server module turns them
//! into safe attributes and credentials.

use super::clients::Layout;
use serde_json::{Map, Value};

/// One declared server.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ServerSpec {
    pub name: String,
    /// The project a per-project server belongs to (Claude Code `projects.<path>`).
    pub project: Option<String>,
    pub command: Option<String>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub url: Option<String>,
    pub headers: Vec<(String, String)>,
    /// `stdio`, `sse`, `http` as declared, if declared.
    pub transport: Option<String>,
    pub disabled: bool,
}

/// Every server of the document, by container and then by name; problems are returned as
/// messages (a server that is not an object, a container of the wrong type).
pub(crate) fn servers(document: &Value, layout: Layout) -> (Vec<ServerSpec>, Vec<String>) {
    let mut specs = Vec::new();
    let mut problems = Vec::new();
    let mut take = |container: Option<&Value>, what: &str, project: Option<&str>| match container {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, server) in map {
                match server {
                    Value::Object(fields) => specs.push(spec(name, project, fields)),
                    _ => problems.push(format!("{what}.{name}: expected an object")),
                }
            }
        }
        Some(_) => problems.push(format!("{what}: expected an object of servers")),
    };
    match layout {
        Layout::McpServers => take(document.get("mcpServers"), "mcpServers", None),
        Layout::Servers => {
            let key = if document.get("servers").is_some() {
                "servers"
            } else {
                "mcpServers"
            };
            take(document.get(key), key, None);
        }
        Layout::SettingsMcpServers => {
            let container = document
                .get("mcp")
                .and_then(|m| m.get("servers"))
                .or_else(|| document.get("mcp.servers"));
            take(container, "mcp.servers", None);
        }
        Layout::McpServersTable => take(document.get("mcp_servers"), "mcp_servers", None),
        Layout::ClaudeProjects => {
            take(document.get("mcpServers"), "mcpServers", None);
            if let Some(projects) = document.get("projects").and_then(Value::as_object) {
                for (path, project) in projects {
                    take(
                        project.get("mcpServers"),
                        &format!("projects.{path}.mcpServers"),
                        Some(path),
                    );
                }
            }
        }
    }
    (specs, problems)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

fn spec(name: &str, project: Option<&str>, fields: &Map<String, Value>) -> ServerSpec {
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| fields.get(*k))
            .and_then(text)
            .filter(|s| !s.is_empty())
    };
    let mut command = get(&["command"]);
    let mut args: Vec<String> = fields
        .get("args")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(text).collect())
        .unwrap_or_default();
    // `"command": "npx -y pkg"` with no args: the command line is in one string.
    // A path with spaces (`C:\Program Files\...`) is not split: only a bare program name leads.
    let bare_program = |c: &str| {
        c.split_whitespace()
            .next()
            .is_some_and(|p| !p.contains(['/', '\\']))
    };
    if let Some(line) = command
        .clone()
        .filter(|c| args.is_empty() && c.contains(' ') && bare_program(c))
    {
        let mut words = crate::credfiles::command_line::split(&line).into_iter();
        command = words.next();
        args = words.collect();
    }
    let mut headers = pairs(fields.get("headers"));
    headers.extend(pairs(fields.get("http_headers")));
    let disabled = fields.get("disabled").and_then(Value::as_bool) == Some(true)
        || fields.get("enabled").and_then(Value::as_bool) == Some(false);
    ServerSpec {
        name: name.to_string(),
        project: project.map(str::to_string),
        command,
        args,
        env: pairs(fields.get("env")),
        url: get(&["url", "serverUrl", "httpUrl"]),
        headers,
        transport: get(&["type", "transport"]),
        disabled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_layout() {
        let doc = json!({
            "mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/"], "env": {"N": 1}}},
            "projects": {"/src/app": {"mcpServers": {"remote": {"type": "http", "url": "https://mcp.example/", "headers": {"Authorization": "Bearer x"}}}}}
        });
        let (specs, problems) = servers(&doc, Layout::ClaudeProjects);
        assert!(problems.is_empty());
        assert_eq!(specs.len(), 2);
        assert_eq!(
            specs[0].args,
            vec!["-y", "@modelcontextprotocol/server-filesystem", "/"]
        );
        assert_eq!(specs[0].env, vec![("N".to_string(), "1".to_string())]);
        assert_eq!(specs[1].project.as_deref(), Some("/src/app"));
        assert_eq!(
            specs[1].headers,
            vec![("Authorization".to_string(), "Bearer x".to_string())]
        );

        let vscode = json!({"mcp": {"servers": {"gh": {"command": "docker run -i ghcr.io/github/github-mcp-server"}}}});
        let (specs, _) = servers(&vscode, Layout::SettingsMcpServers);
        assert_eq!(specs[0].command.as_deref(), Some("docker"));
        assert_eq!(
            specs[0].args,
            vec!["run", "-i", "ghcr.io/github/github-mcp-server"]
        );

        let windsurf = json!({"mcpServers": {"w": {"serverUrl": "http://10.0.0.5/sse", "disabled": true}}, "x": 1});
        let (specs, _) = servers(&windsurf, Layout::McpServers);
        assert_eq!(
            (specs[0].url.as_deref(), specs[0].disabled),
            (Some("http://10.0.0.5/sse"), true)
        );
    }

    #[test]
    fn wrong_shapes_are_problems_not_panics() {
        let (specs, problems) = servers(
            &json!({"mcpServers": {"a": "npx x", "b": {}}}),
            Layout::McpServers,
        );
        assert_eq!(specs.len(), 1);
        assert_eq!(problems, vec!["mcpServers.a: expected an object"]);
        let (_, problems) = servers(&json!({"servers": [1]}), Layout::Servers);
        assert_eq!(problems, vec!["servers: expected an object of servers"]);
        assert!(servers(&json!([1, 2]), Layout::McpServers).0.is_empty());
    }
}
