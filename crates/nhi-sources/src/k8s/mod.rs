//! The Kubernetes source: manifests, `kubectl get ... -o yaml|json` dumps (including `List`
//! objects) and Helm-rendered output, recognised by content (`apiVersion` and `kind`).
//!
//! What lands in the inventory, the contract `nhi-analysis::k8s` reads (ids in `ids.rs`):
//! - identities: service accounts (declared, or only referenced by a binding or a workload), and
//!   the users and groups that bindings name as subjects;
//! - grants: one per role rule, held by the role's node (`k8s:clusterrole:<name>`,
//!   `k8s:role:<ns>/<name>`): `actions` are the verbs, `resources` readable names
//!   (`deployments.apps`, `pods/exec`, `/healthz`) and `conditions` the rule exactly as written;
//! - edges: scope (`k8s:cluster`, `k8s:namespace:<ns>`) `owns` each role, with its labels and
//!   aggregation selectors; each binding subject is `bound-to` the role, with the binding's id;
//!   each workload `uses` its service account, with automount, mounted secrets and projected
//!   tokens; cloud workload-identity annotations make `can-assume` edges to the cloud identity; the
//!   EKS `aws-auth` ConfigMap makes edges from AWS principals to the users and groups they become;
//! - credentials: legacy service account token Secrets, by keyed fingerprint only.
//!
//! Invariants: no Secret value is stored, logged or returned; a bad document or object gives one
//! error and the rest of the file still counts; unknown kinds are ignored quietly. Namespaced
//! objects written without a namespace (meant for `kubectl apply -n`) take the file's install
//! namespace when cluster-scoped bindings in the same file name it unambiguously, else `default`.

mod accounts;
mod aws_auth;
mod documents;
mod ids;
mod objects;
mod rbac;
mod workloads;

#[cfg(test)]
mod tests;

use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use nhi_model::{Edge, EdgeKind, Fingerprinter, Location};
use objects::{Kind, Meta};
use serde_json::Value;
use std::collections::BTreeSet;

/// Extensions of files read when their content looks like Kubernetes objects.
const EXTENSIONS: &[&str] = &["yaml", "yml", "json", ""];

/// Reads Kubernetes manifests.
pub(crate) struct K8sSource;

impl Source for K8sSource {
    fn name(&self) -> &'static str {
        "k8s"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        EXTENSIONS.contains(&file.extension().as_str())
            && memchr::memmem::find(file.bytes, b"apiVersion").is_some()
            && memchr::memmem::find(file.bytes, b"kind").is_some()
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let Ok(text) = std::str::from_utf8(file.bytes) else {
            out.errors
                .push(SourceError::new(file.path, None, "not UTF-8 text"));
            return;
        };
        let mut objects = Vec::new();
        for doc in documents::split(text) {
            match documents::parse(&doc) {
                Ok(value) => collect_objects(value, &doc, &mut objects),
                Err(err) => out.errors.push(SourceError::new(
                    file.path,
                    Some(err.line()),
                    err.to_string(),
                )),
            }
        }
        let (namespace, inferred) = install_namespace(&objects);
        let mut emitter = Emitter {
            path: file.path,
            fingerprinter: ctx.fingerprinter,
            default_namespace: namespace,
            namespace_inferred: inferred,
            discovery: out,
        };
        for object in &objects {
            if let Some(err) = object.helm_template() {
                emitter.discovery.errors.push(SourceError::new(
                    file.path,
                    Some(err.line()),
                    err.to_string(),
                ));
                continue;
            }
            if let Err(message) = emitter.emit(object) {
                let name = object.meta_name().unwrap_or("<unnamed>");
                let message = format!("{} {name}: {message}", object.kind_name);
                emitter.discovery.errors.push(SourceError::new(
                    file.path,
                    Some(object.line),
                    message,
                ));
            }
        }
    }
}

/// One recognised object of a file.
struct Object {
    kind: Kind,
    kind_name: String,
    value: Value,
    /// 1-based line where the object starts (best effort inside a `List`).
    line: u32,
    /// 1-based document index, for messages.
    document: usize,
}

impl Object {
    fn meta_name(&self) -> Option<&str> {
        self.value.pointer("/metadata/name").and_then(Value::as_str)
    }

    /// A quoted template (`name: "{{ .Values.name }}"`) parses fine but names nothing real.
    fn helm_template(&self) -> Option<documents::DocumentError> {
        let namespace = self
            .value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str);
        [self.meta_name(), namespace]
            .into_iter()
            .flatten()
            .any(|text| text.contains("{{"))
            .then_some(documents::DocumentError::HelmTemplate {
                index: self.document,
                line: self.line,
            })
    }
}

/// Add the recognised objects of one parsed document (expanding `List`s) to `out`.
fn collect_objects(value: Value, doc: &documents::Document, out: &mut Vec<Object>) {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind.ends_with("List") {
        if let Some(Value::Array(items)) = value.get("items") {
            let mut search_from = 0;
            for item in items {
                let line = item_line(doc, item, &mut search_from);
                push_object(item.clone(), line, doc.index, out);
            }
        }
        return;
    }
    let line = first_content_line(doc);
    push_object(value, line, doc.index, out);
}

fn push_object(value: Value, line: u32, document: usize, out: &mut Vec<Object>) {
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind_name = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(kind) = Kind::of(api_version, kind_name) {
        out.push(Object {
            kind,
            kind_name: kind_name.to_string(),
            value,
            line,
            document,
        });
    }
}

/// The line of the document's first line that is neither blank nor a comment.
fn first_content_line(doc: &documents::Document) -> u32 {
    let skipped = doc
        .text
        .lines()
        .take_while(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
        .count();
    doc.line + skipped as u32
}

/// The line of a `List` item: where its `name: <metadata.name>` first appears after the previous
/// item's, else the document's first line.
fn item_line(doc: &documents::Document, item: &Value, search_from: &mut usize) -> u32 {
    let Some(name) = item.pointer("/metadata/name").and_then(Value::as_str) else {
        return first_content_line(doc);
    };
    let json_forms = [
        format!("\"name\": \"{name}\""),
        format!("\"name\":\"{name}\""),
    ];
    let found = doc
        .text
        .lines()
        .enumerate()
        .skip(*search_from)
        .find(|(_, line)| {
            let yaml_form = line
                .trim_start()
                .strip_prefix("name:")
                .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == name);
            yaml_form || json_forms.iter().any(|form| line.contains(form.as_str()))
        });
    match found {
        Some((index, _)) => {
            *search_from = index + 1;
            doc.line + index as u32
        }
        None => first_content_line(doc),
    }
}

/// The namespace for namespaced objects written without one: the single namespace that the
/// file's cluster-scoped bindings give to service accounts the file declares without a namespace
/// (argo-cd's `install.yaml` is written this way), else `default`. Also says whether it was inferred.
fn install_namespace(objects: &[Object]) -> (String, bool) {
    let unplaced: BTreeSet<&str> = objects
        .iter()
        .filter(|o| {
            o.kind == Kind::ServiceAccount && o.value.pointer("/metadata/namespace").is_none()
        })
        .filter_map(Object::meta_name)
        .collect();
    let mut candidates = BTreeSet::new();
    for object in objects
        .iter()
        .filter(|o| o.kind == Kind::ClusterRoleBinding)
    {
        let Some(Value::Array(subjects)) = object.value.get("subjects") else {
            continue;
        };
        for subject in subjects {
            let is_sa = subject.get("kind").and_then(Value::as_str) == Some("ServiceAccount");
            let name = subject
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if let (true, true, Some(ns)) = (
                is_sa,
                unplaced.contains(name),
                subject.get("namespace").and_then(Value::as_str),
            ) {
                candidates.insert(ns);
            }
        }
    }
    match (candidates.len(), candidates.first()) {
        (1, Some(ns)) => (ns.to_string(), true),
        _ => ("default".to_string(), false),
    }
}

/// Turns objects of one file into inventory.
pub(crate) struct Emitter<'a> {
    path: &'a str,
    fingerprinter: &'a Fingerprinter,
    default_namespace: String,
    namespace_inferred: bool,
    discovery: &'a mut Discovery,
}

impl Emitter<'_> {
    fn emit(&mut self, object: &Object) -> Result<(), String> {
        let meta: Meta = objects::decode(object.value.get("metadata").unwrap_or(&Value::Null))
            .map_err(|err| format!("metadata: {err}"))?;
        if meta.name.is_empty() {
            return Err("no metadata.name".to_string());
        }
        match object.kind {
            Kind::ServiceAccount => accounts::service_account(self, object),
            Kind::Secret => accounts::secret(self, object),
            Kind::ConfigMap => aws_auth::config_map(self, object),
            Kind::Role | Kind::ClusterRole => rbac::role(self, object),
            Kind::RoleBinding | Kind::ClusterRoleBinding => rbac::binding(self, object),
            Kind::Workload(kind, pod_spec) => workloads::workload(self, object, kind, pod_spec),
        }
    }

    /// The namespace of a namespaced object, and whether it was inferred rather than written.
    fn namespace_of(&self, meta: &Meta) -> (String, bool) {
        match meta.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            Some(ns) => (ns.to_string(), false),
            None => (self.default_namespace.clone(), self.namespace_inferred),
        }
    }

    fn location(&self, line: u32) -> Location {
        Location::file(self.path, Some(line))
    }

    fn location_value(&self, line: u32) -> Value {
        serde_json::to_value(self.location(line)).unwrap_or(Value::Null)
    }

    /// Add an edge with a human `method` and extra attributes.
    fn edge(
        &mut self,
        from: String,
        to: String,
        kind: EdgeKind,
        method: String,
        attributes: Vec<(&str, Value)>,
    ) {
        let mut edge = Edge {
            from,
            to,
            kind,
            attributes: Default::default(),
        };
        edge.attributes
            .insert(ids::attr::METHOD.to_string(), Value::String(method));
        for (key, value) in attributes {
            edge.attributes.insert(key.to_string(), value);
        }
        self.discovery.inventory.edges.push(edge);
    }
}
