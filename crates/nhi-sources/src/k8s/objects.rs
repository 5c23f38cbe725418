//! The Kubernetes objects this source reads, typed from parsed JSON values.
//!
//! Only the fields nhi needs are declared; everything else is ignored. `null` where a list or map
//! is expected reads as empty (cluster dumps write `rules: null`). An object is recognised by API
//! group and kind together, so a custom resource that happens to be called `Role` is ignored.

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `metadata` of any object.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Meta {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub namespace: Option<String>,
    #[serde(deserialize_with = "string_map")]
    pub labels: BTreeMap<String, String>,
    #[serde(deserialize_with = "string_map")]
    pub annotations: BTreeMap<String, String>,
    pub creation_timestamp: Option<String>,
}

/// One rule of a Role or ClusterRole, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PolicyRule {
    #[serde(deserialize_with = "nullable")]
    pub verbs: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub api_groups: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub resources: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", deserialize_with = "nullable")]
    pub non_resource_urls: Vec<String>,
}

/// A Role or ClusterRole.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Role {
    pub metadata: Meta,
    #[serde(deserialize_with = "nullable")]
    pub rules: Vec<PolicyRule>,
    pub aggregation_rule: Option<AggregationRule>,
}

/// `aggregationRule` of a ClusterRole: label selectors kept as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct AggregationRule {
    #[serde(deserialize_with = "nullable")]
    pub cluster_role_selectors: Vec<Value>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Binding {
    pub metadata: Meta,
    pub role_ref: RoleRef,
    #[serde(deserialize_with = "nullable")]
    pub subjects: Vec<Subject>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RoleRef {
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Subject {
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub namespace: Option<String>,
}

/// A ServiceAccount.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ServiceAccount {
    pub metadata: Meta,
    pub automount_service_account_token: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub secrets: Vec<NameRef>,
}

/// `{name: ...}`: a reference to an object of the same namespace.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NameRef {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
}

/// A Secret. Values are kept as the parser gave them and only ever fingerprinted.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Secret {
    pub metadata: Meta,
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub secret_type: String,
    #[serde(deserialize_with = "nullable")]
    pub data: BTreeMap<String, Value>,
    #[serde(deserialize_with = "nullable")]
    pub string_data: BTreeMap<String, Value>,
}

/// A ConfigMap (only `aws-auth` is read).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ConfigMap {
    pub metadata: Meta,
    #[serde(deserialize_with = "string_map")]
    pub data: BTreeMap<String, String>,
}

/// The part of a pod spec that decides which identity a pod runs as and which secrets it holds.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PodSpec {
    pub service_account_name: Option<String>,
    /// Deprecated alias of `serviceAccountName`.
    pub service_account: Option<String>,
    pub automount_service_account_token: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub volumes: Vec<Volume>,
    #[serde(deserialize_with = "nullable")]
    pub containers: Vec<Container>,
    #[serde(deserialize_with = "nullable")]
    pub init_containers: Vec<Container>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Volume {
    pub secret: Option<SecretVolume>,
    pub projected: Option<ProjectedVolume>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SecretVolume {
    pub secret_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProjectedVolume {
    #[serde(deserialize_with = "nullable")]
    pub sources: Vec<ProjectedSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ProjectedSource {
    pub service_account_token: Option<ProjectedToken>,
    pub secret: Option<NameRef>,
}

/// A projected service account token volume source.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ProjectedToken {
    pub audience: Option<String>,
    pub expiration_seconds: Option<i64>,
    pub path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Container {
    #[serde(deserialize_with = "nullable")]
    pub env: Vec<EnvVar>,
    #[serde(deserialize_with = "nullable")]
    pub env_from: Vec<EnvFrom>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct EnvVar {
    pub value_from: Option<EnvSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct EnvSource {
    pub secret_key_ref: Option<NameRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct EnvFrom {
    pub secret_ref: Option<NameRef>,
}

/// The object kinds this source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    ServiceAccount,
    Secret,
    ConfigMap,
    Role,
    ClusterRole,
    RoleBinding,
    ClusterRoleBinding,
    /// A workload, with its kind name (`Deployment`) and the JSON pointer to its pod spec.
    Workload(&'static str, &'static str),
}

impl Kind {
    /// The kind of an object with this `apiVersion` and `kind`, or `None` for anything else.
    pub fn of(api_version: &str, kind: &str) -> Option<Kind> {
        let group = match api_version.rsplit_once('/') {
            Some((group, _version)) => group,
            None => "",
        };
        const TEMPLATE: &str = "/spec/template/spec";
        let found = match (group, kind) {
            ("", "ServiceAccount") => Kind::ServiceAccount,
            ("", "Secret") => Kind::Secret,
            ("", "ConfigMap") => Kind::ConfigMap,
            ("", "Pod") => Kind::Workload("Pod", "/spec"),
            ("", "ReplicationController") => Kind::Workload("ReplicationController", TEMPLATE),
            ("rbac.authorization.k8s.io", "Role") => Kind::Role,
            ("rbac.authorization.k8s.io", "ClusterRole") => Kind::ClusterRole,
            ("rbac.authorization.k8s.io", "RoleBinding") => Kind::RoleBinding,
            ("rbac.authorization.k8s.io", "ClusterRoleBinding") => Kind::ClusterRoleBinding,
            ("apps" | "extensions", "Deployment") => Kind::Workload("Deployment", TEMPLATE),
            ("apps" | "extensions", "DaemonSet") => Kind::Workload("DaemonSet", TEMPLATE),
            ("apps" | "extensions", "ReplicaSet") => Kind::Workload("ReplicaSet", TEMPLATE),
            ("apps", "StatefulSet") => Kind::Workload("StatefulSet", TEMPLATE),
            ("batch", "Job") => Kind::Workload("Job", TEMPLATE),
            ("batch", "CronJob") => {
                Kind::Workload("CronJob", "/spec/jobTemplate/spec/template/spec")
            }
            _ => return None,
        };
        Some(found)
    }
}

/// Deserialise `T` from a JSON value, with a short message on failure.
pub(crate) fn decode<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    T::deserialize(value).map_err(|err| err.to_string())
}

/// `null` reads as the type's default.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A map of strings where scalar values (`version: 1.2`, `enabled: true`) read as their text.
fn string_map<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw = Option::<BTreeMap<String, Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(raw
        .into_iter()
        .filter_map(|(key, value)| match value {
            Value::String(s) => Some((key, s)),
            Value::Bool(_) | Value::Number(_) => Some((key, value.to_string())),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_need_the_right_api_group() {
        assert_eq!(
            Kind::of("rbac.authorization.k8s.io/v1", "Role"),
            Some(Kind::Role)
        );
        assert_eq!(Kind::of("iam.cnrm.cloud.google.com/v1beta1", "Role"), None);
        assert_eq!(Kind::of("v1", "Deployment"), None);
        assert!(matches!(
            Kind::of("batch/v1", "CronJob"),
            Some(Kind::Workload("CronJob", _))
        ));
    }

    #[test]
    fn null_lists_read_as_empty_and_wrong_types_are_errors() {
        let role: Role =
            decode(&json!({"metadata": {"name": "r", "labels": {"v": 1.5}}, "rules": null}))
                .unwrap();
        assert!(role.rules.is_empty());
        assert_eq!(role.metadata.labels["v"], "1.5");
        let err = decode::<Role>(&json!({"rules": "everything"})).unwrap_err();
        assert!(err.contains("invalid type"), "{err}");
    }
}
