//! One declared MCP server into the inventory: its identity (`mcp:server:<client>:<path>#<name>`)
//! with how it is launched and what it reaches, the `uses` edge from its agent, and each
//! credential it is given inline (environment values, headers, tokens in its URL, secret
//! arguments) with a `uses` edge from the server to it.
//!
//! Invariants: attributes hold redacted arguments and URLs only; an AWS access key keeps no
//! identity here (the AWS source knows whose it is), other credentials belong to the server unless
//! their own claims name an identity.

use super::config::ServerSpec;
use super::launch::{self, Launch};
use super::reach;
use crate::credfiles::command_line::{self, ArgSecret};
use crate::credfiles::secret::{self, Sighting, Variable};
use crate::credfiles::url::{self, Url};
use crate::Discovery;
use nhi_model::{
    Credential, CredentialKind, Edge, EdgeKind, Fingerprinter, Identity, IdentityKind, Location,
};
use serde_json::Value;

/// Where a server was declared.
pub(crate) struct Declared<'a> {
    pub client: &'a str,
    pub path: &'a str,
    pub agent: &'a str,
    pub line: Option<u32>,
}

/// The id of a server: `#<name>`, or `#<name>@<project>` for a per-project server.
pub(crate) fn server_id(client: &str, path: &str, spec: &ServerSpec) -> String {
    match &spec.project {
        Some(project) => format!("mcp:server:{client}:{path}#{}@{project}", spec.name),
        None => format!("mcp:server:{client}:{path}#{}", spec.name),
    }
}

/// Add one server, its credentials and its edges.
pub(crate) fn add(
    spec: &ServerSpec,
    at: &Declared,
    fingerprinter: &Fingerprinter,
    out: &mut Discovery,
) {
    let id = server_id(at.client, at.path, spec);
    let location = Location::file(at.path, at.line);
    let arg_secrets = command_line::secrets(&spec.args);
    let mut credentials = env_credentials(spec, fingerprinter, &location);
    credentials.extend(header_credentials(spec, fingerprinter, &location));
    credentials.extend(url_credentials(spec, fingerprinter, &location));
    credentials.extend(arg_credentials(&arg_secrets, fingerprinter, &location));

    let launch = match (&spec.command, &spec.url) {
        (Some(command), _) => launch::analyse(command, &spec.args),
        (None, Some(_)) => Launch {
            launcher: "remote".into(),
            ..Launch::default()
        },
        (None, None) => Launch::default(),
    };
    let reach = reach::of(
        &spec.name,
        spec.command.as_deref(),
        &launch,
        &spec.env,
        &spec.args,
    );
    let mut identity = Identity::new(&id, IdentityKind::AiAgent, "mcp", &spec.name);
    let attributes = &mut identity.attributes;
    let mut set = |key: &str, value: Value| {
        attributes.insert(key.to_string(), value);
    };
    set("client", Value::from(at.client));
    set("agent", Value::from(at.agent));
    set("config_path", Value::from(at.path));
    set("transport", Value::from(transport(spec)));
    set("disabled", Value::from(spec.disabled));
    set(
        "location",
        serde_json::to_value(&location).unwrap_or_default(),
    );
    if let Some(project) = &spec.project {
        set("project", Value::from(project.as_str()));
    }
    if let Some(command) = &spec.command {
        set("command", Value::from(command.as_str()));
        set(
            "args",
            Value::from(command_line::redact_words(&spec.args, &arg_secrets)),
        );
    }
    if let Some(address) = &spec.url {
        set("url", Value::from(url::redact(address)));
        if let Some(parsed) = Url::parse(address) {
            set(
                "url_scheme",
                Value::from(parsed.scheme.to_ascii_lowercase()),
            );
            set("url_loopback", Value::from(parsed.is_loopback()));
        }
    }
    if !launch.launcher.is_empty() {
        set("launcher", Value::from(launch.launcher.as_str()));
    }
    for (key, value) in [
        ("package", &launch.package),
        ("package_version", &launch.version),
    ] {
        if let Some(value) = value {
            set(key, Value::from(value.as_str()));
        }
    }
    if let Some(pinned) = launch.pinned {
        set("pinned", Value::from(pinned));
    }
    set("reach", Value::from(reach.tags));
    if !reach.filesystem_roots.is_empty() {
        set("filesystem_roots", Value::from(reach.filesystem_roots));
    }
    let names = |pairs: &[(String, String)]| {
        Value::from(pairs.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>())
    };
    set("env", names(&spec.env));
    set("headers", names(&spec.headers));
    set(
        "credentials",
        Value::from(credentials.iter().map(|c| c.id.clone()).collect::<Vec<_>>()),
    );
    out.inventory.add_identity(identity);
    out.inventory
        .edges
        .push(uses(at.agent, &id, "declares MCP server"));

    for mut credential in credentials {
        let native_cloud_key = credential.id.starts_with("aws-access-key:");
        if credential.identity.is_none() && !native_cloud_key {
            credential.identity = Some(id.clone());
        }
        credential
            .attributes
            .insert("mcp_server".into(), Value::from(id.as_str()));
        credential
            .attributes
            .insert("client".into(), Value::from(at.client));
        let field = credential
            .attributes
            .get("field")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        out.inventory.edges.push(uses(
            &id,
            &credential.id,
            &format!("holds credential ({field})"),
        ));
        out.inventory.add_credential(credential);
    }
}

/// `stdio`, `sse` or `http`: as declared, else from the URL (`.../sse`) or the command.
fn transport(spec: &ServerSpec) -> String {
    if let Some(declared) = &spec.transport {
        return declared.to_ascii_lowercase();
    }
    match &spec.url {
        Some(address)
            if address
                .split(['?', '#'])
                .next()
                .unwrap_or(address)
                .trim_end_matches('/')
                .ends_with("/sse") =>
        {
            "sse".into()
        }
        Some(_) => "http".into(),
        None => "stdio".into(),
    }
}

fn uses(from: &str, to: &str, method: &str) -> Edge {
    let mut edge = Edge {
        from: from.to_string(),
        to: to.to_string(),
        kind: EdgeKind::Uses,
        attributes: Default::default(),
    };
    edge.attributes.insert("method".into(), Value::from(method));
    edge
}

fn with_field(mut credential: Credential, field: String) -> Credential {
    credential
        .attributes
        .insert("field".into(), Value::from(field));
    credential
}

fn env_credentials(
    spec: &ServerSpec,
    fingerprinter: &Fingerprinter,
    location: &Location,
) -> Vec<Credential> {
    let variables: Vec<Variable> = spec
        .env
        .iter()
        .map(|(name, value)| Variable {
            name,
            value,
            location: location.clone(),
        })
        .collect();
    secret::variable_credentials(fingerprinter, &variables, "mcp-config")
        .into_iter()
        .map(|c| {
            let field = format!(
                "env:{}",
                c.attributes
                    .get("field")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            );
            with_field(c, field)
        })
        .collect()
}

fn header_credentials(
    spec: &ServerSpec,
    fingerprinter: &Fingerprinter,
    location: &Location,
) -> Vec<Credential> {
    let mut out = Vec::new();
    for (name, value) in &spec.headers {
        let value = value.trim();
        let token = if name.eq_ignore_ascii_case("authorization") {
            value
                .split_once(' ')
                .map_or(value, |(_, token)| token.trim())
        } else if secret::names_secret(name) || secret::kind_by_value(value).is_some() {
            value
        } else {
            continue;
        };
        if secret::is_placeholder(token) {
            continue;
        }
        let mut sighting = Sighting::named(token, name, "mcp-config", location.clone());
        if sighting.kind == CredentialKind::ConnectionString {
            sighting.kind = CredentialKind::ApiToken;
        }
        out.push(with_field(
            sighting.into_credential(fingerprinter),
            format!("header:{name}"),
        ));
    }
    out
}

fn url_credentials(
    spec: &ServerSpec,
    fingerprinter: &Fingerprinter,
    location: &Location,
) -> Vec<Credential> {
    let Some(address) = spec.url.as_deref() else {
        return Vec::new();
    };
    let Some(parsed) = Url::parse(address) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if parsed
        .password
        .as_deref()
        .is_some_and(|p| !secret::is_placeholder(p))
    {
        let sighting = Sighting {
            value: address,
            kind: CredentialKind::ConnectionString,
            found_in: "mcp-config",
            field: "url".into(),
            location: location.clone(),
        };
        out.push(sighting.into_credential(fingerprinter));
    }
    for (name, value) in parsed.secret_params() {
        let mut sighting = Sighting::named(&value, &name, "mcp-config", location.clone());
        sighting.kind = secret::kind_by_value(&value).unwrap_or(CredentialKind::ApiToken);
        out.push(with_field(
            sighting.into_credential(fingerprinter),
            format!("url:{name}"),
        ));
    }
    out
}

fn arg_credentials(
    found: &[ArgSecret],
    fingerprinter: &Fingerprinter,
    location: &Location,
) -> Vec<Credential> {
    found
        .iter()
        .map(|arg| {
            let sighting = Sighting::named(&arg.value, &arg.name, "mcp-config", location.clone());
            with_field(
                sighting.into_credential(fingerprinter),
                format!("arg:{}", arg.name),
            )
        })
        .collect()
}
