//! Which AI client a configuration file belongs to, told by its path, and where in the file that
//! client keeps its MCP servers.
//!
//! Managed (system-wide) configurations: Claude Code reads `managed-mcp.json` from
//! `/etc/claude-code/` (Linux), `/Library/Application Support/ClaudeCode/` (macOS) and
//! `C:\Program Files\ClaudeCode\` (Windows); any file of that name is read as one, with scope
//! `managed`. Files named `mcp.json` that no known client claims are read as client `mcp` when
//! they hold `mcpServers` or `servers`.

/// How a client's file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// JSON, read leniently (comments and trailing commas allowed, as several clients accept).
    Json,
    /// TOML (Codex).
    Toml,
}

/// Where the servers sit in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `mcpServers` at the top.
    McpServers,
    /// `mcpServers` at the top and under `projects.<path>` (Claude Code's `~/.claude.json`).
    ClaudeProjects,
    /// `servers` at the top (VS Code `mcp.json`), or `mcpServers` if that is what is there.
    Servers,
    /// `mcp.servers` inside editor settings (VS Code `settings.json`).
    SettingsMcpServers,
    /// `[mcp_servers.NAME]` tables (Codex).
    McpServersTable,
}

/// One client's configuration file kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Client {
    /// Short id used in identity ids, e.g. `claude-desktop`.
    pub id: &'static str,
    /// Name for people, e.g. `Claude Desktop`.
    pub display: &'static str,
    pub format: Format,
    pub layout: Layout,
    /// `user`, `project` or `managed`.
    pub scope: &'static str,
}

const fn client(
    id: &'static str,
    display: &'static str,
    layout: Layout,
    scope: &'static str,
) -> Client {
    Client {
        id,
        display,
        format: Format::Json,
        layout,
        scope,
    }
}

/// The client whose configuration `path` is, when it is one. `head` is the start of the file,
/// looked at only for names several tools share (`settings.json`, `mcp.json`).
pub(crate) fn client_of(path: &str, head: &[u8]) -> Option<Client> {
    let path = path.replace('\\', "/");
    let name = path.rsplit('/').next().unwrap_or(&path);
    let parent = |suffix: &str| {
        path.ends_with(suffix)
            && (path.len() == suffix.len() || path[..path.len() - suffix.len()].ends_with('/'))
    };
    let has = |marker: &str| memchr::memmem::find(head, marker.as_bytes()).is_some();
    let found = match name {
        "claude_desktop_config.json" => client(
            "claude-desktop",
            "Claude Desktop",
            Layout::McpServers,
            "user",
        ),
        ".claude.json" => client("claude-code", "Claude Code", Layout::ClaudeProjects, "user"),
        ".mcp.json" => client("claude-code", "Claude Code", Layout::McpServers, "project"),
        "managed-mcp.json" => client(
            "claude-code",
            "Claude Code (managed)",
            Layout::McpServers,
            "managed",
        ),
        "cline_mcp_settings.json" => client("cline", "Cline", Layout::McpServers, "user"),
        "mcp_config.json" if parent(".codeium/windsurf/mcp_config.json") => {
            client("windsurf", "Windsurf", Layout::McpServers, "user")
        }
        "config.toml" if parent(".codex/config.toml") => Client {
            format: Format::Toml,
            ..client("codex", "Codex CLI", Layout::McpServersTable, "user")
        },
        "settings.json" if parent(".gemini/settings.json") => {
            client("gemini-cli", "Gemini CLI", Layout::McpServers, "user")
        }
        "settings.json"
            if (parent("Code/User/settings.json")
                || parent("Code - Insiders/User/settings.json"))
                && has("mcp") =>
        {
            client("vscode", "VS Code", Layout::SettingsMcpServers, "user")
        }
        "settings.json" if parent(".vscode/settings.json") && has("mcp") => {
            client("vscode", "VS Code", Layout::SettingsMcpServers, "project")
        }
        "mcp.json" if parent(".cursor/mcp.json") => client(
            "cursor",
            "Cursor",
            Layout::McpServers,
            scope_of(&path, ".cursor"),
        ),
        "mcp.json" if parent(".vscode/mcp.json") => {
            client("vscode", "VS Code", Layout::Servers, "project")
        }
        "mcp.json" if parent("Code/User/mcp.json") => {
            client("vscode", "VS Code", Layout::Servers, "user")
        }
        "mcp.json" if parent(".kiro/settings/mcp.json") => {
            client("kiro", "Kiro", Layout::McpServers, scope_of(&path, ".kiro"))
        }
        "mcp.json" if parent(".aws/amazonq/mcp.json") => {
            client("amazon-q", "Amazon Q Developer", Layout::McpServers, "user")
        }
        "mcp.json" if parent(".amazonq/mcp.json") => client(
            "amazon-q",
            "Amazon Q Developer",
            Layout::McpServers,
            "project",
        ),
        "mcp.json" if has("\"mcpServers\"") || has("\"servers\"") => {
            client("mcp", "MCP client", Layout::Servers, "project")
        }
        _ => return None,
    };
    Some(found)
}

/// `user` when the client folder sits in a home folder (`home/<u>/.cursor`), else `project`.
fn scope_of(path: &str, folder: &str) -> &'static str {
    let before = path
        .rsplit_once(&format!("/{folder}/"))
        .map_or("", |(before, _)| before);
    let mut parts = before.rsplit('/');
    let user_home = matches!(
        (parts.next(), parts.next()),
        (Some(_), Some("home" | "Users"))
    ) || before.ends_with("/root")
        || before == "root";
    if user_home {
        "user"
    } else {
        "project"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(path: &str, head: &str) -> Option<(&'static str, &'static str)> {
        client_of(path, head.as_bytes()).map(|c| (c.id, c.scope))
    }

    #[test]
    fn clients_by_path() {
        assert_eq!(
            id(
                "h/Library/Application Support/Claude/claude_desktop_config.json",
                ""
            ),
            Some(("claude-desktop", "user"))
        );
        assert_eq!(
            id("home/al/.claude.json", ""),
            Some(("claude-code", "user"))
        );
        assert_eq!(id("repo/.mcp.json", ""), Some(("claude-code", "project")));
        assert_eq!(
            id("etc/claude-code/managed-mcp.json", ""),
            Some(("claude-code", "managed"))
        );
        assert_eq!(id("home/al/.cursor/mcp.json", ""), Some(("cursor", "user")));
        assert_eq!(
            id("src/app/.cursor/mcp.json", ""),
            Some(("cursor", "project"))
        );
        assert_eq!(id("repo/.vscode/mcp.json", ""), Some(("vscode", "project")));
        assert_eq!(
            id("h/.config/Code/User/settings.json", "{\"mcp\": {}}"),
            Some(("vscode", "user"))
        );
        assert_eq!(
            id(
                "h/.config/Code/User/settings.json",
                "{\"editor.fontSize\": 12}"
            ),
            None
        );
        assert_eq!(
            id("h/.codeium/windsurf/mcp_config.json", ""),
            Some(("windsurf", "user"))
        );
        assert_eq!(
            id("h/.gemini/settings.json", ""),
            Some(("gemini-cli", "user"))
        );
        assert_eq!(id("h/.codex/config.toml", ""), Some(("codex", "user")));
        assert_eq!(
            id("h/.kiro/settings/mcp.json", ""),
            Some(("kiro", "project"))
        );
        assert_eq!(
            id("x/mcp.json", "{\"mcpServers\": {}}"),
            Some(("mcp", "project"))
        );
        assert_eq!(id("x/mcp.json", "{}"), None);
        assert_eq!(id("x/settings.json", "{\"mcp\": {}}"), None);
    }
}
