//! IAM policy documents as analysis reads them: statements with their effect, (Not)Action,
//! (Not)Resource, (Not)Principal and Condition, each tied to the policy it came from.
//!
//! Invariants: action patterns are lowercased once here; a missing `Resource` means `*` (trust
//! policies have none); a statement with an unknown effect or no action is dropped, never guessed.

use super::pattern;
use serde_json::Value;
use std::sync::Arc;

/// Where a policy is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    Inline,
    Managed,
    Trust,
    Boundary,
}

impl PolicyKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Inline => "inline",
            PolicyKind::Managed => "managed",
            PolicyKind::Trust => "trust",
            PolicyKind::Boundary => "boundary",
        }
    }
}

/// Name, kind and ARN of a policy: what evidence cites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicySource {
    pub name: String,
    pub kind: PolicyKind,
    pub arn: Option<String>,
}

impl PolicySource {
    /// Whether the customer wrote the policy (inline or customer managed), as opposed to a policy
    /// AWS maintains (`arn:aws:iam::aws:policy/...`).
    pub(crate) fn is_custom(&self) -> bool {
        match &self.arn {
            Some(arn) => !arn.contains(":iam::aws:policy/"),
            None => true,
        }
    }

    pub(crate) fn evidence(&self) -> Value {
        let mut v = serde_json::json!({"name": self.name, "kind": self.kind.as_str()});
        if let Some(arn) = &self.arn {
            v["arn"] = arn.clone().into();
        }
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// A positive (`Action`, `Resource`) or negative (`NotAction`, `NotResource`) list of patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Patterns {
    Listed(Vec<String>),
    AllExcept(Vec<String>),
}

impl Patterns {
    /// Whether the list applies to `text`.
    pub(crate) fn matches(&self, text: &str) -> bool {
        match self {
            Patterns::Listed(list) => list.iter().any(|p| pattern::matches(p, text)),
            Patterns::AllExcept(list) => !list.iter().any(|p| pattern::matches(p, text)),
        }
    }

    /// Whether the list applies to everything `general` stands for (see [`pattern::covers`]).
    /// Negative lists never cover: what they leave out cannot be bounded cheaply.
    pub(crate) fn covers(&self, general: &str) -> bool {
        match self {
            Patterns::Listed(list) => list.iter().any(|p| pattern::covers(p, general)),
            Patterns::AllExcept(_) => false,
        }
    }

    /// The listed patterns (for `AllExcept`, the exceptions).
    pub(crate) fn patterns(&self) -> &[String] {
        match self {
            Patterns::Listed(list) | Patterns::AllExcept(list) => list,
        }
    }

    pub(crate) fn is_negated(&self) -> bool {
        matches!(self, Patterns::AllExcept(_))
    }
}

/// Who a trust-policy statement names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Principals {
    /// `"Principal": "*"` or `{"AWS": "*"}`: anyone, in any account.
    pub anyone: bool,
    /// `AWS` entries: account ids, account roots, user, role and assumed-role ARNs.
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
    /// Set for `NotPrincipal`: the statement applies to everyone *but* these.
    pub negated: bool,
}

/// One statement.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub effect: Effect,
    /// Lowercased action patterns.
    pub actions: Patterns,
    pub resources: Patterns,
    pub principals: Option<Principals>,
    pub condition: Option<Value>,
    pub sid: Option<String>,
    pub source: Arc<PolicySource>,
}

impl Statement {
    /// The statement's actions as written (lowercased), with `NotAction` marked.
    pub(crate) fn actions_evidence(&self) -> Value {
        let list: Vec<&String> = self.actions.patterns().iter().collect();
        if self.actions.is_negated() {
            serde_json::json!({"not_action": list})
        } else {
            serde_json::json!(list)
        }
    }
}

/// A parsed policy document.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub source: Arc<PolicySource>,
    pub statements: Vec<Statement>,
}

impl Policy {
    /// Parse a document (a JSON object, or a JSON string holding one).
    pub(crate) fn parse(source: PolicySource, document: &Value) -> Policy {
        let source = Arc::new(source);
        let owned;
        let document = match document {
            Value::String(text) => {
                owned = serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
                &owned
            }
            other => other,
        };
        let statements = match document.get("Statement") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|s| parse_statement(s, &source))
                .collect(),
            Some(single @ Value::Object(_)) => {
                parse_statement(single, &source).into_iter().collect()
            }
            _ => Vec::new(),
        };
        Policy { source, statements }
    }
}

fn parse_statement(value: &Value, source: &Arc<PolicySource>) -> Option<Statement> {
    let effect = match value.get("Effect")?.as_str()? {
        e if e.eq_ignore_ascii_case("allow") => Effect::Allow,
        e if e.eq_ignore_ascii_case("deny") => Effect::Deny,
        _ => return None,
    };
    let actions = patterns(value, "Action", "NotAction", true)?;
    let resources = patterns(value, "Resource", "NotResource", false)
        .unwrap_or_else(|| Patterns::Listed(vec!["*".into()]));
    let principals = principals(value);
    Some(Statement {
        effect,
        actions,
        resources,
        principals,
        condition: value
            .get("Condition")
            .filter(|c| c.as_object().is_some_and(|o| !o.is_empty()))
            .cloned(),
        sid: value
            .get("Sid")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        source: source.clone(),
    })
}

fn patterns(value: &Value, positive: &str, negative: &str, lowercase: bool) -> Option<Patterns> {
    let normalise = |list: Vec<String>| -> Vec<String> {
        if lowercase {
            list.into_iter().map(|s| s.to_ascii_lowercase()).collect()
        } else {
            list
        }
    };
    if let Some(list) = value.get(positive).map(strings) {
        return Some(Patterns::Listed(normalise(list)));
    }
    value
        .get(negative)
        .map(strings)
        .map(|list| Patterns::AllExcept(normalise(list)))
}

/// A string or a list of strings; other values are skipped.
pub(crate) fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn principals(value: &Value) -> Option<Principals> {
    let (raw, negated) = match (value.get("Principal"), value.get("NotPrincipal")) {
        (Some(p), _) => (p, false),
        (None, Some(p)) => (p, true),
        (None, None) => return None,
    };
    let mut out = Principals {
        negated,
        ..Principals::default()
    };
    match raw {
        Value::String(s) if s == "*" => out.anyone = true,
        Value::Object(map) => {
            for (kind, entries) in map {
                let entries = strings(entries);
                match kind.as_str() {
                    "AWS" => {
                        out.anyone |= entries.iter().any(|e| e == "*");
                        out.aws.extend(entries.into_iter().filter(|e| e != "*"));
                    }
                    "Service" => out.service.extend(entries),
                    "Federated" => out.federated.extend(entries),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn source() -> PolicySource {
        PolicySource {
            name: "p".into(),
            kind: PolicyKind::Inline,
            arn: None,
        }
    }

    #[test]
    fn statement_may_be_an_object_and_lists_may_be_strings() {
        let doc =
            json!({"Statement": {"Effect": "Allow", "Action": "IAM:PassRole", "Resource": "*"}});
        let policy = Policy::parse(source(), &doc);
        assert_eq!(policy.statements.len(), 1);
        assert!(policy.statements[0].actions.matches("iam:passrole"));
        assert!(policy.statements[0]
            .resources
            .matches("arn:aws:iam::1:role/x"));
    }

    #[test]
    fn documents_given_as_json_text_parse_and_bad_statements_drop() {
        let doc = Value::String(r#"{"Statement":[{"Effect":"Deny","NotAction":["iam:*"]},{"Effect":"Maybe","Action":"*"}]}"#.into());
        let policy = Policy::parse(source(), &doc);
        assert_eq!(policy.statements.len(), 1);
        let deny = &policy.statements[0];
        assert_eq!(deny.effect, Effect::Deny);
        assert!(deny.actions.matches("s3:getobject") && !deny.actions.matches("iam:passrole"));
        assert!(deny.resources.covers("*"));
    }

    #[test]
    fn principals_read_every_shape() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"], "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}
        ]});
        let policy = Policy::parse(source(), &doc);
        let p: Vec<&Principals> = policy
            .statements
            .iter()
            .map(|s| s.principals.as_ref().unwrap())
            .collect();
        assert!(p[0].anyone);
        assert!(
            p[1].anyone
                && p[1].aws == ["arn:aws:iam::1:root"]
                && p[1].service == ["ec2.amazonaws.com"]
        );
        assert_eq!(p[2].federated.len(), 1);
        assert!(!PolicySource {
            arn: Some("arn:aws:iam::aws:policy/ReadOnlyAccess".into()),
            ..source()
        }
        .is_custom());
    }
}
