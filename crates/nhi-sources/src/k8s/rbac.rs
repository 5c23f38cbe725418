//! Roles, ClusterRoles and their bindings.
//!
//! A role becomes an `owns` edge from its scope (labels and aggregation selectors) plus one grant
//! per rule; a binding becomes one `bound-to` edge per subject. Nothing is resolved here: a
//! binding may name a role defined in another file, so the analysis joins them.

use super::objects::{self, Kind, PolicyRule, Subject};
use super::{accounts, ids, Emitter, Object};
use ids::attr;
use nhi_model::{EdgeKind, Grant, Identity, IdentityKind};
use serde_json::{json, Map, Value};

/// Label that marks objects of the Kubernetes bootstrap policy.
const BOOTSTRAP_LABEL: (&str, &str) = ("kubernetes.io/bootstrapping", "rbac-defaults");

pub(super) fn role(em: &mut Emitter, object: &Object) -> Result<(), String> {
    let role: objects::Role = objects::decode(&object.value)?;
    let namespace = (object.kind == Kind::Role).then(|| em.namespace_of(&role.metadata).0);
    let role_id = ids::role(namespace.as_deref(), &role.metadata.name);
    let source = match &namespace {
        Some(ns) => format!("Role {ns}/{}", role.metadata.name),
        None => format!("ClusterRole {}", role.metadata.name),
    };
    let mut attributes = vec![(attr::LOCATION, em.location_value(object.line))];
    if !role.metadata.labels.is_empty() {
        attributes.push((attr::LABELS, json!(role.metadata.labels)));
    }
    if let (None, Some(rule)) = (&namespace, &role.aggregation_rule) {
        attributes.push((
            attr::AGGREGATION,
            Value::Array(rule.cluster_role_selectors.clone()),
        ));
    }
    let scope = ids::scope(namespace.as_deref());
    em.edge(
        scope,
        role_id.clone(),
        EdgeKind::Owns,
        format!("declares {source}"),
        attributes,
    );
    for rule in &role.rules {
        em.discovery.inventory.grants.push(Grant {
            identity: role_id.clone(),
            effect: "allow".to_string(),
            actions: rule.verbs.clone(),
            resources: readable_resources(rule),
            conditions: Some(rule_as_written(rule)),
            source: Some(source.clone()),
            access_level: None,
            location: Some(em.location(object.line)),
        });
    }
    Ok(())
}

/// `pods`, `deployments.apps`, `pods/exec`, `*.metrics.k8s.io`, or the non-resource URLs.
fn readable_resources(rule: &PolicyRule) -> Vec<String> {
    if !rule.non_resource_urls.is_empty() {
        return rule.non_resource_urls.clone();
    }
    if rule.api_groups.is_empty() {
        return rule.resources.clone();
    }
    let mut names = Vec::new();
    for group in &rule.api_groups {
        for resource in &rule.resources {
            names.push(match group.as_str() {
                "" => resource.clone(),
                group => match resource.split_once('/') {
                    Some((base, sub)) => format!("{base}.{group}/{sub}"),
                    None => format!("{resource}.{group}"),
                },
            });
        }
    }
    names
}

/// The rule's matching fields exactly as written (empty lists left out).
fn rule_as_written(rule: &PolicyRule) -> Value {
    let mut map = Map::new();
    for (key, list) in [
        ("apiGroups", &rule.api_groups),
        ("resources", &rule.resources),
        ("resourceNames", &rule.resource_names),
        ("nonResourceURLs", &rule.non_resource_urls),
    ] {
        if !list.is_empty() {
            map.insert(key.to_string(), json!(list));
        }
    }
    Value::Object(map)
}

pub(super) fn binding(em: &mut Emitter, object: &Object) -> Result<(), String> {
    let binding: objects::Binding = objects::decode(&object.value)?;
    let namespace =
        (object.kind == Kind::RoleBinding).then(|| em.namespace_of(&binding.metadata).0);
    let role_id = match (binding.role_ref.kind.as_str(), &namespace) {
        ("ClusterRole", _) => ids::role(None, &binding.role_ref.name),
        ("Role", Some(ns)) => ids::role(Some(ns), &binding.role_ref.name),
        ("Role", None) => return Err("a ClusterRoleBinding cannot refer to a Role".to_string()),
        (other, _) => {
            return Err(format!(
                "roleRef.kind must be Role or ClusterRole, not '{other}'"
            ))
        }
    };
    if binding.role_ref.name.is_empty() {
        return Err("roleRef without a name".to_string());
    }
    let binding_id = ids::binding(namespace.as_deref(), &binding.metadata.name);
    let method = match &namespace {
        Some(ns) => format!("RoleBinding {ns}/{}", binding.metadata.name),
        None => format!("ClusterRoleBinding {}", binding.metadata.name),
    };
    let bootstrap = binding
        .metadata
        .labels
        .get(BOOTSTRAP_LABEL.0)
        .map(String::as_str)
        == Some(BOOTSTRAP_LABEL.1);
    let mut problems = Vec::new();
    for subject in &binding.subjects {
        let subject_id = match subject_identity(em, subject, namespace.as_deref()) {
            Ok(id) => id,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let mut attributes = vec![
            (attr::BINDING, Value::String(binding_id.clone())),
            (attr::LOCATION, em.location_value(object.line)),
        ];
        if bootstrap {
            attributes.push((attr::BOOTSTRAP, Value::Bool(true)));
        }
        em.edge(
            subject_id,
            role_id.clone(),
            EdgeKind::BoundTo,
            method.clone(),
            attributes,
        );
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems.join("; ")),
    }
}

/// Add the subject's identity and return its id.
fn subject_identity(
    em: &mut Emitter,
    subject: &Subject,
    binding_namespace: Option<&str>,
) -> Result<String, String> {
    if subject.name.is_empty() {
        return Err(format!("{} subject without a name", subject.kind));
    }
    let identity = match subject.kind.as_str() {
        "ServiceAccount" => {
            let namespace = subject
                .namespace
                .as_deref()
                .filter(|ns| !ns.is_empty())
                .or(binding_namespace)
                .ok_or_else(|| {
                    format!(
                        "ServiceAccount subject {} without a namespace",
                        subject.name
                    )
                })?;
            accounts::referenced(namespace, &subject.name)
        }
        "User" => Identity::new(
            ids::user(&subject.name),
            IdentityKind::Unknown,
            "k8s",
            &subject.name,
        ),
        "Group" => Identity::new(
            ids::group(&subject.name),
            IdentityKind::Unknown,
            "k8s",
            &subject.name,
        ),
        other => return Err(format!("unknown subject kind '{other}'")),
    };
    let id = identity.id.clone();
    em.discovery.inventory.add_identity(identity);
    Ok(id)
}
