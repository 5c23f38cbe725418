//! kubeconfig files (`~/.kube/config`, or any YAML with `kind: Config`, `clusters` and `users`):
//! per user entry, an embedded bearer token (a service account token names its account), a client
//! certificate with its validity (its CN is the Kubernetes user, its O the groups) and key, basic
//! auth passwords, legacy `auth-provider` tokens, and secrets in `exec` plugin arguments or
//! environment. Exec plugins themselves (short-lived tokens) are the good case and hold nothing.

use super::certificate;
use super::secret::{self, Sighting};
use super::{command_line, Found};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use nhi_model::{CredentialKind, Edge, EdgeKind, Identity, IdentityKind};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Whether a file not named `.kube/config` still reads as a kubeconfig.
pub(super) fn looks_like(name: &str, head: &[u8]) -> bool {
    let named = name.ends_with(".yaml")
        || name.ends_with(".yml")
        || name.contains("kubeconfig")
        || name == "config";
    let has = |m: &str| memchr::memmem::find(head, m.as_bytes()).is_some();
    named && has("kind: Config") && has("users:") && has("clusters:")
}

#[derive(Deserialize)]
struct Kubeconfig {
    clusters: Option<Vec<NamedCluster>>,
    contexts: Option<Vec<NamedContext>>,
    users: Option<Vec<NamedUser>>,
}

#[derive(Deserialize)]
struct NamedCluster {
    name: String,
    cluster: Option<Cluster>,
}

#[derive(Deserialize)]
struct Cluster {
    server: Option<String>,
}

#[derive(Deserialize)]
struct NamedContext {
    context: Option<Context>,
}

#[derive(Deserialize)]
struct Context {
    cluster: Option<String>,
    user: Option<String>,
}

#[derive(Deserialize)]
struct NamedUser {
    name: String,
    user: Option<User>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct User {
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
    username: Option<String>,
    password: Option<String>,
    exec: Option<Exec>,
    auth_provider: Option<AuthProvider>,
}

#[derive(Deserialize)]
struct Exec {
    command: Option<String>,
    args: Option<Vec<String>>,
    env: Option<Vec<EnvVar>>,
}

#[derive(Deserialize)]
struct EnvVar {
    name: String,
    value: Option<String>,
}

#[derive(Deserialize)]
struct AuthProvider {
    name: Option<String>,
    config: Option<BTreeMap<String, String>>,
}

/// Read a kubeconfig.
pub(super) fn read(text: &str, found: &mut Found) {
    let config: Kubeconfig = match serde_yaml_ng::from_str(text) {
        Ok(config) => config,
        Err(err) => {
            let line = err.location().and_then(|l| u32::try_from(l.line()).ok());
            return found.error(line, format!("not a valid kubeconfig (YAML): {err}"));
        }
    };
    let servers: BTreeMap<&str, &str> = config
        .clusters
        .iter()
        .flatten()
        .filter_map(|c| Some((c.name.as_str(), c.cluster.as_ref()?.server.as_deref()?)))
        .collect();
    let users_line = line_of(text, 0, |line| line.starts_with("users:")).unwrap_or(0);
    for entry in config.users.iter().flatten() {
        let line = line_of(text, users_line, |line| names(line, &entry.name));
        let clusters: Vec<&str> = config
            .contexts
            .iter()
            .flatten()
            .filter_map(|c| c.context.as_ref())
            .filter(|c| c.user.as_deref() == Some(entry.name.as_str()))
            .filter_map(|c| servers.get(c.cluster.as_deref()?).copied())
            .collect();
        let mut reader = UserReader {
            found: &mut *found,
            user: &entry.name,
            clusters,
            line,
        };
        if let Some(user) = &entry.user {
            reader.read(user);
        }
    }
}

/// The 1-based line of the first line after line `after` that `matches`.
fn line_of(text: &str, after: u32, matches: impl Fn(&str) -> bool) -> Option<u32> {
    text.lines()
        .enumerate()
        .skip(after as usize)
        .find(|(_, line)| matches(line))
        .and_then(|(index, _)| u32::try_from(index + 1).ok())
}

/// Whether a line is `- name: <name>` (quoted or not).
fn names(line: &str, name: &str) -> bool {
    let entry = line.trim_start().trim_start_matches('-').trim();
    entry
        .strip_prefix("name:")
        .is_some_and(|value| value.trim().trim_matches(['"', '\'']) == name)
}

/// Reads one user entry.
struct UserReader<'f, 'a, 'o> {
    found: &'f mut Found<'a, 'o>,
    user: &'f str,
    clusters: Vec<&'f str>,
    line: Option<u32>,
}

impl UserReader<'_, '_, '_> {
    fn attributes(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("kubeconfig_user", Value::from(self.user)),
            ("clusters", Value::from(self.clusters.clone())),
        ]
    }

    fn secret(&mut self, value: &str, field: &str, kind: Option<CredentialKind>) -> Option<String> {
        if secret::is_placeholder(value) {
            return None;
        }
        let mut sighting = Sighting::named(value, field, "kubeconfig", self.found.at(self.line));
        if let Some(kind) = kind.filter(|_| sighting.kind != CredentialKind::Jwt) {
            sighting.kind = kind;
        }
        let attributes = self.attributes();
        Some(self.found.secret(sighting, &attributes))
    }

    fn read(&mut self, user: &User) {
        if let Some(token) = &user.token {
            self.secret(token, "token", Some(CredentialKind::ApiToken));
        }
        if let Some(password) = &user.password {
            let id = self.secret(password, "password", Some(CredentialKind::Password));
            let credential = id.and_then(|id| self.found.out.inventory.credentials.get_mut(&id));
            if let (Some(credential), Some(username)) = (credential, &user.username) {
                credential
                    .attributes
                    .insert("username".into(), Value::from(username.as_str()));
            }
        }
        let identity = user
            .client_certificate_data
            .as_deref()
            .and_then(|data| self.certificate(data));
        if let Some(key) = user.client_key_data.as_deref() {
            self.private_key(key, identity);
        }
        if let Some(provider) = &user.auth_provider {
            for (name, value) in provider.config.iter().flatten() {
                if secret::names_secret(name) || secret::kind_by_value(value).is_some() {
                    let field = format!(
                        "auth-provider.{}.{name}",
                        provider.name.as_deref().unwrap_or("unknown")
                    );
                    self.secret(value, &field, None);
                }
            }
        }
        if let Some(exec) = &user.exec {
            self.exec(exec);
        }
    }

    fn exec(&mut self, exec: &Exec) {
        let mut words: Vec<String> = exec.command.iter().cloned().collect();
        words.extend(exec.args.iter().flatten().cloned());
        for found in command_line::secrets(&words) {
            self.secret(&found.value, &format!("exec.{}", found.name), None);
        }
        for var in exec.env.iter().flatten() {
            let Some(value) = var.value.as_deref() else {
                continue;
            };
            if secret::names_secret(&var.name) || secret::kind_by_value(value).is_some() {
                self.secret(value, &format!("exec.env.{}", var.name), None);
            }
        }
    }

    /// Add the client certificate; returns the Kubernetes user it authenticates as.
    fn certificate(&mut self, data: &str) -> Option<String> {
        let pem = match STANDARD.decode(data.trim()) {
            Ok(pem) => pem,
            Err(_) => {
                self.found.error(
                    self.line,
                    format!("user {}: client-certificate-data is not base64", self.user),
                );
                return None;
            }
        };
        let cert = match certificate::read(&pem, self.found.ctx.fingerprinter) {
            Ok(cert) => cert,
            Err(message) => {
                self.found.error(
                    self.line,
                    format!("user {}: client-certificate-data: {message}", self.user),
                );
                return None;
            }
        };
        let mut credential = cert.credential;
        credential.locations.push(self.found.at(self.line));
        credential
            .attributes
            .insert("found_in".into(), Value::from("kubeconfig"));
        credential
            .attributes
            .insert("field".into(), Value::from("client-certificate-data"));
        for (key, value) in self.attributes() {
            credential.attributes.insert(key.into(), value);
        }
        let identity = cert.common_name.as_deref().map(|cn| {
            let id = format!("k8s:user:{cn}");
            self.found.out.inventory.add_identity(Identity::new(
                &id,
                IdentityKind::Unknown,
                "k8s",
                cn,
            ));
            for group in &cert.organizations {
                self.found.out.inventory.edges.push(Edge {
                    from: id.clone(),
                    to: format!("k8s:group:{group}"),
                    kind: EdgeKind::MemberOf,
                    attributes: [("method".to_string(), Value::from("client certificate O="))]
                        .into_iter()
                        .collect(),
                });
            }
            id
        });
        credential.identity.clone_from(&identity);
        self.found.credential(credential);
        identity
    }

    fn private_key(&mut self, data: &str, identity: Option<String>) {
        let Ok(pem) = STANDARD.decode(data.trim()) else {
            return self.found.error(
                self.line,
                format!("user {}: client-key-data is not base64", self.user),
            );
        };
        let pem = String::from_utf8_lossy(&pem);
        let sighting = Sighting {
            value: pem.trim(),
            kind: CredentialKind::PrivateKey,
            found_in: "kubeconfig",
            field: "client-key-data".into(),
            location: self.found.at(self.line),
        };
        let mut credential = sighting.into_credential(self.found.ctx.fingerprinter);
        credential.identity = identity;
        for (key, value) in self.attributes() {
            credential.attributes.insert(key.into(), value);
        }
        self.found.credential(credential);
    }
}
