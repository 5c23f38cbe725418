//! IAM policies: `gcloud projects|folders|organizations get-iam-policy --format=json` (one policy)
//! and Cloud Asset Inventory records (`gcloud asset search-all-iam-policies --format=json`: an
//! array of `{resource, project, policy}`). Each member of each binding becomes a grant of the
//! role on the policy's resource; each service-account member also becomes an identity.
//!
//! Invariants: grants from here have `source` `gcp:iam-policy:<resource>`, which is how analysis
//! tells them apart; members are named `gcp:serviceaccount:<email>`, `gcp:user:<email>`,
//! `gcp:group:<email>`, `gcp:domain:<domain>`, `gcp:public:allUsers|allAuthenticatedUsers`, a
//! Workload Identity member `k8s:serviceaccount:<namespace>/<name>`, anything else
//! `gcp:member:<raw>`.

use super::account;
use super::policy_scope::{ProjectGuess, Scope};
use crate::cloud_export::{looks_like, Export};
use crate::{Discovery, Source, SourceContext, SourceFile};
use nhi_model::Grant;
use serde::Deserialize;
use serde_json::Value;

/// Reads IAM policies.
pub(crate) struct IamPolicy;

#[derive(Deserialize)]
struct Binding {
    role: String,
    #[serde(default)]
    members: Vec<String>,
    condition: Option<Value>,
}

#[derive(Deserialize, Default)]
struct Policy {
    #[serde(default)]
    bindings: Vec<Binding>,
}

/// A bare policy, or an asset record that wraps one with the resource it is attached to.
#[derive(Deserialize)]
struct PolicyDocument {
    #[serde(default)]
    bindings: Vec<Binding>,
    policy: Option<Policy>,
    resource: Option<String>,
    /// Asset records: `projects/<number>` of the resource.
    project: Option<String>,
}

/// A policy member: its id, and its email when it is a Google service account.
#[derive(Debug, PartialEq, Eq)]
struct Member<'a> {
    id: String,
    service_account: Option<&'a str>,
}

fn member(raw: &str) -> Member<'_> {
    let other = |id: String| Member {
        id,
        service_account: None,
    };
    let Some((kind, name)) = raw.split_once(':') else {
        return match raw {
            "allUsers" | "allAuthenticatedUsers" => other(format!("gcp:public:{raw}")),
            _ => other(format!("gcp:member:{raw}")),
        };
    };
    match kind {
        "serviceAccount" => match workload_identity(name) {
            Some(k8s) => other(k8s),
            None => Member {
                id: account::identity_id(name),
                service_account: Some(name),
            },
        },
        "user" | "group" | "domain" => other(format!("gcp:{kind}:{}", name.to_ascii_lowercase())),
        "deleted" => other(format!("gcp:deleted:{name}")),
        _ => other(format!("gcp:member:{raw}")),
    }
}

/// `PROJECT.svc.id.goog[NAMESPACE/NAME]` is a Kubernetes service account acting through
/// Workload Identity: name it as the Kubernetes sources do.
fn workload_identity(name: &str) -> Option<String> {
    let (pool, rest) = name.split_once('[')?;
    let subject = rest.strip_suffix(']')?;
    (pool.ends_with(".svc.id.goog") && subject.contains('/'))
        .then(|| format!("k8s:serviceaccount:{subject}"))
}

impl Source for IamPolicy {
    fn name(&self) -> &'static str {
        "gcp-iam-policy"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        looks_like(file, &["\"bindings\"", "\"members\"", "\"role\""])
    }

    fn read(&self, file: &SourceFile, _ctx: &SourceContext, out: &mut Discovery) {
        let export = match Export::new(file, "GCP IAM policy") {
            Ok(export) => export,
            Err(err) => return out.errors.push(err),
        };
        let documents = if export.is_array() {
            export.parse::<Vec<PolicyDocument>>()
        } else {
            export.parse::<PolicyDocument>().map(|doc| vec![doc])
        };
        let documents = match documents {
            Ok(documents) => documents,
            Err(err) => return out.errors.push(err),
        };
        let mut lines = export.lines();
        for document in documents {
            read_document(document, &export, &mut lines, file.path, out);
        }
    }
}

fn read_document(
    document: PolicyDocument,
    export: &Export,
    lines: &mut crate::cloud_export::LineCursor,
    path: &str,
    out: &mut Discovery,
) {
    let mut bindings = document.bindings;
    bindings.extend(document.policy.unwrap_or_default().bindings);
    let emails = bindings
        .iter()
        .flat_map(|b| &b.members)
        .filter_map(|m| member(m).service_account);
    let guess = ProjectGuess::from_members(emails);
    let scope = match document.resource.as_deref() {
        Some(resource) => Scope::from_resource(resource),
        None => Scope::from_path(path).unwrap_or_else(|| guess.scope()),
    };
    let resource = scope.resource();
    let project_id = match &scope {
        Scope::Project(id) if !scope.is_unknown_project() => Some(id.as_str()),
        Scope::Project(_) => guess.id.as_deref(),
        _ => None,
    };
    let account = document
        .project
        .or_else(|| project_id.map(|id| format!("projects/{id}")))
        .or_else(|| (!matches!(scope, Scope::Project(_))).then(|| resource.clone()));

    for binding in bindings {
        let line = lines.seek(&binding.role);
        for raw in &binding.members {
            let member = member(raw);
            if let Some(email) = member.service_account {
                let mut facts = account::facts(email);
                facts.complete_with(project_id, guess.number.as_deref());
                out.inventory.add_identity(facts.identity(email));
            }
            out.inventory.grants.push(Grant {
                identity: member.id,
                effect: "allow".into(),
                actions: vec![binding.role.clone()],
                resources: vec![resource.clone()],
                conditions: binding.condition.clone(),
                source: Some(format!("gcp:iam-policy:{resource}")),
                access_level: None,
                location: Some(export.location(line, account.clone())),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_kind_of_member() {
        let sa = member("serviceAccount:CI@p.iam.gserviceaccount.com");
        assert_eq!(sa.id, "gcp:serviceaccount:ci@p.iam.gserviceaccount.com");
        assert_eq!(sa.service_account, Some("CI@p.iam.gserviceaccount.com"));
        assert_eq!(
            member("user:Ops@example.com").id,
            "gcp:user:ops@example.com"
        );
        assert_eq!(
            member("group:devs@example.com").id,
            "gcp:group:devs@example.com"
        );
        assert_eq!(member("allUsers").id, "gcp:public:allUsers");
        assert_eq!(
            member("allAuthenticatedUsers").id,
            "gcp:public:allAuthenticatedUsers"
        );
        let wi = member("serviceAccount:prod.svc.id.goog[billing/exporter]");
        assert_eq!(wi.id, "k8s:serviceaccount:billing/exporter");
        assert_eq!(wi.service_account, None);
        assert_eq!(
            member("deleted:serviceAccount:old@p.iam.gserviceaccount.com?uid=1").id,
            "gcp:deleted:serviceAccount:old@p.iam.gserviceaccount.com?uid=1"
        );
        assert_eq!(member("principal://x").id, "gcp:member:principal://x");
    }
}
