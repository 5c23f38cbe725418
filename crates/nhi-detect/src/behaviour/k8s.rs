//! Reading Kubernetes audit records for detectors: verb, target, user, the object requested and
//! the containers of a pod spec. Invariant: every reader returns `None` (or nothing) on a field
//! that is absent or of another type.

use crate::normalise::fields::get;
use crate::normalise::{LogSource, Record};
use nhi_model::Outcome;
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};

/// Whether the record comes from a Kubernetes audit log.
pub(crate) fn is_k8s(record: &Record) -> bool {
    record.source == LogSource::K8sAudit
}

fn text<'a>(record: &'a Record, path: &str) -> Option<&'a str> {
    get(&record.raw, path)?.as_str()
}

pub(crate) fn verb(record: &Record) -> Option<&str> {
    text(record, "verb")
}

pub(crate) fn resource(record: &Record) -> Option<&str> {
    text(record, "objectRef.resource")
}

pub(crate) fn subresource(record: &Record) -> Option<&str> {
    text(record, "objectRef.subresource")
}

pub(crate) fn namespace(record: &Record) -> Option<&str> {
    text(record, "objectRef.namespace")
}

/// The target's name, from the request path or, for creations, the object sent or returned.
pub(crate) fn name(record: &Record) -> Option<&str> {
    text(record, "objectRef.name")
        .or_else(|| text(record, "requestObject.metadata.name"))
        .or_else(|| text(record, "responseObject.metadata.name"))
}

/// `namespace/name`, `name`, or `?` when the record names neither.
pub(crate) fn target(record: &Record) -> String {
    match (namespace(record), name(record)) {
        (Some(namespace), Some(name)) => format!("{namespace}/{name}"),
        (None, Some(name)) => name.to_string(),
        (Some(namespace), None) => format!("{namespace}/?"),
        (None, None) => "?".to_string(),
    }
}

/// The authenticated user name as logged.
pub(crate) fn username(record: &Record) -> Option<&str> {
    text(record, "user.username")
}

/// Users the control plane itself runs as (`system:...`, service accounts included).
pub(crate) fn is_system_user(record: &Record) -> bool {
    username(record).is_none_or(|user| user.starts_with("system:"))
}

pub(crate) fn is_service_account(record: &Record) -> bool {
    record.event.principal.starts_with("k8s:serviceaccount:")
}

/// The object the client sent (create, update, patch).
pub(crate) fn request_object(record: &Record) -> Option<&Value> {
    get(&record.raw, "requestObject")
}

/// Whether the API server allowed and completed the request.
pub(crate) fn succeeded(record: &Record) -> bool {
    record.event.outcome == Outcome::Success
}

/// Every container of a pod spec: init, regular and ephemeral.
pub(crate) fn containers(spec: &Value) -> impl Iterator<Item = &Value> {
    ["initContainers", "containers", "ephemeralContainers"]
        .into_iter()
        .filter_map(|field| spec.get(field).and_then(Value::as_array))
        .flatten()
}

/// The pod spec of a pod being created.
pub(crate) fn pod_spec(record: &Record) -> Option<&Value> {
    let object = request_object(record)?;
    (object.get("kind").and_then(Value::as_str) != Some("Status"))
        .then(|| object.get("spec"))
        .flatten()
}

/// Whether a path of a `/api/...` request names a health or version endpoint.
pub(crate) fn is_health_check(record: &Record) -> bool {
    let uri = text(record, "requestURI").unwrap_or("");
    let path = uri.split('?').next().unwrap_or("");
    ["/healthz", "/livez", "/readyz", "/version"]
        .iter()
        .any(|health| path == *health || path.starts_with(&format!("{health}/")))
}

/// The names of a pod's containers and their images, for summaries.
pub(crate) fn images(spec: &Value) -> String {
    let images: Vec<&str> = containers(spec)
        .filter_map(|container| container.get("image").and_then(Value::as_str))
        .collect();
    if images.is_empty() {
        "no image named".to_string()
    } else {
        images.join(", ")
    }
}
