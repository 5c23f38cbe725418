//! Reading the MCP part of the inventory: servers with their recorded facts, and which servers
//! (and so which agents) hold each credential.

use nhi_model::{EdgeKind, Identity, Inventory, Location};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Prefix of every MCP server id.
pub(crate) const SERVER: &str = "mcp:server:";

/// One declared MCP server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Server<'a> {
    pub identity: &'a Identity,
}

impl<'a> Server<'a> {
    pub(crate) fn text(&self, key: &str) -> Option<&'a str> {
        self.identity.attributes.get(key).and_then(Value::as_str)
    }

    pub(crate) fn flag(&self, key: &str) -> Option<bool> {
        self.identity.attributes.get(key).and_then(Value::as_bool)
    }

    pub(crate) fn list(&self, key: &str) -> Vec<&'a str> {
        self.identity
            .attributes
            .get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// `github (Claude Desktop config at <path>)`, for titles.
    pub(crate) fn label(&self) -> String {
        let client = self.text("client").unwrap_or("?");
        let path = self.text("config_path").unwrap_or("?");
        format!("MCP server {} ({client}, {path})", self.identity.name)
    }

    pub(crate) fn location(&self) -> Option<Location> {
        serde_json::from_value(self.identity.attributes.get("location")?.clone()).ok()
    }

    pub(crate) fn enabled(&self) -> bool {
        self.flag("disabled") != Some(true)
    }
}

/// Every MCP server.
pub(crate) fn servers(inventory: &Inventory) -> impl Iterator<Item = Server<'_>> {
    inventory
        .identities
        .values()
        .filter(|i| i.id.starts_with(SERVER))
        .map(|identity| Server { identity })
}

/// Credential id -> the servers that hold it (`uses` edges from servers).
pub(crate) fn holders(inventory: &Inventory) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut held: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for edge in &inventory.edges {
        if edge.kind == EdgeKind::Uses
            && edge.from.starts_with(SERVER)
            && inventory.credentials.contains_key(&edge.to)
        {
            held.entry(edge.to.as_str())
                .or_default()
                .insert(edge.from.as_str());
        }
    }
    held
}

/// The agent a server belongs to.
pub(crate) fn agent_of<'a>(inventory: &'a Inventory, server: &'a str) -> &'a str {
    inventory
        .identities
        .get(server)
        .and_then(|s| s.attributes.get("agent"))
        .and_then(Value::as_str)
        .unwrap_or(server)
}
