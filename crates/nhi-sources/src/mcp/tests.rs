//! MCP configurations of several clients read end to end, and bad input.

use super::*;
use nhi_model::{CredentialKind, Fingerprinter};

fn read_as(path: &str, text: &str) -> Discovery {
    let fingerprinter = Fingerprinter::new([5; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let file = SourceFile {
        path,
        bytes: text.as_bytes(),
    };
    assert!(McpSource.recognises(&file), "{path}");
    let mut out = Discovery::default();
    McpSource.read(&file, &ctx, &mut out);
    out
}

fn attr<'a>(out: &'a Discovery, id: &str, key: &str) -> &'a Value {
    &out.inventory.identities[id].attributes[key]
}

const DESKTOP: &str = r#"{
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_LarkspurFreight0123456789abcdefABCD"}
    },
    "files": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.7.1", "/"]
    },
    "tracker": {
      "url": "http://mcp.tracker.larkspur.example/sse?api_key=tk_live_0123456789abcdef"
    }
  }
}"#;

#[test]
fn claude_desktop_agent_servers_and_credentials() {
    let path = "u/Library/Application Support/Claude/claude_desktop_config.json";
    let out = read_as(path, DESKTOP);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let agent = format!("mcp:agent:claude-desktop:{path}");
    let github = format!("mcp:server:claude-desktop:{path}#github");
    let files = format!("mcp:server:claude-desktop:{path}#files");
    let tracker = format!("mcp:server:claude-desktop:{path}#tracker");
    assert_eq!(out.inventory.identities.len(), 4);
    assert_eq!(out.inventory.identities[&agent].kind, IdentityKind::AiAgent);
    assert_eq!(attr(&out, &github, "pinned"), false);
    assert_eq!(
        attr(&out, &github, "reach"),
        &serde_json::json!(["source-control"])
    );
    assert_eq!(attr(&out, &files, "pinned"), true);
    assert_eq!(
        attr(&out, &files, "filesystem_roots"),
        &serde_json::json!(["/"])
    );
    assert_eq!(attr(&out, &tracker, "transport"), "sse");
    assert_eq!(
        attr(&out, &tracker, "url"),
        "http://mcp.tracker.larkspur.example/sse?api_key=****"
    );
    assert_eq!(attr(&out, &tracker, "url_loopback"), false);
    assert_eq!(attr(&out, &github, "location")["line"], 3);

    let fields: Vec<(&str, CredentialKind, Option<&str>)> = out
        .inventory
        .credentials
        .values()
        .map(|c| {
            (
                c.attributes["field"].as_str().unwrap(),
                c.kind,
                c.identity.as_deref(),
            )
        })
        .collect();
    assert_eq!(fields.len(), 2);
    assert!(fields.contains(&(
        "env:GITHUB_PERSONAL_ACCESS_TOKEN",
        CredentialKind::ApiToken,
        Some(github.as_str())
    )));
    assert!(fields.contains(&(
        "url:api_key",
        CredentialKind::ApiToken,
        Some(tracker.as_str())
    )));
    let uses: Vec<(&str, &str)> = out
        .inventory
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    assert_eq!(uses.iter().filter(|(from, _)| *from == agent).count(), 3);
    let json = serde_json::to_string(&out.inventory).unwrap();
    assert!(
        !json.contains("LarkspurFreight0123") && !json.contains("0123456789abcdef"),
        "no plaintext"
    );
}

#[test]
fn vscode_settings_with_comments_and_codex_toml() {
    let settings = r#"{
  // editor settings
  "editor.tabSize": 2,
  "mcp": {
    "servers": {
      "db": {
        "type": "stdio",
        "command": "docker",
        "args": ["run", "-i", "--rm", "mcp/postgres", "postgresql://app:S3cretPw!@db.larkspur.example/app"],
      },
    },
  },
}"#;
    let out = read_as("u/.config/Code/User/settings.json", settings);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let db = "mcp:server:vscode:u/.config/Code/User/settings.json#db";
    assert_eq!(attr(&out, db, "launcher"), "docker");
    assert_eq!(attr(&out, db, "pinned"), false);
    assert_eq!(attr(&out, db, "reach"), &serde_json::json!(["database"]));
    assert_eq!(
        attr(&out, db, "args")[4],
        "postgresql://app:****@db.larkspur.example/app"
    );
    let credential = out.inventory.credentials.values().next().unwrap();
    assert_eq!(credential.kind, CredentialKind::ConnectionString);

    let codex = "model = \"o3\"\n\n[mcp_servers.shell]\ncommand = \"uvx\"\nargs = [\"mcp-shell-server==1.0.3\"]\nenv = { \"ALLOW_COMMANDS\" = \"*\" }\n";
    let out = read_as("u/.codex/config.toml", codex);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let shell = "mcp:server:codex:u/.codex/config.toml#shell";
    assert_eq!(attr(&out, shell, "reach"), &serde_json::json!(["shell"]));
    assert_eq!(attr(&out, shell, "pinned"), true);
    assert_eq!(attr(&out, shell, "location")["line"], 3);
}

#[test]
fn claude_code_projects_and_aws_keys() {
    let text = r#"{"numStartups": 4, "projects": {"/src/ops": {"mcpServers": {"aws": {"command": "uvx", "args": ["awslabs.aws-api-mcp-server"], "env": {"AWS_ACCESS_KEY_ID": "AKIA2LARKSPUR0000001", "AWS_SECRET_ACCESS_KEY": "q9Zr7LarkspurSecretKey0123456789abcdEfGh"}}}}}}"#;
    let out = read_as("home/ops/.claude.json", text);
    let server = "mcp:server:claude-code:home/ops/.claude.json#aws@/src/ops";
    assert!(out.inventory.identities.contains_key(server));
    let key = &out.inventory.credentials["aws-access-key:AKIA2LARKSPUR0000001"];
    assert_eq!(key.identity, None, "the AWS source says whose key it is");
    assert_eq!(key.attributes["mcp_server"], server);
    assert!(out
        .inventory
        .edges
        .iter()
        .any(|e| e.from == server && e.to == key.id));
}

#[test]
fn bad_configs_give_one_error_with_a_line() {
    let out = read_as(
        "p/.cursor/mcp.json",
        "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"npx\",\n",
    );
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].line, Some(4));
    assert!(
        out.errors[0].message.contains("truncated"),
        "{}",
        out.errors[0]
    );
    let out = read_as("u/.codex/config.toml", "[mcp_servers.x\ncommand = 1\n");
    assert_eq!(out.errors[0].line, Some(1));
    let out = read_as("p/.mcp.json", "{\"mcpServers\": {\"a\": \"npx tool\"}}");
    assert_eq!(out.errors.len(), 1);
    assert!(out.inventory.identities.is_empty());
    let out = read_as("p/.mcp.json", "\0\0");
    assert_eq!(out.errors.len(), 1);
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn mangled_configs_read_without_panic(
            text in "[\\[\\]{}:=\"',a-z_ \n./@*-]{0,200}",
            toml in any::<bool>(),
        ) {
            let fingerprinter = Fingerprinter::new([2; 32]);
            let ctx = SourceContext { fingerprinter: &fingerprinter };
            let path = if toml { "u/.codex/config.toml" } else { "p/.vscode/mcp.json" };
            let file = SourceFile { path, bytes: text.as_bytes() };
            let mut out = Discovery::default();
            McpSource.read(&file, &ctx, &mut out);
        }

        #[test]
        fn any_launch_line_is_analysed_without_panic(words in proptest::collection::vec("[a-z@=:/.^~*-]{0,12}", 0..8)) {
            if let Some((command, args)) = words.split_first() {
                let launch = launch::analyse(command, args);
                let _ = reach::of("s", Some(command), &launch, &[], args);
            }
        }
    }
}
