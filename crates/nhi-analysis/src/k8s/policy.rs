//! RBAC policy rules and requests, matched exactly as the Kubernetes RBAC authorizer matches them.
//!
//! A rule allows a resource request when the verb, the API group, the resource (with its
//! subresource: `pods/exec`; `*/scale` matches any resource's `scale`) and, when the rule lists
//! `resourceNames`, the object's name all match; `*` matches anything in verbs, groups and
//! resources. A request without a name (list, watch, create) never matches a rule that lists
//! names. Non-resource URLs match exactly or by a trailing `*` prefix.

use serde::Serialize;
use std::collections::BTreeMap;

/// One rule of a Role or ClusterRole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    pub verbs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

/// An API request as the authorizer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A request on an API resource.
    Resource(ResourceRequest),
    /// A request on a non-resource URL such as `/healthz`.
    NonResource { verb: String, path: String },
}

/// A request on an API resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRequest {
    pub verb: String,
    /// `""` for the core group.
    pub group: String,
    pub resource: String,
    pub subresource: Option<String>,
    pub name: Option<String>,
}

/// A resource request without its object name, borrowed: what matching a rule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// `resource` may carry a subresource (`pods/exec`).
    pub fn new(verb: &'a str, group: &'a str, resource: &'a str) -> Target<'a> {
        let (resource, subresource) = match resource.split_once('/') {
            Some((base, sub)) => (base, Some(sub)),
            None => (resource, None),
        };
        Target {
            verb,
            group,
            resource,
            subresource,
        }
    }

    pub fn of(r: &'a ResourceRequest) -> Target<'a> {
        Target {
            verb: &r.verb,
            group: &r.group,
            resource: &r.resource,
            subresource: r.subresource.as_deref(),
        }
    }
}

impl Request {
    /// A resource request; `resource` may carry a subresource (`pods/exec`).
    pub fn resource(verb: &str, group: &str, resource: &str, name: Option<&str>) -> Request {
        let (resource, subresource) = match resource.split_once('/') {
            Some((base, sub)) => (base, Some(sub.to_string())),
            None => (resource, None),
        };
        Request::Resource(ResourceRequest {
            verb: verb.to_string(),
            group: group.to_string(),
            resource: resource.to_string(),
            subresource,
            name: name.map(str::to_string),
        })
    }

    /// The verb of the request.
    pub fn verb(&self) -> &str {
        match self {
            Request::Resource(r) => &r.verb,
            Request::NonResource { verb, .. } => verb,
        }
    }
}

impl PolicyRule {
    /// Whether this rule allows `request`.
    pub fn allows(&self, request: &Request) -> bool {
        match request {
            Request::Resource(r) => self.allows_resource(r, r.name.as_deref()),
            Request::NonResource { verb, path } => {
                self.verb_matches(verb) && self.url_matches(path)
            }
        }
    }

    fn allows_resource(&self, r: &ResourceRequest, name: Option<&str>) -> bool {
        self.allows_some_name(r) && self.name_matches(name)
    }

    /// Whether this rule matches the request in all but its name: it allows the request for at
    /// least one object name.
    pub fn allows_some_name(&self, r: &ResourceRequest) -> bool {
        self.covers(Target::of(r))
    }

    /// [`allows_some_name`](Self::allows_some_name) on a borrowed target (no allocation).
    pub(crate) fn covers(&self, t: Target) -> bool {
        self.verb_matches(t.verb)
            && self.group_matches(t.group)
            && self.resource_matches(t.resource, t.subresource)
    }

    fn verb_matches(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == "*" || v == verb)
    }

    fn group_matches(&self, group: &str) -> bool {
        self.api_groups.iter().any(|g| g == "*" || g == group)
    }

    fn resource_matches(&self, resource: &str, subresource: Option<&str>) -> bool {
        self.resources.iter().any(|rule| {
            if rule == "*" {
                return true;
            }
            match subresource {
                None => rule == resource,
                Some(sub) => {
                    rule.strip_prefix(resource)
                        .and_then(|r| r.strip_prefix('/'))
                        == Some(sub)
                        || rule.strip_prefix("*/") == Some(sub)
                }
            }
        })
    }

    fn name_matches(&self, name: Option<&str>) -> bool {
        self.resource_names.is_empty()
            || name.is_some_and(|n| self.resource_names.iter().any(|r| r == n))
    }

    fn url_matches(&self, path: &str) -> bool {
        self.non_resource_urls.iter().any(|rule| {
            rule == "*"
                || rule == path
                || rule
                    .strip_suffix('*')
                    .is_some_and(|_| path.starts_with(rule.trim_end_matches('*')))
        })
    }

    /// Whether the rule allows every verb on every resource of every group, for every name.
    pub fn is_full_wildcard(&self) -> bool {
        let all = |list: &[String]| list.iter().any(|x| x == "*");
        all(&self.verbs)
            && all(&self.api_groups)
            && all(&self.resources)
            && self.resource_names.is_empty()
    }

    /// One line for humans: `get,list secrets [stripe-key]`, `* *.*`, `get /healthz`.
    pub fn describe(&self) -> String {
        let verbs = self.verbs.join(",");
        if !self.non_resource_urls.is_empty() {
            return format!("{verbs} {}", self.non_resource_urls.join(","));
        }
        let mut targets = Vec::new();
        for group in &self.api_groups {
            for resource in &self.resources {
                targets.push(match group.as_str() {
                    "" => resource.clone(),
                    group => format!("{resource}.{group}"),
                });
            }
        }
        let names = match self.resource_names.is_empty() {
            true => String::new(),
            false => format!(" [{}]", self.resource_names.join(",")),
        };
        format!("{verbs} {}{names}", targets.join(","))
    }
}

/// A Kubernetes label selector (`matchLabels` and `matchExpressions`), as used by
/// `aggregationRule.clusterRoleSelectors`. An empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<LabelExpression>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelExpression {
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Read a selector from its JSON form; `None` when it is malformed (it then selects nothing,
    /// as the API server would refuse it).
    pub fn from_json(value: &serde_json::Value) -> Option<LabelSelector> {
        let object = value.as_object()?;
        let mut selector = LabelSelector::default();
        if let Some(labels) = object.get("matchLabels").filter(|v| !v.is_null()) {
            for (key, value) in labels.as_object()? {
                selector
                    .match_labels
                    .insert(key.clone(), value.as_str()?.to_string());
            }
        }
        if let Some(expressions) = object.get("matchExpressions").filter(|v| !v.is_null()) {
            for expression in expressions.as_array()? {
                let values = match expression.get("values") {
                    Some(serde_json::Value::Array(values)) => values
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()?,
                    _ => Vec::new(),
                };
                selector.match_expressions.push(LabelExpression {
                    key: expression.get("key")?.as_str()?.to_string(),
                    operator: expression.get("operator")?.as_str()?.to_string(),
                    values,
                });
            }
        }
        Some(selector)
    }

    /// Whether `labels` satisfy the selector.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let value = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => value.is_some_and(|v| e.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !e.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str], names: &[&str]) -> PolicyRule {
        let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        PolicyRule {
            verbs: own(verbs),
            api_groups: own(groups),
            resources: own(resources),
            resource_names: own(names),
            non_resource_urls: Vec::new(),
        }
    }

    #[test]
    fn subresources_need_their_own_grant_except_through_star() {
        let pods = rule(&[""], &["pods"], &["create"], &[]);
        assert!(pods.allows(&Request::resource("create", "", "pods", None)));
        assert!(!pods.allows(&Request::resource("create", "", "pods/exec", None)));
        let any_scale = rule(&["apps"], &["*/scale"], &["patch"], &[]);
        assert!(any_scale.allows(&Request::resource(
            "patch",
            "apps",
            "deployments/scale",
            Some("x")
        )));
        assert!(!any_scale.allows(&Request::resource(
            "patch",
            "apps",
            "deployments",
            Some("x")
        )));
        let star = rule(&["*"], &["*"], &["*"], &[]);
        assert!(star.allows(&Request::resource("create", "", "pods/exec", None)));
        assert!(star.is_full_wildcard());
    }

    #[test]
    fn groups_are_matched_exactly() {
        let metrics = rule(&["metrics.k8s.io"], &["*"], &["*"], &[]);
        assert!(metrics.allows(&Request::resource(
            "get",
            "metrics.k8s.io",
            "pods",
            Some("a")
        )));
        assert!(!metrics.allows(&Request::resource("get", "", "secrets", Some("a"))));
        assert!(!metrics.is_full_wildcard());
    }

    #[test]
    fn resource_names_limit_named_requests_only() {
        let named = rule(&[""], &["secrets"], &["get", "list"], &["tls"]);
        assert!(named.allows(&Request::resource("get", "", "secrets", Some("tls"))));
        assert!(!named.allows(&Request::resource("get", "", "secrets", Some("other"))));
        assert!(!named.allows(&Request::resource("list", "", "secrets", None)));
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_prefix() {
        let urls = PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: vec!["/healthz".into(), "/api/*".into()],
            ..PolicyRule::default()
        };
        let get = |path: &str| Request::NonResource {
            verb: "get".into(),
            path: path.into(),
        };
        assert!(urls.allows(&get("/healthz")));
        assert!(urls.allows(&get("/api/v1")));
        assert!(!urls.allows(&get("/api")));
        assert!(!urls.allows(&get("/healthz/etcd")));
        assert!(!urls.allows(&Request::resource("get", "", "pods", None)));
    }

    #[test]
    fn selectors_follow_label_selector_semantics() {
        let json = serde_json::json!({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "NotIn", "values": ["x"]}]});
        let selector = LabelSelector::from_json(&json).unwrap();
        let labels = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(selector.matches(&labels(&[("a", "1")])));
        assert!(!selector.matches(&labels(&[("a", "1"), ("b", "x")])));
        assert!(LabelSelector::from_json(&serde_json::json!({}))
            .unwrap()
            .matches(&labels(&[])));
        assert!(LabelSelector::from_json(&serde_json::json!({"matchLabels": {"a": 1}})).is_none());
    }
}
