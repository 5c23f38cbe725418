//! Rules about how MCP servers are launched and reached: unpinned packages and images, remote
//! servers over plain HTTP, and servers with a shell or the whole filesystem.
//!
//! Invariant: disabled servers are not judged (the client does not start them).

use super::examples::server;
use super::facts::{servers, Server};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// Launchers that fetch what they run at start.
const FETCHING_LAUNCHERS: &[&str] = &["npx", "uvx", "pipx", "docker"];

/// Filesystem roots that give away everything a user owns (or everything).
fn unrestricted_root(root: &str) -> bool {
    let root = root.trim_end_matches(['/', '\\']);
    let parts: Vec<&str> = root.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    matches!(
        root,
        "" | "~" | "$HOME" | "${HOME}" | "%USERPROFILE%" | "/root"
    ) || (root.len() == 2 && root.ends_with(':'))
        || (parts.len() == 2 && matches!(parts[0], "home" | "Users"))
}

fn finding(
    meta: &RuleMeta,
    server: &Server,
    title: String,
    evidence: serde_json::Value,
) -> Finding {
    Finding::new(
        meta,
        title,
        vec![server.identity.id.clone()],
        server.location(),
        evidence,
    )
}

fn example(name: &'static str, fires: bool, attributes: serde_json::Value) -> RuleExample {
    RuleExample {
        name,
        inventory: super::examples::inventory(
            vec![server("u/claude_desktop_config.json", "s", attributes)],
            vec![],
        ),
        fires,
    }
}

/// A server launched from a package or image that is not pinned.
pub(crate) struct UnpinnedPackage;

static UNPINNED: RuleMeta = risk(
    "mcp-unpinned-server-package",
    "MCP server runs an unpinned package",
    Severity::Medium,
    &[OwaspNhi::NHI3],
    "An MCP server is started with `npx -y pkg`, `uvx pkg`, `pipx run pkg` or `docker run image` without an exact version or digest: every start runs whatever the registry serves that day, with the agent's credentials and reach.",
    "Pin the server: `npx -y pkg@1.2.3`, `uvx pkg==1.2.3`, `docker run image@sha256:<digest>` (or at least a fixed tag), review updates before bumping, and prefer packages from publishers you trust.",
);

impl RiskRule for UnpinnedPackage {
    fn meta(&self) -> &RuleMeta {
        &UNPINNED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        servers(inventory)
            .filter(|s| s.enabled() && s.flag("pinned") == Some(false))
            .filter(|s| s.text("launcher").is_some_and(|l| FETCHING_LAUNCHERS.contains(&l)))
            .map(|s| {
                let launcher = s.text("launcher").unwrap_or("?");
                let package = s.text("package").unwrap_or("?");
                let version = s.text("package_version").map(|v| format!("@{v}")).unwrap_or_default();
                let title = format!("{} runs unpinned {launcher} package {package}{version}", s.label());
                let evidence = json!({"launcher": launcher, "package": package, "version": s.text("package_version"),
                    "command": s.text("command"), "args": s.list("args")});
                finding(&UNPINNED, &s, title, evidence)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            example(
                "npx -y without a version",
                true,
                json!({"launcher": "npx", "package": "@modelcontextprotocol/server-github", "pinned": false}),
            ),
            example(
                "docker image :latest",
                true,
                json!({"launcher": "docker", "package": "mcp/postgres", "package_version": "latest", "pinned": false}),
            ),
            example(
                "uvx pkg==1.2.3",
                false,
                json!({"launcher": "uvx", "package": "mcp-server-git", "package_version": "1.2.3", "pinned": true}),
            ),
            example(
                "unpinned but disabled",
                false,
                json!({"launcher": "npx", "package": "x", "pinned": false, "disabled": true}),
            ),
            example("local script", false, json!({"launcher": "local"})),
        ]
    }
}

/// A remote server reached over plain HTTP.
pub(crate) struct PlainHttp;

static PLAIN_HTTP: RuleMeta = risk(
    "mcp-remote-plain-http",
    "Remote MCP server over plain HTTP",
    Severity::High,
    &[OwaspNhi::NHI4],
    "An agent talks to a remote MCP server over `http://` on another host: its tokens, prompts and tool results cross the network in clear and the server's identity is not checked.",
    "Use the server's `https://` endpoint (or put it behind a TLS-terminating proxy); only loopback addresses may use plain HTTP.",
);

impl RiskRule for PlainHttp {
    fn meta(&self) -> &RuleMeta {
        &PLAIN_HTTP
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        servers(inventory)
            .filter(|s| {
                s.enabled()
                    && s.text("url_scheme") == Some("http")
                    && s.flag("url_loopback") == Some(false)
            })
            .map(|s| {
                let url = s.text("url").unwrap_or("?");
                let title = format!("{} is reached over plain HTTP at {url}", s.label());
                finding(
                    &PLAIN_HTTP,
                    &s,
                    title,
                    json!({"url": url, "transport": s.text("transport")}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            example(
                "http on the network",
                true,
                json!({"url": "http://mcp.corp.example/sse", "url_scheme": "http", "url_loopback": false}),
            ),
            example(
                "http on localhost",
                false,
                json!({"url": "http://127.0.0.1:3000/mcp", "url_scheme": "http", "url_loopback": true}),
            ),
            example(
                "https",
                false,
                json!({"url": "https://mcp.corp.example/", "url_scheme": "https", "url_loopback": false}),
            ),
        ]
    }
}

/// A server with a shell, the whole filesystem, or a way out of its container.
pub(crate) struct UnrestrictedReach;

static UNRESTRICTED: RuleMeta = risk(
    "mcp-server-unrestricted-reach",
    "MCP server with a shell or the whole filesystem",
    Severity::High,
    &[OwaspNhi::NHI5],
    "An MCP server can run shell commands, is given `/` or a whole home folder as its allowed directory, or runs in a privileged container or with the Docker socket: a prompt injection in anything the agent reads becomes full control of the machine or the user's files.",
    "Give filesystem servers only the project folders they need, replace shell servers with narrow tools (or require approval for every call), never mount `/` or the Docker socket into MCP containers, and run agents under an account with no more rights than the task needs.",
);

impl RiskRule for UnrestrictedReach {
    fn meta(&self) -> &RuleMeta {
        &UNRESTRICTED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for s in servers(inventory).filter(Server::enabled) {
            let reach = s.list("reach");
            let roots: Vec<&str> = s
                .list("filesystem_roots")
                .into_iter()
                .filter(|r| unrestricted_root(r))
                .collect();
            let escapes: Vec<&str> = reach
                .iter()
                .copied()
                .filter(|r| matches!(*r, "privileged" | "docker-socket"))
                .collect();
            let mut why = Vec::new();
            if reach.contains(&"shell") {
                why.push("runs shell commands".to_string());
            }
            if !roots.is_empty() {
                why.push(format!("may read and write {}", roots.join(", ")));
            }
            if !escapes.is_empty() {
                why.push(format!("runs with {}", escapes.join(", ")));
            }
            if why.is_empty() {
                continue;
            }
            let title = format!("{} {}", s.label(), why.join(" and "));
            let evidence = json!({"reach": reach, "filesystem_roots": s.list("filesystem_roots"), "package": s.text("package")});
            findings.push(finding(&UNRESTRICTED, &s, title, evidence));
        }
        findings
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            example(
                "filesystem server on /",
                true,
                json!({"reach": ["filesystem"], "filesystem_roots": ["/"]}),
            ),
            example(
                "filesystem server on ~",
                true,
                json!({"reach": ["filesystem"], "filesystem_roots": ["~"]}),
            ),
            example("shell server", true, json!({"reach": ["shell"]})),
            example(
                "container with the Docker socket",
                true,
                json!({"reach": ["docker-socket", "filesystem"], "filesystem_roots": ["/var/run/docker.sock"]}),
            ),
            example(
                "filesystem server on a project",
                false,
                json!({"reach": ["filesystem"], "filesystem_roots": ["/home/al/src/app", "~/notes"]}),
            ),
            example(
                "disabled shell server",
                false,
                json!({"reach": ["shell"], "disabled": true}),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrestricted_roots() {
        for root in [
            "/",
            "~",
            "~/",
            "$HOME",
            "/home/al",
            "/Users/al/",
            "C:\\",
            "/root",
        ] {
            assert!(unrestricted_root(root), "{root}");
        }
        for root in ["/srv/data", "~/src", "/home/al/project", "./docs"] {
            assert!(!unrestricted_root(root), "{root}");
        }
    }
}
