//! Small clusters for rule examples and tests, written in the shape the Kubernetes source gives
//! the inventory (role grants, `owns`, `bound-to` and `uses` edges), so that examples exercise the
//! same path as a scan.

use nhi_model::{
    Credential, CredentialKind, Edge, EdgeKind, Grant, Identity, IdentityKind, Inventory, Location,
};
use serde_json::{json, Value};

/// One role rule: `(apiGroups, resources, verbs, resourceNames)`; non-resource URLs are written
/// as resources starting with `/`.
pub(crate) type RuleSpec<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [&'a str]);

/// A cluster being written.
#[derive(Default)]
pub(crate) struct Estate {
    inventory: Inventory,
    line: u32,
}

impl Estate {
    pub fn new() -> Estate {
        Estate::default()
    }

    fn location(&mut self) -> Value {
        self.line += 10;
        json!(Location::file("cluster.yaml", Some(self.line)))
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, attributes: Vec<(&str, Value)>) {
        let mut edge = Edge {
            from: from.to_string(),
            to: to.to_string(),
            kind,
            attributes: Default::default(),
        };
        let location = self.location();
        edge.attributes.insert("location".to_string(), location);
        for (key, value) in attributes {
            edge.attributes.insert(key.to_string(), value);
        }
        self.inventory.edges.push(edge);
    }

    /// A ClusterRole (`namespace` `None`) or Role with these rules and labels.
    pub fn role(
        mut self,
        namespace: Option<&str>,
        name: &str,
        rules: &[RuleSpec],
        labels: &[(&str, &str)],
    ) -> Estate {
        let id = role_id(namespace, name);
        let scope = namespace.map_or("k8s:cluster".to_string(), |ns| {
            format!("k8s:namespace:{ns}")
        });
        let labels: serde_json::Map<String, Value> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        self.edge(
            &scope,
            &id,
            EdgeKind::Owns,
            vec![("labels", Value::Object(labels))],
        );
        for (groups, resources, verbs, names) in rules {
            let (urls, resources): (Vec<&str>, Vec<&str>) =
                resources.iter().partition(|r| r.starts_with('/'));
            let conditions = match urls.is_empty() {
                true => {
                    json!({"apiGroups": groups, "resources": resources, "resourceNames": names})
                }
                false => json!({"nonResourceURLs": urls}),
            };
            self.inventory.grants.push(Grant {
                identity: id.clone(),
                effect: "allow".to_string(),
                actions: verbs.iter().map(|v| v.to_string()).collect(),
                resources: Vec::new(),
                conditions: Some(conditions),
                source: None,
                access_level: None,
                location: None,
            });
        }
        self
    }

    /// A ClusterRole that aggregates the ClusterRoles labelled `label: "true"`.
    #[cfg(test)]
    pub fn aggregated_role(mut self, name: &str, label: &str) -> Estate {
        let selectors = json!([{"matchLabels": {label: "true"}}]);
        self.edge(
            "k8s:cluster",
            &role_id(None, name),
            EdgeKind::Owns,
            vec![("aggregation_selectors", selectors)],
        );
        self
    }

    /// A binding in `namespace` (a ClusterRoleBinding when `None`) of the role with id `role`
    /// to subjects given by identity id.
    pub fn binding(
        mut self,
        namespace: Option<&str>,
        name: &str,
        role: &str,
        subjects: &[&str],
    ) -> Estate {
        let binding = match namespace {
            Some(ns) => format!("k8s:rolebinding:{ns}/{name}"),
            None => format!("k8s:clusterrolebinding:{name}"),
        };
        for subject in subjects {
            self.edge(
                subject,
                role,
                EdgeKind::BoundTo,
                vec![("binding", json!(binding))],
            );
            let kind = match subject.starts_with("k8s:serviceaccount:") {
                true => IdentityKind::ServiceAccount,
                false => IdentityKind::Unknown,
            };
            self.inventory
                .add_identity(Identity::new(*subject, kind, "k8s", *subject));
        }
        self
    }

    /// A declared ServiceAccount.
    pub fn service_account(
        mut self,
        namespace: &str,
        name: &str,
        automount: Option<bool>,
    ) -> Estate {
        let id = format!("k8s:serviceaccount:{namespace}/{name}");
        let mut identity = Identity::new(
            id,
            IdentityKind::ServiceAccount,
            "k8s",
            format!("{namespace}/{name}"),
        );
        identity
            .attributes
            .insert("namespace".to_string(), json!(namespace));
        identity
            .attributes
            .insert("location".to_string(), self.location());
        if let Some(automount) = automount {
            identity
                .attributes
                .insert("automount_token".to_string(), json!(automount));
        }
        self.inventory.add_identity(identity);
        self
    }

    /// A workload running as `account` (a name in the same namespace).
    pub fn workload(
        mut self,
        kind: &str,
        namespace: &str,
        name: &str,
        account: &str,
        automount: Option<bool>,
    ) -> Estate {
        let from = format!("k8s:{}:{namespace}/{name}", kind.to_ascii_lowercase());
        let to = format!("k8s:serviceaccount:{namespace}/{account}");
        let mut attributes = vec![("workload", json!(kind))];
        if let Some(automount) = automount {
            attributes.push(("automount_token", json!(automount)));
        }
        self.edge(&from, &to, EdgeKind::Uses, attributes);
        let identity = Identity::new(
            &to,
            IdentityKind::ServiceAccount,
            "k8s",
            format!("{namespace}/{account}"),
        );
        self.inventory.add_identity(identity);
        self
    }

    /// A legacy token Secret of `account`.
    pub fn token_secret(mut self, namespace: &str, name: &str, account: &str) -> Estate {
        let mut credential = Credential::new(
            format!("api-token:k8s-secret:{namespace}/{name}"),
            CredentialKind::ApiToken,
            "fp1:00000000000000000000000000000000",
        );
        credential.identity = Some(format!("k8s:serviceaccount:{namespace}/{account}"));
        credential
            .locations
            .push(Location::file("cluster.yaml", Some(self.line + 1)));
        credential.attributes.insert(
            "secret_type".to_string(),
            json!("kubernetes.io/service-account-token"),
        );
        self.inventory.add_credential(credential);
        self
    }

    pub fn build(self) -> Inventory {
        self.inventory
    }
}

/// `k8s:clusterrole:<name>` or `k8s:role:<ns>/<name>`.
pub(crate) fn role_id(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("k8s:role:{ns}/{name}"),
        None => format!("k8s:clusterrole:{name}"),
    }
}

/// A cluster where `subject` is bound cluster-wide (or in `namespace`) to one role with `rules`.
pub(crate) fn granted(namespace: Option<&str>, subject: &str, rules: &[RuleSpec]) -> Inventory {
    Estate::new()
        .role(None, "granted", rules, &[])
        .binding(namespace, "granted", &role_id(None, "granted"), &[subject])
        .build()
}
