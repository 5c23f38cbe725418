//! Rules about the credentials agents hand to MCP servers: written in clear into the config,
//! carried in a URL, shared by several agents, or belonging to a cloud identity that is admin.

use super::examples::{held, inventory, server};
use super::facts::{agent_of, holders};
use crate::host::{place, CredentialRule};
use crate::rules::credential_facts::{finding_about, risk};
use crate::{AnalysisContext, PathTarget, RiskRule, RuleExample};
use nhi_model::{CredentialKind, Finding, Grant, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::{json, Value};

fn field(credential: &nhi_model::Credential) -> &str {
    credential
        .attributes
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or("?")
}

/// `github (claude-desktop)`: the server's name and client, for titles.
fn server_name(credential: &nhi_model::Credential) -> String {
    let server = credential
        .attributes
        .get("mcp_server")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let name = server.rsplit_once('#').map_or(server, |(_, name)| name);
    let client = credential
        .attributes
        .get("client")
        .and_then(Value::as_str)
        .unwrap_or("?");
    format!("{name} ({client})")
}

fn one_server(
    fires: bool,
    name: &'static str,
    id: &str,
    kind: CredentialKind,
    field: &str,
) -> RuleExample {
    let s = server("u/claude_desktop_config.json", "github", json!({}));
    let credential = held(&s, id, kind, field);
    RuleExample {
        name,
        inventory: inventory(vec![s], vec![credential]),
        fires,
    }
}

/// Credentials written in clear into MCP configs.
pub(crate) const PLAINTEXT_SECRET: CredentialRule = CredentialRule {
    meta: &risk(
        "mcp-plaintext-secret",
        "Plaintext credential in an MCP config",
        Severity::High,
        &[OwaspNhi::NHI2],
        "An MCP client configuration holds a token, key or password in clear (an `env` value, a header, an argument or the URL): config files are synced, shared in repositories and read by every tool and extension of the user.",
        "Reference the secret instead of writing it: `${env:NAME}` or an `inputs` prompt (VS Code), environment variables inherited from a secret manager or OS keychain, `bearer_token_env_var` (Codex), or OAuth where the server supports it; rotate the exposed value.",
    ),
    found_in: &["mcp-config"],
    applies: |_, _| true,
    title: |c, _| {
        let redacted = c.redacted.as_deref().unwrap_or("****");
        format!("{} {redacted} in clear for MCP server {} ({}) at {}", c.kind.as_str(), server_name(c), field(c), place(c))
    },
    examples: || {
        vec![
            one_server(true, "GitHub token in env", "api-token:fp1:gh", CredentialKind::ApiToken, "env:GITHUB_TOKEN"),
            RuleExample {
                name: "server without credentials",
                inventory: inventory(vec![server("u/claude_desktop_config.json", "github", json!({}))], vec![]),
                fires: false,
            },
        ]
    },
};

/// Tokens carried in a server URL.
pub(crate) const TOKEN_IN_URL: CredentialRule = CredentialRule {
    meta: &risk(
        "mcp-token-in-url",
        "Token in an MCP server URL",
        Severity::Medium,
        &[OwaspNhi::NHI4, OwaspNhi::NHI2],
        "A remote MCP server is reached with its token in the URL (`?api_key=...` or `user:token@host`): URLs end up in proxy and server logs, browser history and error messages.",
        "Send the token in an `Authorization` header taken from the environment or the OS keychain, or use the server's OAuth flow; rotate the token that was in the URL.",
    ),
    found_in: &["mcp-config"],
    applies: |c, _| field(c) == "url" || field(c).starts_with("url:"),
    title: |c, _| format!("MCP server {} carries a token in its URL ({}) at {}", server_name(c), field(c), place(c)),
    examples: || {
        vec![
            one_server(true, "?api_key= in the URL", "api-token:fp1:k", CredentialKind::ApiToken, "url:api_key"),
            one_server(false, "token in a header", "api-token:fp1:k", CredentialKind::ApiToken, "header:Authorization"),
        ]
    },
};

/// The same credential configured for several agents.
pub(crate) struct SharedAcrossAgents;

static SHARED: RuleMeta = risk(
    "mcp-token-shared-across-agents",
    "One credential shared by several AI agents",
    Severity::Medium,
    &[OwaspNhi::NHI9],
    "The same token or key is configured for MCP servers of two or more agent configurations (different clients, users or projects): its use cannot be told apart, and revoking it for one agent breaks the others.",
    "Issue one credential per agent and server, scoped to what that agent needs, and rotate the shared one once each agent has its own.",
);

impl RiskRule for SharedAcrossAgents {
    fn meta(&self) -> &RuleMeta {
        &SHARED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (credential_id, servers) in holders(inventory) {
            let mut agents: Vec<&str> = servers.iter().map(|s| agent_of(inventory, s)).collect();
            agents.sort_unstable();
            agents.dedup();
            if agents.len() < 2 {
                continue;
            }
            let credential = &inventory.credentials[credential_id];
            let title = format!(
                "{} {} is configured for {} agents",
                credential.kind.as_str(),
                credential.redacted.as_deref().unwrap_or(credential_id),
                agents.len()
            );
            let evidence =
                json!({"agents": agents, "servers": servers, "paths": credential.paths()});
            findings.push(finding_about(&SHARED, credential, None, title, evidence));
        }
        findings
    }

    fn examples(&self) -> Vec<RuleExample> {
        let desktop = server("alice/claude_desktop_config.json", "github", json!({}));
        let cursor = server("alice/.cursor/mcp.json", "github", json!({}));
        let other = server("alice/.cursor/mcp.json", "gitlab", json!({}));
        let id = "api-token:fp1:shared";
        vec![
            RuleExample {
                name: "one GitHub token in Claude Desktop and Cursor",
                inventory: inventory(
                    vec![desktop.clone(), cursor.clone()],
                    vec![
                        held(&desktop, id, CredentialKind::ApiToken, "env:GITHUB_TOKEN"),
                        held(&cursor, id, CredentialKind::ApiToken, "env:GITHUB_TOKEN"),
                    ],
                ),
                fires: true,
            },
            RuleExample {
                name: "two servers of one agent",
                inventory: inventory(
                    vec![cursor.clone(), other.clone()],
                    vec![
                        held(&cursor, id, CredentialKind::ApiToken, "env:TOKEN"),
                        held(&other, id, CredentialKind::ApiToken, "env:TOKEN"),
                    ],
                ),
                fires: false,
            },
        ]
    }
}

/// An agent holding a credential of a cloud identity that is (or can become) admin.
pub(crate) struct CloudAdminCredential;

static CLOUD_ADMIN: RuleMeta = risk(
    "mcp-agent-cloud-admin-credential",
    "AI agent holds a cloud admin credential",
    Severity::Critical,
    &[OwaspNhi::NHI5],
    "An MCP server is handed a credential (e.g. an AWS access key in its `env`) whose cloud identity is admin-equivalent or can escalate to admin: anything that steers the agent, such as a prompt injection in a web page or an issue, acts as a cloud administrator.",
    "Give the agent its own identity with read-only or task-scoped permissions (a role assumed through SSO or a short-lived session, with a permissions boundary), remove the admin key from the config, and rotate it.",
);

/// Why an identity is admin in the inventory itself: an allow grant of every action on every
/// resource (`*` / `*:*` on `*`), or an owner role.
fn admin_by_grants<'a>(inventory: &'a Inventory, identity: &str) -> Option<&'a Grant> {
    inventory.grants.iter().find(|g| {
        let everything = g.actions.iter().any(|a| a == "*" || a == "*:*")
            && g.resources.iter().any(|r| r == "*");
        let owner = g.actions.iter().any(|a| a == "roles/owner" || a == "Owner");
        g.identity == identity
            && g.effect.eq_ignore_ascii_case("allow")
            && g.conditions.is_none()
            && (everything || owner)
    })
}

/// The cloud identity a credential belongs to: its own link, else (for AWS keys, whose listings
/// name the user but not the account) the one AWS user of that name in the inventory.
fn owner_of<'a>(
    inventory: &'a Inventory,
    credential: &'a nhi_model::Credential,
) -> Option<&'a str> {
    if let Some(identity) = credential.identity.as_deref() {
        return Some(identity).filter(|o| !o.starts_with("mcp:"));
    }
    let user = ["user_name", "user"]
        .iter()
        .find_map(|k| credential.attributes.get(*k)?.as_str())?;
    let mut matches = inventory
        .identities
        .values()
        .filter(|i| i.id.starts_with("aws:user:") && i.name == user);
    match (matches.next(), matches.next()) {
        (Some(only), None) => Some(only.id.as_str()),
        _ => None,
    }
}

impl RiskRule for CloudAdminCredential {
    fn meta(&self) -> &RuleMeta {
        &CLOUD_ADMIN
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        let graph = ctx.graph(inventory);
        let mut findings = Vec::new();
        for (credential_id, servers) in holders(inventory) {
            let credential = &inventory.credentials[credential_id];
            let Some(owner) = owner_of(inventory, credential) else {
                continue;
            };
            let why = if let Some(reason) = graph.admin_reason(owner) {
                reason.to_string()
            } else if let Some(grant) = admin_by_grants(inventory, owner) {
                format!(
                    "{} on {} ({})",
                    grant.actions.join(","),
                    grant.resources.join(","),
                    grant.source.as_deref().unwrap_or("grant")
                )
            } else if let Some(path) = graph.shortest_path(owner, &PathTarget::Admin) {
                let steps: Vec<String> = path.iter().map(|s| crate::describe_step(s)).collect();
                format!("can escalate: {}", steps.join("; "))
            } else {
                continue;
            };
            let agents: Vec<&str> = servers.iter().map(|s| agent_of(inventory, s)).collect();
            let title = format!(
                "AI agent {} holds {} of admin-equivalent {owner}",
                agents.first().copied().unwrap_or("?"),
                credential.redacted.as_deref().unwrap_or(credential_id)
            );
            let mut subjects = vec![credential.id.clone(), owner.to_string()];
            subjects.extend(servers.iter().map(|s| s.to_string()));
            let evidence = json!({"admin_because": why, "servers": servers, "agents": agents, "paths": credential.paths()});
            findings.push(Finding::new(
                &CLOUD_ADMIN,
                title,
                subjects,
                credential.locations.first().cloned(),
                evidence,
            ));
        }
        findings
    }

    fn examples(&self) -> Vec<RuleExample> {
        let user = "aws:user:arn:aws:iam::111122223333:user/ops-agent";
        let with_grant = |actions: &[&str], linked: bool| {
            let s = server("u/.cursor/mcp.json", "aws", json!({}));
            let (mut key, edge) = held(
                &s,
                "aws-access-key:AKIA2LARKSPUR0000001",
                CredentialKind::AccessKey,
                "env:AWS_ACCESS_KEY_ID",
            );
            if linked {
                key.identity = Some(user.to_string());
            } else {
                key.attributes
                    .insert("user_name".into(), json!("ops-agent"));
            }
            let aws_user = nhi_model::Identity::new(
                user,
                nhi_model::IdentityKind::CloudUser,
                "aws",
                "ops-agent",
            );
            let mut inv = inventory(vec![s, aws_user], vec![(key, edge)]);
            inv.grants.push(Grant {
                identity: user.to_string(),
                effect: "allow".into(),
                actions: actions.iter().map(|a| a.to_string()).collect(),
                resources: vec!["*".into()],
                conditions: None,
                source: Some("AdministratorAccess".into()),
                access_level: None,
                location: None,
            });
            inv
        };
        vec![
            RuleExample {
                name: "AWS key of a user with *:* in an agent's env",
                inventory: with_grant(&["*"], true),
                fires: true,
            },
            RuleExample {
                name: "AWS key listed by user name only",
                inventory: with_grant(&["*"], false),
                fires: true,
            },
            RuleExample {
                name: "AWS key of a read-only user",
                inventory: with_grant(&["s3:GetObject"], true),
                fires: false,
            },
        ]
    }
}
