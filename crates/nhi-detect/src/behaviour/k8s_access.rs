//! Access to workloads and secrets in Kubernetes: exec or attach into pods (by people, and worse
//! by service accounts), requests the anonymous user was allowed to make, credentials written
//! into ConfigMaps, and service accounts reading secrets they never read before. State: per
//! service account, the secrets it read (at most [`SECRETS`]).

use super::patterns::Pattern;
use super::state::Baseline;
use super::{k8s, rule, Detector, Family, Hit, Seen};
use crate::normalise::{LogSource, Record};
use foldhash::HashMap;
use nhi_model::{OwaspNhi, RuleMeta, Severity};
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};

/// Secrets remembered per service account.
const SECRETS: usize = 256;

/// Words that mark a credential in ConfigMap keys or values.
const CREDENTIAL_MARKERS: [&str; 10] = [
    "aws_access_key_id",
    "aws-access-key-id",
    "aws_secret_access_key",
    "aws_s3_access_key_id",
    "aws-s3-access-key-id",
    "password",
    "passphrase",
    "client_secret",
    "private_key",
    "-----begin",
];

const POD_EXEC: RuleMeta = rule(
    "k8s-pod-exec",
    "Exec or attach into a pod",
    Severity::Medium,
    &[OwaspNhi::NHI10],
    "A user opens a shell in (exec) or attaches to a running container: anything the container can reach, including its mounted service-account token, is now in a person's hands.",
    "Confirm the session was part of an approved procedure; restrict pods/exec and pods/attach to break-glass roles and record sessions.",
);

const SERVICE_ACCOUNT_EXEC: RuleMeta = rule(
    "k8s-serviceaccount-pod-exec",
    "Service account execs into a pod",
    Severity::High,
    &[OwaspNhi::NHI5, OwaspNhi::NHI10],
    "A service account opens a shell in (exec) or attaches to a container: workloads rarely need this, while a stolen token with pods/exec is a path to every secret the target pod holds.",
    "Check which workload uses this service account and whether it execs by design; otherwise revoke its token, remove pods/exec from its roles and inspect the target pod.",
);

const ANONYMOUS: RuleMeta = rule(
    "k8s-anonymous-request-allowed",
    "Anonymous request allowed",
    Severity::High,
    &[OwaspNhi::NHI4],
    "The API server allowed a request by system:anonymous beyond health checks: someone without any credential can act on the cluster.",
    "Remove bindings that grant rights to system:anonymous or system:unauthenticated, and consider --anonymous-auth=false.",
);

const CONFIGMAP_CREDENTIALS: RuleMeta = rule(
    "k8s-configmap-credentials",
    "Credentials written into a ConfigMap",
    Severity::Medium,
    &[OwaspNhi::NHI2],
    "A ConfigMap is created or changed with keys or values that look like credentials (AWS keys, passwords, private keys): ConfigMaps are not secret, so anyone who can read them has the credential.",
    "Move the values into a Secret (or an external secret store), rotate the exposed credentials, and restrict who can read ConfigMaps in that namespace.",
);

static NEW_SECRET_READ: RuleMeta = rule(
    "k8s-serviceaccount-new-secret-read",
    "Service account reads a secret it never read before",
    Severity::Medium,
    &[OwaspNhi::NHI2, OwaspNhi::NHI5],
    "A service account with a settled baseline reads (get, list or watch) a secret, or a namespace's secrets, it never read before: a token being used to collect credentials.",
    "Check whether the workload changed; otherwise rotate the secrets read, the service account's token, and narrow its RBAC to resourceNames it needs.",
);

fn exec_detail(record: &Record) -> Option<String> {
    let how = k8s::subresource(record)?;
    let command = record
        .raw
        .get("requestURI")
        .and_then(Value::as_str)
        .map(|uri| {
            let commands: Vec<&str> = uri
                .split(['?', '&'])
                .filter_map(|part| part.strip_prefix("command="))
                .collect();
            if commands.is_empty() {
                String::new()
            } else {
                format!(" running {}", commands.join(" "))
            }
        })
        .unwrap_or_default();
    Some(format!("{how} into pod {}{command}", k8s::target(record)))
}

fn configmap_credentials(record: &Record) -> Option<String> {
    let object = k8s::request_object(record)?;
    let mut flagged = Vec::new();
    for field in ["data", "binaryData"] {
        let Some(entries) = object.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (key, value) in entries.iter() {
            let text = format!("{key}\n{}", value.as_str().unwrap_or("")).to_lowercase();
            let found: Vec<&str> = CREDENTIAL_MARKERS
                .iter()
                .copied()
                .filter(|marker| text.contains(marker))
                .collect();
            if !found.is_empty() {
                flagged.push(format!("{key} ({})", found.join(", ")));
            }
        }
    }
    (!flagged.is_empty()).then(|| {
        format!(
            "ConfigMap {} holds credential-like data in {}",
            k8s::target(record),
            flagged.join("; ")
        )
    })
}

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: POD_EXEC,
            source: LogSource::K8sAudit,
            actions: &[
                "create pods/exec",
                "create pods/attach",
                "get pods/exec",
                "get pods/attach",
            ],
            attempts: false,
            test: |record| {
                (!k8s::is_service_account(record))
                    .then(|| exec_detail(record))
                    .flatten()
            },
        },
        Pattern {
            rule: SERVICE_ACCOUNT_EXEC,
            source: LogSource::K8sAudit,
            actions: &[
                "create pods/exec",
                "create pods/attach",
                "get pods/exec",
                "get pods/attach",
            ],
            attempts: true,
            test: |record| {
                k8s::is_service_account(record)
                    .then(|| exec_detail(record))
                    .flatten()
            },
        },
        Pattern {
            rule: ANONYMOUS,
            source: LogSource::K8sAudit,
            actions: &["*"],
            attempts: true,
            test: |record| {
                let allowed = record
                    .raw
                    .pointer(["annotations", "authorization.k8s.io/decision"])
                    .and_then(Value::as_str)
                    == Some("allow")
                    || k8s::succeeded(record);
                let anonymous = k8s::username(record) == Some("system:anonymous");
                (anonymous && allowed && !k8s::is_health_check(record))
                    .then(|| format!("system:anonymous was allowed to {}", record.event.action))
            },
        },
        Pattern {
            rule: CONFIGMAP_CREDENTIALS,
            source: LogSource::K8sAudit,
            actions: &["create configmaps", "update configmaps", "patch configmaps"],
            attempts: false,
            test: configmap_credentials,
        },
    ],
    rules: &[&NEW_SECRET_READ],
    build: Some(|| Box::<SecretReads>::default()),
};

#[derive(Default)]
struct SecretReads {
    read: HashMap<String, Baseline<String>>,
}

impl Detector for SecretReads {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        if !k8s::is_k8s(record)
            || !matches!(k8s::verb(record), Some("get" | "list" | "watch"))
            || k8s::resource(record) != Some("secrets")
            || !k8s::is_service_account(record)
            || !k8s::succeeded(record)
        {
            return;
        }
        let secret = match (
            k8s::namespace(record),
            record
                .raw
                .pointer(["objectRef", "name"])
                .and_then(Value::as_str),
        ) {
            (namespace, Some(name)) => format!("{}/{name}", namespace.unwrap_or("")),
            (Some(namespace), None) => format!("{namespace}/*"),
            (None, None) => "*/* (every namespace)".to_string(),
        };
        let read = self
            .read
            .entry(seen.principal().to_string())
            .or_insert_with(|| Baseline::new(SECRETS));
        let new = read.learn(secret.clone());
        if seen.mature && new && !read.saturated() {
            let verb = k8s::verb(record).unwrap_or("read");
            hits.push(Hit::on(
                &NEW_SECRET_READ,
                seen,
                format!("first {verb} of secret {secret}"),
            ));
        }
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{k8s, service_account};
    use serde_json::{json, Value};
    let exec = |user: &str| {
        k8s(0, user, "create", "pods")
            .target("prod", "web-1")
            .subresource("exec")
            .done()
    };
    let builder = service_account("ci", "builder");
    let configmap = |data: Value| {
        k8s(0, "alice", "create", "configmaps")
            .target("prod", "app")
            .object(json!({"kind": "ConfigMap", "data": data}))
            .done()
    };
    let read = |second, name: &str| {
        k8s(second, &builder, "get", "secrets")
            .target("ci", name)
            .done()
    };
    let mut new_read: Vec<_> = (0..4).map(|i| read(i * 1200, "registry")).collect();
    new_read.push(read(5000, "prod-db"));
    let mut usual_read: Vec<_> = (0..4).map(|i| read(i * 1200, "registry")).collect();
    usual_read.push(read(5000, "registry"));
    vec![
        Example::new(
            POD_EXEC.id.as_ref(),
            vec![exec("alice")],
            vec![exec(&builder)],
        ),
        Example::new(
            SERVICE_ACCOUNT_EXEC.id.as_ref(),
            vec![exec(&builder)],
            vec![exec("alice")],
        ),
        Example::new(
            ANONYMOUS.id.as_ref(),
            vec![k8s(0, "system:anonymous", "list", "secrets").done()],
            vec![
                k8s(0, "system:anonymous", "get", "healthz")
                    .uri("/healthz")
                    .done(),
                k8s(0, "system:anonymous", "list", "secrets")
                    .forbidden()
                    .done(),
            ],
        ),
        Example::new(
            CONFIGMAP_CREDENTIALS.id.as_ref(),
            vec![configmap(json!({"app.properties": "db.password=hunter2"}))],
            vec![configmap(json!({"app.properties": "color=blue"}))],
        ),
        Example::new(NEW_SECRET_READ.id.as_ref(), new_read, usual_read),
    ]
}
