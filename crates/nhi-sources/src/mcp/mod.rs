//! AI agents: MCP (Model Context Protocol) client configurations of Claude Desktop, Claude Code
//! (user, project and managed), Cursor, VS Code, Windsurf, Gemini CLI, Codex, Kiro, Cline and
//! Amazon Q. Each configuration that declares servers is an agent, each server an identity it
//! uses, with what the server runs, what it reaches and the credentials it is handed.
//!
//! What lands in the inventory, the contract `nhi-analysis::mcp` reads:
//! - the agent `mcp:agent:<client>:<config path>` (kind `ai-agent`, attributes `client`,
//!   `config_path`, `scope`); an account whose home holds the file `uses` it;
//! - each server `mcp:server:<client>:<config path>#<name>[@<project>]` (kind `ai-agent`) with
//!   `transport`, `command`, redacted `args` and `url`, `url_scheme`, `url_loopback`, `launcher`,
//!   `package`, `package_version`, `pinned`, `reach`, `filesystem_roots`, `disabled`, and the agent
//!   `uses` it;
//! - each inline credential (`found_in` `mcp-config`, `field` `env:NAME`, `header:NAME`, `url`,
//!   `url:<param>` or `arg:<flag>`, `mcp_server`), and the server `uses` it.
//!
//! Invariants: a server is never started and nothing is sent anywhere; a configuration that does
//! not parse gives one error with its line; JSON files may hold comments and trailing commas.

mod clients;
mod config;
mod jsonc;
mod launch;
mod reach;
mod server;

use crate::cloud_export::Export;
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use clients::{Client, Format};
use nhi_model::{Edge, EdgeKind, Identity, IdentityKind};
use serde_json::Value;

/// How far into a file recognition looks.
const SNIFF_WINDOW: usize = 64 * 1024;

/// Reads MCP client configurations.
pub(crate) struct McpSource;

fn client(file: &SourceFile) -> Option<Client> {
    clients::client_of(file.path, &file.bytes[..file.bytes.len().min(SNIFF_WINDOW)])
}

impl Source for McpSource {
    fn name(&self) -> &'static str {
        "mcp"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        client(file).is_some()
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let Some(client) = client(file) else {
            return;
        };
        let text = match std::str::from_utf8(
            file.bytes
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or(file.bytes),
        ) {
            Ok(text) if !text.contains('\0') => text,
            _ => {
                return out.errors.push(SourceError::new(
                    file.path,
                    None,
                    format!("{} config: not a text file", client.display),
                ))
            }
        };
        let Some(document) = parse(file.path, text, &client, out) else {
            return;
        };
        let (specs, problems) = config::servers(&document, client.layout);
        for problem in problems {
            out.errors.push(SourceError::new(
                file.path,
                None,
                format!("{} config: {problem}", client.display),
            ));
        }
        if specs.is_empty() {
            return;
        }
        let agent = format!("mcp:agent:{}:{}", client.id, file.path);
        let mut identity = Identity::new(&agent, IdentityKind::AiAgent, "mcp", client.display);
        identity
            .attributes
            .insert("client".into(), Value::from(client.id));
        identity
            .attributes
            .insert("config_path".into(), Value::from(file.path));
        identity
            .attributes
            .insert("scope".into(), Value::from(client.scope));
        identity
            .attributes
            .insert("servers".into(), Value::from(specs.len()));
        out.inventory.add_identity(identity);
        if let Some(account) = crate::host::root::home_account(file.path) {
            let mut edge = Edge {
                from: account,
                to: agent.clone(),
                kind: EdgeKind::Uses,
                attributes: Default::default(),
            };
            edge.attributes
                .insert("method".into(), Value::from("AI agent configured in home"));
            out.inventory.edges.push(edge);
        }
        for spec in &specs {
            let declared = server::Declared {
                client: client.id,
                path: file.path,
                agent: &agent,
                line: server_line(text, &spec.name, spec.project.as_deref(), client.format),
            };
            server::add(spec, &declared, ctx.fingerprinter, out);
        }
    }
}

/// The document as JSON, whatever the client writes; a parse error is reported with its line.
fn parse(path: &str, text: &str, client: &Client, out: &mut Discovery) -> Option<Value> {
    match client.format {
        Format::Json => {
            let stripped = jsonc::strip(text);
            let file = SourceFile {
                path,
                bytes: stripped.as_bytes(),
            };
            let parsed =
                Export::new(&file, "MCP client config").and_then(|export| export.parse::<Value>());
            parsed.map_err(|err| out.errors.push(err)).ok()
        }
        Format::Toml => match toml::from_str::<toml::Table>(text) {
            Ok(table) => serde_json::to_value(table)
                .map_err(|e| out.errors.push(SourceError::new(path, None, e.to_string())))
                .ok(),
            Err(err) => {
                let line = err.span().map(|span| line_at(text, span.start));
                let message = format!(
                    "invalid TOML in {} config: {}",
                    client.display,
                    err.message()
                );
                out.errors.push(SourceError::new(path, line, message));
                None
            }
        },
    }
}

/// The 1-based line of byte `offset`.
fn line_at(text: &str, offset: usize) -> u32 {
    let upto = &text.as_bytes()[..offset.min(text.len())];
    u32::try_from(memchr::memchr_iter(b'\n', upto).count() + 1).unwrap_or(u32::MAX)
}

/// The line that declares server `name` (after its project's key, for per-project servers).
fn server_line(text: &str, name: &str, project: Option<&str>, format: Format) -> Option<u32> {
    let start = project
        .and_then(|p| text.find(&format!("\"{p}\"")))
        .unwrap_or(0);
    let needles = match format {
        Format::Json => vec![format!("\"{name}\"")],
        Format::Toml => vec![
            format!("mcp_servers.{name}]"),
            format!("mcp_servers.\"{name}\"]"),
            format!("{name} ="),
        ],
    };
    let found = needles
        .iter()
        .filter_map(|n| text[start..].find(n.as_str()))
        .min()?;
    Some(line_at(text, start + found))
}

#[cfg(test)]
mod tests;
