//! Terraform state (`*.tfstate`, `*.tfstate.backup`, format version 4): resource attributes that
//! hold secrets in clear (`aws_iam_access_key.secret`, `random_password.result`, database
//! passwords, private keys, Kubernetes secret data, ...) and sensitive outputs. Each becomes a
//! credential with `found_in` `terraform-state`, the resource `address` and the attribute `field`;
//! `cleartext` says whether the secret itself is in the file. Access keys and service-account keys
//! take their native ids (`aws-access-key:<id>`, `gcp-sa-key:<id>`), so they merge with the cloud
//! sources' view of them.

use super::secret::{self, Sighting};
use super::Found;
use crate::cloud_export::LineCursor;
use nhi_model::{Credential, CredentialKind};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Attributes that hold a secret, by resource type, beyond what their names say.
const KNOWN_SECRETS: &[(&str, &[&str])] = &[
    ("random_password", &["result"]),
    (
        "tls_private_key",
        &[
            "private_key_pem",
            "private_key_openssh",
            "private_key_pem_pkcs8",
        ],
    ),
    ("kubernetes_secret", &["data"]),
    ("kubernetes_secret_v1", &["data"]),
    ("github_actions_secret", &["plaintext_value"]),
    ("github_actions_organization_secret", &["plaintext_value"]),
    ("azuread_application_password", &["value"]),
    ("azuread_service_principal_password", &["value"]),
    ("aws_secretsmanager_secret_version", &["secret_string"]),
    ("aws_ssm_parameter", &["value"]),
    ("vault_generic_secret", &["data_json"]),
    (
        "azurerm_storage_account",
        &["primary_connection_string", "secondary_connection_string"],
    ),
];

#[derive(Deserialize)]
struct State {
    version: Option<u64>,
    #[serde(default)]
    resources: Vec<Resource>,
    #[serde(default)]
    outputs: BTreeMap<String, Output>,
}

#[derive(Deserialize)]
struct Resource {
    mode: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    module: Option<String>,
    #[serde(default)]
    instances: Vec<Instance>,
}

#[derive(Deserialize)]
struct Instance {
    index_key: Option<Value>,
    #[serde(default)]
    attributes: Map<String, Value>,
    #[serde(default)]
    sensitive_attributes: Vec<Value>,
}

#[derive(Deserialize)]
struct Output {
    value: Value,
    #[serde(default)]
    sensitive: bool,
}

/// Read a state file.
pub(super) fn read(text: &str, found: &mut Found) {
    let Some((state, export)) = found.json::<State>(text, "Terraform state") else {
        return;
    };
    match state.version {
        Some(4) => {}
        Some(version) => {
            return found.error(
                None,
                format!("Terraform state version {version} is not supported (only 4)"),
            )
        }
        None => return found.error(None, "Terraform state without a version"),
    }
    let mut lines = export.lines();
    for resource in state
        .resources
        .iter()
        .filter(|r| r.mode.as_deref() != Some("data"))
    {
        lines.seek(&resource.kind);
        let line = lines.seek(&resource.name);
        let at = ResourceLines {
            resource: line,
            fields: &lines,
        };
        for instance in &resource.instances {
            let address = address(resource, instance);
            read_instance(found, resource, instance, &address, &at);
        }
    }
    for (name, output) in &state.outputs {
        let line = lines.seek(name);
        let Some(value) = output.value.as_str() else {
            continue;
        };
        if (output.sensitive || secret::names_secret(name)) && !secret::is_placeholder(value) {
            let sighting = Sighting::named(value, name, "terraform-state", found.at(line));
            let attributes = [
                ("address", Value::from(format!("output.{name}"))),
                ("cleartext", Value::from(true)),
            ];
            found.secret(sighting, &attributes);
        }
    }
}

/// `module.net.aws_iam_access_key.deploy["ci"]`.
fn address(resource: &Resource, instance: &Instance) -> String {
    let mut address = String::new();
    if let Some(module) = &resource.module {
        address.push_str(module);
        address.push('.');
    }
    address.push_str(&format!("{}.{}", resource.kind, resource.name));
    match &instance.index_key {
        Some(Value::String(key)) => address.push_str(&format!("[\"{key}\"]")),
        Some(Value::Number(n)) => address.push_str(&format!("[{n}]")),
        _ => {}
    }
    address
}

fn text<'a>(attributes: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    attributes
        .get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
}

/// Where a resource's attributes are: the line of its `name`, and a cursor there to find the line
/// of each attribute (the first instance's, when there are several).
struct ResourceLines<'a> {
    resource: Option<u32>,
    fields: &'a LineCursor<'a>,
}

impl ResourceLines<'_> {
    /// The line of attribute `name`, else the resource's.
    fn of(&self, name: &str) -> Option<u32> {
        self.fields.ahead(name).or(self.resource)
    }
}

fn read_instance(
    found: &mut Found,
    resource: &Resource,
    instance: &Instance,
    address: &str,
    lines: &ResourceLines,
) {
    let attributes = &instance.attributes;
    let base = [
        ("address", Value::from(address)),
        ("resource_type", Value::from(resource.kind.as_str())),
    ];
    match resource.kind.as_str() {
        "aws_iam_access_key" => return access_key(found, attributes, &base, lines),
        "google_service_account_key" => {
            return service_account_key(found, attributes, &base, lines.of("private_key"))
        }
        _ => {}
    }
    let known: &[&str] = KNOWN_SECRETS
        .iter()
        .find(|(t, _)| *t == resource.kind)
        .map_or(&[], |(_, a)| a);
    let sensitive = sensitive_names(&instance.sensitive_attributes);
    for (name, value) in attributes {
        let named = known.contains(&name.as_str())
            || sensitive.contains(&name.as_str())
            || is_secret_attribute(name);
        if !named {
            continue;
        }
        let values: Vec<(String, &str)> = match value {
            Value::String(s) => vec![(name.clone(), s.as_str())],
            // Maps of secrets (`kubernetes_secret.data`).
            Value::Object(map) => map
                .iter()
                .filter_map(|(k, v)| Some((format!("{name}.{k}"), v.as_str()?)))
                .collect(),
            _ => Vec::new(),
        };
        for (field, value) in values {
            if secret::is_placeholder(value) {
                continue;
            }
            let at = found.at(lines.of(name));
            let mut sighting = Sighting::named(value, &field, "terraform-state", at);
            if sighting.kind == CredentialKind::ApiToken
                && (name.contains("password") || resource.kind == "random_password")
            {
                sighting.kind = CredentialKind::Password;
            }
            let mut attributes = base.to_vec();
            attributes.push(("cleartext", Value::from(true)));
            found.secret(sighting, &attributes);
        }
    }
}

/// Attribute names that hold secrets in most providers (stricter than for variables: state is full
/// of `key`s that are paths and ids).
fn is_secret_attribute(name: &str) -> bool {
    let secret_word = [
        "password",
        "secret",
        "token",
        "private_key",
        "access_key",
        "api_key",
        "connection_string",
    ]
    .iter()
    .any(|w| name.contains(w));
    secret_word && secret::names_secret(name) || name.ends_with("connection_string")
}

/// Top-level attribute names listed in `sensitive_attributes` (`[[{"type":"get_attr","value":"password"}]]`).
fn sensitive_names(paths: &[Value]) -> Vec<&str> {
    paths
        .iter()
        .filter_map(|path| path.as_array()?.first()?.get("value")?.as_str())
        .collect()
}

fn add_base(credential: &mut Credential, base: &[(&str, Value)]) {
    credential
        .attributes
        .insert("found_in".into(), Value::from("terraform-state"));
    for (key, value) in base {
        credential
            .attributes
            .insert((*key).to_string(), value.clone());
    }
}

fn access_key(
    found: &mut Found,
    attributes: &Map<String, Value>,
    base: &[(&str, Value)],
    lines: &ResourceLines,
) {
    let Some(key_id) = text(attributes, "id").filter(|id| secret::is_aws_key_id(id)) else {
        return;
    };
    let secret_value = text(attributes, "secret");
    let mut credential = secret::aws_access_key(
        found.ctx.fingerprinter,
        key_id,
        secret_value,
        "terraform-state",
        found.at(lines.of("id")),
    );
    // The secret half has a line of its own: this source explains it too.
    let secret_line = lines.of("secret");
    if secret_value.is_some() && secret_line != lines.of("id") {
        credential.locations.push(found.at(secret_line));
    }
    add_base(&mut credential, base);
    let cleartext = secret_value.is_some() || text(attributes, "ses_smtp_password_v4").is_some();
    credential
        .attributes
        .insert("cleartext".into(), Value::from(cleartext));
    credential.attributes.insert(
        "field".into(),
        Value::from(if secret_value.is_some() {
            "secret"
        } else {
            "id"
        }),
    );
    if let Some(user) = text(attributes, "user") {
        credential
            .attributes
            .insert("user".into(), Value::from(user));
    }
    credential.created = text(attributes, "create_date")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.to_utc());
    found.credential(credential);
}

fn service_account_key(
    found: &mut Found,
    attributes: &Map<String, Value>,
    base: &[(&str, Value)],
    line: Option<u32>,
) {
    let Some(key_id) = text(attributes, "name")
        .and_then(|n| n.rsplit("/keys/").next())
        .filter(|k| !k.contains('/'))
    else {
        return;
    };
    let private_key = text(attributes, "private_key");
    let mut credential = Credential::new(
        format!("gcp-sa-key:{key_id}"),
        CredentialKind::AccessKey,
        found.ctx.fingerprinter.fingerprint(key_id.as_bytes()),
    );
    credential.locations.push(found.at(line));
    add_base(&mut credential, base);
    credential
        .attributes
        .insert("cleartext".into(), Value::from(private_key.is_some()));
    credential
        .attributes
        .insert("field".into(), Value::from("private_key"));
    credential
        .attributes
        .insert("key_type".into(), Value::from("USER_MANAGED"));
    if let Some(private_key) = private_key {
        let fingerprint = found.ctx.fingerprinter.fingerprint(private_key.as_bytes());
        credential
            .attributes
            .insert("private_key_fingerprint".into(), Value::from(fingerprint));
    }
    if let Some(account) = text(attributes, "service_account_id") {
        let email = account.rsplit('/').next().unwrap_or(account);
        credential.identity = Some(format!("gcp:serviceaccount:{email}"));
    }
    credential.created = text(attributes, "valid_after")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.to_utc());
    found.credential(credential);
}
