//! The EKS `aws-auth` ConfigMap (namespace `kube-system`): which IAM roles and users authenticate
//! to the cluster as which Kubernetes user and groups. Each mapping becomes a `can-assume` edge from
//! the AWS principal to the Kubernetes user and a `member-of` edge to each group, so a path can run
//! from a cloud role into the cluster (and to `system:masters`).

use super::objects::{self, ConfigMap};
use super::{ids, Emitter, Object};
use ids::attr;
use nhi_model::{EdgeKind, Identity, IdentityKind};
use serde::Deserialize;

/// One entry of `mapRoles` or `mapUsers`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Mapping {
    rolearn: Option<String>,
    userarn: Option<String>,
    username: Option<String>,
    groups: Vec<String>,
}

pub(super) fn config_map(em: &mut Emitter, object: &Object) -> Result<(), String> {
    let map: ConfigMap = objects::decode(&object.value)?;
    if map.metadata.name != "aws-auth" || em.namespace_of(&map.metadata).0 != "kube-system" {
        return Ok(());
    }
    let mut problems = Vec::new();
    for (key, prefix) in [("mapRoles", "aws:role:"), ("mapUsers", "aws:user:")] {
        let Some(text) = map.data.get(key) else {
            continue;
        };
        match serde_yaml_ng::from_str::<Option<Vec<Mapping>>>(text) {
            Ok(entries) => {
                for entry in entries.unwrap_or_default() {
                    add_mapping(em, object, key, prefix, entry);
                }
            }
            Err(err) => problems.push(format!("data.{key}: {err}")),
        }
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems.join("; ")),
    }
}

fn add_mapping(em: &mut Emitter, object: &Object, key: &str, prefix: &str, entry: Mapping) {
    let Some(arn) = entry
        .rolearn
        .or(entry.userarn)
        .filter(|arn| !arn.trim().is_empty())
    else {
        return;
    };
    let principal = format!("{prefix}{}", arn.trim());
    let method = format!("aws-auth {key}");
    let location = em.location_value(object.line);
    if let Some(user) = entry.username.filter(|u| !u.is_empty()) {
        let id = ids::user(&user);
        em.discovery.inventory.add_identity(Identity::new(
            id.clone(),
            IdentityKind::Unknown,
            "k8s",
            user,
        ));
        em.edge(
            principal.clone(),
            id,
            EdgeKind::CanAssume,
            method.clone(),
            vec![(attr::LOCATION, location.clone())],
        );
    }
    for group in entry.groups.into_iter().filter(|g| !g.is_empty()) {
        let id = ids::group(&group);
        em.discovery.inventory.add_identity(Identity::new(
            id.clone(),
            IdentityKind::Unknown,
            "k8s",
            group,
        ));
        em.edge(
            principal.clone(),
            id,
            EdgeKind::MemberOf,
            method.clone(),
            vec![(attr::LOCATION, location.clone())],
        );
    }
}
