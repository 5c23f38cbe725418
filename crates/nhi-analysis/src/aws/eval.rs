//! IAM policy evaluation for one principal and one action: explicit denies win, then any allow,
//! and a permissions boundary must allow too (effective = identity policies ∩ boundary).
//! Conditions that cannot be decided make an allow *conditional* and travel as evidence.
//!
//! Invariant: every answer is about identity-based policies (plus trust policies where the caller
//! says so); service control policies and resource policies other than trust are out of scope.

use super::condition::{self, RequestFacts, Truth};
use super::pattern;
use super::policy::{Effect, Patterns, Policy, Statement};
use serde_json::{json, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// The outcome of evaluating one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Access {
    /// An explicit `Deny` applies.
    Denied,
    /// No `Allow` applies (implicit deny).
    NotAllowed,
    /// Allowed; the conditions it depends on (empty: unconditionally).
    Allowed(Vec<Value>),
}

impl Access {
    pub(crate) fn is_allowed(&self) -> bool {
        matches!(self, Access::Allowed(_))
    }

    /// Allowed with no condition attached.
    pub(crate) fn is_unconditional(&self) -> bool {
        matches!(self, Access::Allowed(c) if c.is_empty())
    }

    pub(crate) fn conditions(&self) -> &[Value] {
        match self {
            Access::Allowed(c) => c,
            _ => &[],
        }
    }
}

/// What a request carries besides action and resource: facts for conditions and the values of
/// policy variables.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Request<'a> {
    pub facts: RequestFacts<'a>,
    /// `${aws:username}` (IAM users only).
    pub user_name: Option<&'a str>,
    /// `${aws:PrincipalAccount}`.
    pub account: Option<&'a str>,
}

/// A principal's permissions: identity policies and, when set, a permissions boundary.
#[derive(Debug, Clone, Default)]
pub(crate) struct Permissions {
    pub policies: Vec<Arc<Policy>>,
    pub boundary: Option<Arc<Policy>>,
}

impl Permissions {
    /// The statements that mention `action` (lowercase), split by effect.
    pub(crate) fn view(&self, action: &str) -> ActionView<'_> {
        self.view_where(|policy, i| policy.statements[i].actions.matches(action))
    }

    /// Like [`view`](Self::view), with the caller telling which statements mention the action
    /// (`mentions(policy, statement index)`), e.g. from a precomputed index.
    pub(crate) fn view_where<'p>(
        &'p self,
        mentions: impl Fn(&Arc<Policy>, usize) -> bool,
    ) -> ActionView<'p> {
        let pick = |policies: &'p [Arc<Policy>]| -> (Vec<&'p Statement>, Vec<&'p Statement>) {
            let (mut allows, mut denies) = (Vec::new(), Vec::new());
            for policy in policies {
                for (i, statement) in policy.statements.iter().enumerate() {
                    if mentions(policy, i) {
                        match statement.effect {
                            Effect::Allow => allows.push(statement),
                            Effect::Deny => denies.push(statement),
                        }
                    }
                }
            }
            (allows, denies)
        };
        let (allows, denies) = pick(&self.policies);
        let boundary = self.boundary.as_ref().map(|b| {
            let (allows, denies) = pick(std::slice::from_ref(b));
            Box::new(ActionView {
                allows,
                denies,
                boundary: None,
            })
        });
        ActionView {
            allows,
            denies,
            boundary,
        }
    }

    /// Every statement of the identity policies.
    pub(crate) fn statements(&self) -> impl Iterator<Item = &Statement> {
        self.policies.iter().flat_map(|p| p.statements.iter())
    }
}

/// The statements of one principal that mention one action: answers questions about resources.
#[derive(Debug, Clone)]
pub(crate) struct ActionView<'a> {
    allows: Vec<&'a Statement>,
    denies: Vec<&'a Statement>,
    boundary: Option<Box<ActionView<'a>>>,
}

impl<'a> ActionView<'a> {
    /// Whether no statement allows the action at all (nothing to ask).
    pub(crate) fn is_empty(&self) -> bool {
        self.allows.is_empty()
    }

    /// The decision for one resource ARN.
    pub(crate) fn decide(&self, resource: &str, request: &Request) -> Access {
        let mut conditions = Vec::new();
        for deny in &self.denies {
            match applies(deny, resource, request) {
                Truth::True => return Access::Denied,
                Truth::Unknown => conditions.push(evidence(deny, "unless")),
                Truth::False => {}
            }
        }
        let mut conditional_allows = Vec::new();
        let mut unconditional = false;
        for allow in &self.allows {
            match applies(allow, resource, request) {
                Truth::True => {
                    unconditional = true;
                    break;
                }
                Truth::Unknown => conditional_allows.push(evidence(allow, "if")),
                Truth::False => {}
            }
        }
        if !unconditional {
            if conditional_allows.is_empty() {
                return Access::NotAllowed;
            }
            conditions.extend(conditional_allows);
        }
        self.within_boundary(conditions, |b| b.decide(resource, request))
    }

    /// The decision for every resource `general` stands for (e.g. `arn:aws:iam::1:role/*`), when
    /// it can be given without enumerating them: `None` when some deny touches the action or no
    /// allow covers them all.
    pub(crate) fn decide_all(&self, general: &str, request: &Request) -> Option<Access> {
        if !self.denies.is_empty() {
            return None;
        }
        let mut conditions = Vec::new();
        let mut unconditional = false;
        for allow in self.allows.iter().filter(|a| a.resources.covers(general)) {
            match truth(allow, request) {
                Truth::True => {
                    unconditional = true;
                    break;
                }
                Truth::Unknown => conditions.push(evidence(allow, "if")),
                Truth::False => {}
            }
        }
        if !unconditional && conditions.is_empty() {
            return None;
        }
        if unconditional {
            conditions.clear();
        }
        match &self.boundary {
            None => Some(Access::Allowed(conditions)),
            Some(boundary) => match boundary.decide_all(general, request)? {
                Access::Allowed(more) => Some(Access::Allowed([conditions, more].concat())),
                other => Some(other),
            },
        }
    }

    /// Whether the action is allowed on at least one resource (for actions whose resource is
    /// created by the request, like `lambda:CreateFunction`).
    pub(crate) fn decide_somewhere(&self, request: &Request) -> Access {
        let mut conditions = Vec::new();
        for deny in self.denies.iter().filter(|d| d.resources.covers("*")) {
            match truth(deny, request) {
                Truth::True => return Access::Denied,
                Truth::Unknown => conditions.push(evidence(deny, "unless")),
                Truth::False => {}
            }
        }
        let mut conditional_allows = Vec::new();
        let mut unconditional = false;
        for allow in &self.allows {
            match truth(allow, request) {
                Truth::True => {
                    unconditional = true;
                    break;
                }
                Truth::Unknown => conditional_allows.push(evidence(allow, "if")),
                Truth::False => {}
            }
        }
        if !unconditional {
            if conditional_allows.is_empty() {
                return Access::NotAllowed;
            }
            conditions.extend(conditional_allows);
        }
        self.within_boundary(conditions, |b| b.decide_somewhere(request))
    }

    /// The literal prefixes every allowed resource starts with, to look candidates up in a sorted
    /// index; `None` when some allow is a `NotResource` (anything may match). With `iam_account`,
    /// candidates are IAM resources of that account, so an account wildcard is narrowed to it.
    pub(crate) fn resource_prefixes(
        &self,
        request: &Request,
        iam_account: Option<&str>,
    ) -> Option<Vec<String>> {
        const ANY_ACCOUNT: &str = "arn:aws:iam::*:";
        let mut prefixes = Vec::new();
        for allow in &self.allows {
            match &allow.resources {
                Patterns::AllExcept(_) => return None,
                Patterns::Listed(list) => {
                    for p in list {
                        let (mut resolved, _) = substitute(p, request);
                        if let (Some(account), Some(rest)) =
                            (iam_account, resolved.strip_prefix(ANY_ACCOUNT))
                        {
                            resolved = Cow::Owned(format!("arn:aws:iam::{account}:{rest}"));
                        }
                        prefixes.push(pattern::literal_prefix(&resolved).to_string());
                    }
                }
            }
        }
        prefixes.sort();
        prefixes.dedup();
        // A prefix that extends another adds nothing.
        let mut kept: Vec<String> = Vec::new();
        for p in prefixes {
            if !kept.last().is_some_and(|k| p.starts_with(k.as_str())) {
                kept.push(p);
            }
        }
        Some(kept)
    }

    fn within_boundary(
        &self,
        conditions: Vec<Value>,
        ask: impl Fn(&ActionView<'a>) -> Access,
    ) -> Access {
        match &self.boundary {
            None => Access::Allowed(conditions),
            Some(boundary) => match ask(boundary) {
                Access::Allowed(more) => Access::Allowed([conditions, more].concat()),
                other => other,
            },
        }
    }
}

/// Whether the statement applies to `resource`: `Unknown` when only a condition or an unknown
/// policy variable stands between them.
fn applies(statement: &Statement, resource: &str, request: &Request) -> Truth {
    let hit = match &statement.resources {
        Patterns::Listed(list) => resource_hit(list, resource, request),
        Patterns::AllExcept(list) => match resource_hit(list, resource, request) {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        },
    };
    match hit {
        Truth::False => Truth::False,
        Truth::True => truth(statement, request),
        Truth::Unknown => match truth(statement, request) {
            Truth::False => Truth::False,
            _ => Truth::Unknown,
        },
    }
}

fn resource_hit(patterns: &[String], resource: &str, request: &Request) -> Truth {
    let mut result = Truth::False;
    for p in patterns {
        let (resolved, exact) = substitute(p, request);
        if pattern::matches(&resolved, resource) {
            if exact {
                return Truth::True;
            }
            result = Truth::Unknown;
        }
    }
    result
}

fn truth(statement: &Statement, request: &Request) -> Truth {
    match &statement.condition {
        None => Truth::True,
        Some(block) => condition::evaluate(block, &request.facts),
    }
}

/// Replace policy variables in a resource pattern. Unknown variables become `*` and make the
/// match inexact (the second value is `false`).
fn substitute<'p>(pattern: &'p str, request: &Request) -> (Cow<'p, str>, bool) {
    if !pattern.contains("${") {
        return (Cow::Borrowed(pattern), true);
    }
    let mut out = String::with_capacity(pattern.len());
    let mut exact = true;
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &rest[start + 2..start + len];
        let value = match name.to_ascii_lowercase().as_str() {
            "aws:username" => request.user_name,
            "aws:principalaccount" => request.account,
            _ => None,
        };
        match value {
            Some(v) => out.push_str(v),
            None => {
                out.push('*');
                exact = false;
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    (Cow::Owned(out), exact)
}

fn evidence(statement: &Statement, relation: &str) -> Value {
    let mut v = json!({
        "effect": match statement.effect { Effect::Allow => "Allow", Effect::Deny => "Deny" },
        "relation": relation,
        "policy": statement.source.name,
    });
    if let Some(condition) = &statement.condition {
        v["condition"] = condition.clone();
    }
    if let Some(sid) = &statement.sid {
        v["sid"] = sid.clone().into();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::policy::{PolicyKind, PolicySource};

    fn policy(name: &str, doc: Value) -> Arc<Policy> {
        let source = PolicySource {
            name: name.into(),
            kind: PolicyKind::Managed,
            arn: None,
        };
        Arc::new(Policy::parse(source, &doc))
    }

    fn perms(docs: Vec<Value>) -> Permissions {
        Permissions {
            policies: docs
                .into_iter()
                .enumerate()
                .map(|(i, d)| policy(&format!("p{i}"), d))
                .collect(),
            boundary: None,
        }
    }

    const ROLE: &str = "arn:aws:iam::1:role/app";

    #[test]
    fn explicit_deny_wins_over_allow_even_across_policies() {
        let p = perms(vec![
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}),
        ]);
        let req = Request::default();
        assert_eq!(p.view("iam:passrole").decide(ROLE, &req), Access::Denied);
        assert_eq!(
            p.view("iam:passrole").decide_somewhere(&req),
            Access::Denied
        );
        assert_eq!(
            p.view("iam:passrole")
                .decide_all("arn:aws:iam::1:role/*", &req),
            None
        );
    }

    #[test]
    fn not_action_allows_everything_else() {
        let p = perms(vec![
            json!({"Statement": [{"Effect": "Allow", "NotAction": ["iam:Update*", "iam:Create*"], "Resource": "*"}]}),
        ]);
        let req = Request::default();
        assert!(p
            .view("iam:putuserpolicy")
            .decide("arn:aws:iam::1:user/u", &req)
            .is_unconditional());
        assert_eq!(
            p.view("iam:createpolicyversion").decide("*", &req),
            Access::NotAllowed
        );
    }

    #[test]
    fn boundary_intersects_and_conditions_are_carried() {
        let mut p = perms(vec![json!({"Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
        ]})]);
        p.boundary = Some(policy(
            "b",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
        ));
        let req = Request::default();
        assert_eq!(
            p.view("iam:passrole").decide(ROLE, &req),
            Access::NotAllowed
        );
        let s3 = p.view("s3:getobject").decide("arn:aws:s3:::b/k", &req);
        assert!(s3.is_allowed() && !s3.is_unconditional());
        assert_eq!(s3.conditions().len(), 1);
    }

    #[test]
    fn resource_variables_resolve_for_the_caller() {
        let p = perms(vec![
            json!({"Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey",
            "Resource": "arn:aws:iam::1:user/${aws:username}"}]}),
        ]);
        let alice = Request {
            user_name: Some("alice"),
            ..Request::default()
        };
        let view = p.view("iam:createaccesskey");
        assert!(view
            .decide("arn:aws:iam::1:user/alice", &alice)
            .is_unconditional());
        assert_eq!(
            view.decide("arn:aws:iam::1:user/bob", &alice),
            Access::NotAllowed
        );
        // A role has no user name: the variable is unknown and the allow becomes conditional.
        let role = view.decide("arn:aws:iam::1:user/bob", &Request::default());
        assert!(role.is_allowed() && !role.is_unconditional());
        assert_eq!(
            view.resource_prefixes(&alice, None).unwrap(),
            vec!["arn:aws:iam::1:user/alice".to_string()]
        );
    }

    #[test]
    fn bulk_decisions_need_a_covering_allow() {
        let p = perms(vec![
            json!({"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/app-*"}]}),
        ]);
        let view = p.view("iam:passrole");
        let req = Request::default();
        assert_eq!(view.decide_all("arn:aws:iam::1:role/*", &req), None);
        assert!(view
            .decide("arn:aws:iam::1:role/app-web", &req)
            .is_allowed());
        assert_eq!(
            view.resource_prefixes(&req, None).unwrap(),
            vec!["arn:aws:iam::1:role/app-".to_string()]
        );
    }
}
