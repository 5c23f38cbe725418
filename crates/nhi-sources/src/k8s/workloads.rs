//! Workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
//! CronJob): which service account their pods run as, whether its token is mounted, which secrets
//! they receive and which projected tokens they request. One `uses` edge per workload.

use super::objects::{self, PodSpec};
use super::{accounts, ids, Emitter, Object};
use ids::attr;
use nhi_model::EdgeKind;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub(super) fn workload(
    em: &mut Emitter,
    object: &Object,
    kind: &str,
    pod_spec: &str,
) -> Result<(), String> {
    let name = object.meta_name().unwrap_or_default().to_string();
    let meta: objects::Meta =
        objects::decode(object.value.get("metadata").unwrap_or(&Value::Null))?;
    let (namespace, _) = em.namespace_of(&meta);
    let spec: PodSpec = match object.value.pointer(pod_spec) {
        Some(value) => objects::decode(value).map_err(|err| format!("pod spec: {err}"))?,
        None => PodSpec::default(),
    };
    let account = spec
        .service_account_name
        .as_deref()
        .or(spec.service_account.as_deref())
        .filter(|name| !name.is_empty())
        .unwrap_or("default");
    let identity = accounts::referenced(&namespace, account);
    let account_id = identity.id.clone();
    em.discovery.inventory.add_identity(identity);

    let mut attributes = vec![
        (attr::WORKLOAD, Value::String(kind.to_string())),
        (attr::LOCATION, em.location_value(object.line)),
    ];
    if let Some(automount) = spec.automount_service_account_token {
        attributes.push((attr::AUTOMOUNT, Value::Bool(automount)));
    }
    let volumes = secret_volumes(&spec);
    if !volumes.is_empty() {
        attributes.push((attr::SECRET_VOLUMES, json!(volumes)));
    }
    let env = secret_env(&spec);
    if !env.is_empty() {
        attributes.push((attr::SECRET_ENV, json!(env)));
    }
    let tokens = projected_tokens(&spec);
    if !tokens.is_empty() {
        attributes.push((attr::PROJECTED_TOKENS, Value::Array(tokens)));
    }
    let workload_id = ids::workload(kind, &namespace, &name);
    let method = format!("{kind} {namespace}/{name} runs as this service account");
    em.edge(workload_id, account_id, EdgeKind::Uses, method, attributes);
    Ok(())
}

/// Secrets mounted as volumes, directly or through a projected volume.
fn secret_volumes(spec: &PodSpec) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    for volume in &spec.volumes {
        if let Some(name) = volume
            .secret
            .as_ref()
            .and_then(|s| s.secret_name.as_deref())
        {
            names.insert(name);
        }
        for source in volume.projected.iter().flat_map(|p| &p.sources) {
            if let Some(secret) = &source.secret {
                names.insert(secret.name.as_str());
            }
        }
    }
    names.remove("");
    names
}

/// Secrets injected as environment variables (`secretKeyRef`, `envFrom.secretRef`).
fn secret_env(spec: &PodSpec) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    for container in spec.containers.iter().chain(&spec.init_containers) {
        for var in &container.env {
            if let Some(secret) = var
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                names.insert(secret.name.as_str());
            }
        }
        for from in &container.env_from {
            if let Some(secret) = &from.secret_ref {
                names.insert(secret.name.as_str());
            }
        }
    }
    names.remove("");
    names
}

/// Projected service account tokens: audience, lifetime (Kubernetes' default is one hour), path.
fn projected_tokens(spec: &PodSpec) -> Vec<Value> {
    spec.volumes
        .iter()
        .flat_map(|volume| volume.projected.iter().flat_map(|p| &p.sources))
        .filter_map(|source| source.service_account_token.as_ref())
        .map(|token| {
            json!({
                "audience": token.audience,
                "expiration_seconds": token.expiration_seconds.unwrap_or(3600),
                "path": token.path,
            })
        })
        .collect()
}
