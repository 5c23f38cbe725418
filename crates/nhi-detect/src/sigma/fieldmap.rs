//! What the engine knows per log source: which Sigma `logsource` routes to which normaliser, how
//! Sigma field names map onto paths in the raw record, and which fields rules are indexed by.
//! Field names without a mapping are paths into the raw record as written (`userIdentity.type`).

use super::error::LoadProblem;
use super::rule::Logsource;
use crate::normalise::LogSource;
use serde_json::Value;

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

/// The raw paths a Sigma field name reads in records of `source`.
pub(crate) fn field_paths(source: LogSource, field: &str) -> Vec<FieldPath> {
    let mapped = match source {
        LogSource::K8sAudit => K8S_AUDIT_FIELDS
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, paths)| *paths),
        LogSource::CloudTrail => None,
    };
    match mapped {
        Some(paths) => paths.iter().map(|path| FieldPath::new(path)).collect(),
        None => vec![FieldPath::new(field)],
    }
}

/// Raw fields whose exact values most rules require: the engine indexes rules by them.
pub(crate) fn index_fields(source: LogSource) -> &'static [&'static str] {
    match source {
        LogSource::CloudTrail => &["eventName", "eventSource"],
        LogSource::K8sAudit => &["objectRef.resource", "verb"],
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
    /// element; a key may also hold the rest of the path with its dots (`{"a.b": 1}`).
    pub(crate) fn resolve<'v>(&self, raw: &'v Value, found: &mut impl FnMut(&'v Value)) {
        self.walk(raw, 0, found);
    }

    fn walk<'v>(&self, value: &'v Value, depth: usize, found: &mut impl FnMut(&'v Value)) {
        if depth == self.segments.len() {
            found(value);
            return;
        }
        match value {
            Value::Object(map) => {
                if let Some(child) = map.get(&self.segments[depth]) {
                    self.walk(child, depth + 1, found);
                }
                if depth + 1 < self.segments.len() {
                    if let Some(child) = map.get(&self.rests[depth]) {
                        found(child);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.walk(item, depth, found)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
