//! What the engine knows per log source: which Sigma `logsource` routes to which normaliser, how
//! Sigma field names map onto paths in the raw record, and which fields rules are indexed by.
//! Field names without a mapping are paths into the raw record as written (`userIdentity.type`).

use super::error::LoadProblem;
use super::rule::Logsource;
use crate::normalise::LogSource;
use sonic_rs::{Value, ValueRef};

/// Sigma taxonomy names of the Kubernetes audit rules that are not raw paths. Pod fields are
/// arrays; resolution looks into every element.
const K8S_AUDIT_FIELDS: [(&str, &[&str]); 3] = [
    ("apiGroup", &["objectRef.apiGroup"]),
    ("hostPath", &["requestObject.spec.volumes.hostPath"]),
    (
        "capabilities",
        &[
            "requestObject.spec.containers.securityContext.capabilities",
            "requestObject.spec.initContainers.securityContext.capabilities",
            "requestObject.spec.ephemeralContainers.securityContext.capabilities",
        ],
    ),
];

/// The source whose events a rule with this `logsource` sees.
pub(crate) fn route(logsource: &Logsource) -> Result<LogSource, LoadProblem> {
    let lower = |part: &Option<String>| part.as_deref().map(str::to_ascii_lowercase);
    match (
        lower(&logsource.product).as_deref(),
        lower(&logsource.service).as_deref(),
    ) {
        (Some("aws"), None | Some("cloudtrail")) => Ok(LogSource::CloudTrail),
        (Some("kubernetes"), None | Some("audit")) => Ok(LogSource::K8sAudit),
        (Some("gcp"), None | Some("gcp.audit")) => Ok(LogSource::GcpAudit),
        (Some("azure"), Some("signinlogs")) => Ok(LogSource::AzureSignIn),
        (Some("github"), None | Some("audit")) => Ok(LogSource::GitHubAudit),
        _ => {
            let show = |part: &Option<String>| part.clone().unwrap_or_else(|| "-".into());
            Err(LoadProblem::UnsupportedLogSource(format!(
                "product {}, service {}, category {}",
                show(&logsource.product),
                show(&logsource.service),
                show(&logsource.category)
            )))
        }
    }
}

/// SigmaHQ's GCP audit field names (`gcp.audit.*`) and the `LogEntry` paths they read.
const GCP_AUDIT_FIELDS: [(&str, &str); 5] = [
    ("gcp.audit.method_name", "protoPayload.methodName"),
    ("gcp.audit.service_name", "protoPayload.serviceName"),
    ("gcp.audit.resource_name", "protoPayload.resourceName"),
    (
        "gcp.audit.principal_email",
        "protoPayload.authenticationInfo.principalEmail",
    ),
    (
        "gcp.audit.caller_ip",
        "protoPayload.requestMetadata.callerIp",
    ),
];

/// SigmaHQ's sign-in log field names (Log Analytics columns) whose Graph `signIn` field is not
/// the same name in lower camel case.
const AZURE_SIGNIN_FIELDS: [(&str, &str); 5] = [
    ("ResultType", "status.errorCode"),
    ("ResultDescription", "status.failureReason"),
    ("Username", "userPrincipalName"),
    ("ClientApp", "clientAppUsed"),
    ("IPAddress", "ipAddress"),
];

/// The raw paths a Sigma field name reads in records of `source`.
pub(crate) fn field_paths(source: LogSource, field: &str) -> Vec<FieldPath> {
    let paths: Vec<String> = match source {
        LogSource::K8sAudit => match K8S_AUDIT_FIELDS.iter().find(|(name, _)| *name == field) {
            Some((_, paths)) => paths.iter().map(|path| path.to_string()).collect(),
            None => vec![field.to_string()],
        },
        LogSource::GcpAudit => vec![gcp_audit_path(field)],
        LogSource::AzureSignIn => azure_signin_paths(field),
        LogSource::CloudTrail | LogSource::GitHubAudit => vec![field.to_string()],
    };
    paths.iter().map(|path| FieldPath::new(path)).collect()
}

/// `gcp.audit.method_name` and `data.protoPayload.methodName` (the Pub/Sub export's wrapper)
/// both read `protoPayload.methodName` of a `LogEntry`.
fn gcp_audit_path(field: &str) -> String {
    match GCP_AUDIT_FIELDS.iter().find(|(name, _)| *name == field) {
        Some((_, path)) => path.to_string(),
        None => field.strip_prefix("data.").unwrap_or(field).to_string(),
    }
}

/// A sign-in field as written, in lower camel case (the diagnostic envelope's and Graph's
/// spelling) and under its mapped Graph name, at the top of the record and inside a diagnostic
/// export's `properties`.
fn azure_signin_paths(field: &str) -> Vec<String> {
    let mut chars = field.chars();
    let camel = chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    });
    let mapped = AZURE_SIGNIN_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, path)| path.to_string());
    let mut paths = vec![field.to_string()];
    for path in std::iter::once(camel).chain(mapped) {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    let inside: Vec<String> = paths
        .iter()
        .map(|path| format!("properties.{path}"))
        .collect();
    paths.extend(inside);
    paths
}

/// Raw fields whose exact values most rules require: the engine indexes rules by them.
pub(crate) fn index_fields(source: LogSource) -> &'static [&'static str] {
    match source {
        LogSource::CloudTrail => &["eventName", "eventSource"],
        LogSource::K8sAudit => &["objectRef.resource", "verb"],
        LogSource::GcpAudit => &["protoPayload.methodName"],
        LogSource::AzureSignIn => &[],
        LogSource::GitHubAudit => &["action"],
    }
}

/// A dotted path into a raw record, split once at compile time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPath {
    pub name: String,
    segments: Vec<String>,
    /// `rests[i]`: the segments from `i` on, joined again, for records whose keys hold dots.
    rests: Vec<String>,
}

impl FieldPath {
    pub(crate) fn new(path: &str) -> Self {
        let segments: Vec<String> = path.split('.').map(str::to_string).collect();
        let rests = (0..segments.len())
            .map(|i| segments[i..].join("."))
            .collect();
        FieldPath {
            name: path.to_string(),
            segments,
            rests,
        }
    }

    /// Calls `found` with every value at this path. Arrays on the way are looked into element by
    /// element; where the nested path holds nothing, a key may hold the rest of the path with
    /// its dots (`{"a.b": 1}`, as flattened exports write records).
    pub(crate) fn resolve<'v>(&self, raw: &'v Value, found: &mut impl FnMut(&'v Value)) {
        self.walk(raw, 0, found);
    }

    /// [`FieldPath::resolve`] from `depth` on; whether anything was found.
    fn walk<'v>(&self, value: &'v Value, depth: usize, found: &mut impl FnMut(&'v Value)) -> bool {
        if depth == self.segments.len() {
            found(value);
            return true;
        }
        match value.as_ref() {
            ValueRef::Object(map) => {
                let nested = map
                    .get(&self.segments[depth])
                    .is_some_and(|child| self.walk(child, depth + 1, found));
                if nested || depth + 1 == self.segments.len() {
                    return nested;
                }
                map.get(&self.rests[depth]).map(found).is_some()
            }
            ValueRef::Array(items) => {
                // Every element is walked: no short cut once one holds the field.
                let mut any = false;
                for item in items.iter() {
                    any |= self.walk(item, depth, found);
                }
                any
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonic_rs::json;

    fn resolve(path: &str, raw: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        FieldPath::new(path).resolve(raw, &mut |value| out.push(value.clone()));
        out
    }

    #[test]
    fn resolves_nested_arrays_and_dotted_keys() {
        let raw = json!({"spec": {"volumes": [{"hostPath": {"path": "/"}}, {"emptyDir": {}}]},
                         "objectRef.resource": "pods", "a": {"b.c": 1}});
        assert_eq!(
            resolve("spec.volumes.hostPath", &raw),
            vec![json!({"path": "/"})]
        );
        assert_eq!(resolve("objectRef.resource", &raw), vec![json!("pods")]);
        assert_eq!(resolve("a.b.c", &raw), vec![json!(1)]);
        let both = json!({"a": {"b": 1}, "a.b": 2, "c": {"d": {}}, "c.d.e": 3});
        assert_eq!(resolve("a.b", &both), vec![json!(1)]);
        assert_eq!(resolve("c.d.e", &both), vec![json!(3)]);
        assert!(resolve("spec.missing", &raw).is_empty());
    }

    #[test]
    fn routes_aws_and_kubernetes_and_maps_taxonomy_names() {
        let aws = Logsource {
            product: Some("aws".into()),
            service: Some("cloudtrail".into()),
            category: None,
        };
        assert_eq!(route(&aws), Ok(LogSource::CloudTrail));
        let windows = Logsource {
            product: Some("windows".into()),
            ..Default::default()
        };
        assert!(matches!(
            route(&windows),
            Err(LoadProblem::UnsupportedLogSource(_))
        ));
        assert_eq!(
            field_paths(LogSource::K8sAudit, "apiGroup")[0].name,
            "objectRef.apiGroup"
        );
        assert_eq!(
            field_paths(LogSource::CloudTrail, "apiGroup")[0].name,
            "apiGroup"
        );
    }
}
