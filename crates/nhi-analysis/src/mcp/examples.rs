//! Small inventories for the MCP rules' examples, shaped as the `mcp` source shapes them: agents
//! `mcp:agent:<client>:<path>`, servers `mcp:server:<client>:<path>#<name>` and the `uses` edges
//! between agents, servers and credentials.

use nhi_model::{Credential, CredentialKind, Edge, EdgeKind, Identity, IdentityKind, Location};
use serde_json::{json, Value};

/// The agent id of a Claude Desktop config at `path`.
pub(crate) fn agent_id(path: &str) -> String {
    format!("mcp:agent:claude-desktop:{path}")
}

/// A server `name` of the Claude Desktop config at `path`, with `attributes` (a JSON object).
pub(crate) fn server(path: &str, name: &str, attributes: Value) -> Identity {
    let mut identity = Identity::new(
        format!("mcp:server:claude-desktop:{path}#{name}"),
        IdentityKind::AiAgent,
        "mcp",
        name,
    );
    let base = json!({"client": "claude-desktop", "agent": agent_id(path), "config_path": path,
        "location": {"path": path, "line": 3}, "disabled": false});
    for source in [base, attributes] {
        if let Value::Object(map) = source {
            identity.attributes.extend(map);
        }
    }
    identity
}

/// A credential held by `server` (an identity built by [`server`]): the credential and the edge.
pub(crate) fn held(
    server: &Identity,
    id: &str,
    kind: CredentialKind,
    field: &str,
) -> (Credential, Edge) {
    let mut credential = Credential::new(id, kind, format!("fp1:{id}"));
    credential.redacted = Some("****".into());
    let path = server.attributes["config_path"].as_str().unwrap_or("?");
    credential.locations.push(Location::file(path, Some(3)));
    credential
        .attributes
        .insert("found_in".into(), json!("mcp-config"));
    credential.attributes.insert("field".into(), json!(field));
    credential
        .attributes
        .insert("mcp_server".into(), json!(server.id));
    if !id.starts_with("aws-access-key:") {
        credential.identity = Some(server.id.clone());
    }
    let edge = Edge {
        from: server.id.clone(),
        to: id.to_string(),
        kind: EdgeKind::Uses,
        attributes: Default::default(),
    };
    (credential, edge)
}

/// An inventory of servers and what they hold.
pub(crate) fn inventory(
    servers: Vec<Identity>,
    held: Vec<(Credential, Edge)>,
) -> nhi_model::Inventory {
    let (credentials, edges): (Vec<Credential>, Vec<Edge>) = held.into_iter().unzip();
    let mut inventory = crate::example::inventory(servers, credentials, vec![]);
    inventory.edges = edges;
    inventory
}
