//! Privilege escalation: every AWS principal that is not admin but can become admin through the
//! identity graph (trust, PassRole to services, IAM writes, ...), one finding per principal, the
//! steps spelled out.

use super::super::examples::{allow, inventory_with, role, trust, user, with_policy};
use super::super::paths::AdminPaths;
use super::{identity_finding, judged, label, principals};
use crate::rules::credential_facts::risk;
use crate::{describe_step, AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Edge, Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::{json, Value};

/// A non-admin principal with a path to admin.
pub(crate) struct PrivilegeEscalation;

static ESCALATION: RuleMeta = risk(
    "aws-privilege-escalation",
    "AWS identity can escalate to admin",
    Severity::High,
    &[OwaspNhi::NHI5],
    "The identity is not admin, but its permissions let it become admin: by writing IAM policies, \
     taking over another user or role, or running code as a more privileged role through a service \
     (iam:PassRole, Lambda, EC2, SSM, CloudFormation, Glue, SageMaker, CodeBuild, ...). The finding \
     lists each step and the actions it uses.",
    "Remove the action that takes the first step (or scope it to resources that cannot lead to \
     admin: iam:PassRole to named roles with iam:PassedToService, IAM writes to the workload's own \
     resources), or add a permissions boundary that denies it.",
);

fn method(edge: &Edge) -> &str {
    edge.attributes
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `role deploy` for an AWS user or role node; `None` for hubs and admin nodes.
fn principal_name(node: &str) -> Option<String> {
    let (kind, arn) = node
        .strip_prefix("aws:user:")
        .map(|a| ("user", a))
        .or_else(|| node.strip_prefix("aws:role:").map(|a| ("role", a)))?;
    Some(format!("{kind} {}", arn.rsplit('/').next().unwrap_or(arn)))
}

fn conditions(path: &[&Edge]) -> Vec<Value> {
    path.iter()
        .filter_map(|e| e.attributes.get("conditions").and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect()
}

impl RiskRule for PrivilegeEscalation {
    fn meta(&self) -> &RuleMeta {
        &ESCALATION
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        let graph = ctx.graph(inventory);
        let paths = AdminPaths::compute(graph);
        principals(inventory)
            .map(|(identity, _)| identity)
            .filter(|identity| judged(identity) && graph.admin_reason(&identity.id).is_none())
            .filter_map(|identity| {
                let path = paths.path(&identity.id)?;
                let first = path[0];
                let end = path[path.len() - 1].to.as_str();
                let reason = graph.admin_reason(end).unwrap_or("admin");
                let conditions = conditions(&path);
                let mut title = format!("{} can escalate to admin: {}", label(identity), method(first));
                let via: Vec<String> = path.iter().filter_map(|e| principal_name(&e.to)).collect();
                if !via.is_empty() {
                    title.push_str(&format!(" (via {})", via.join(", then ")));
                }
                if !conditions.is_empty() {
                    title.push_str(" [conditional]");
                }
                let mut methods: Vec<&str> = paths.first_steps(&identity.id).into_iter().map(method).collect();
                methods.dedup();
                let evidence = json!({
                    "steps": path.iter().map(|e| describe_step(e)).collect::<Vec<_>>(),
                    "methods": methods,
                    "techniques": path.iter().filter_map(|e| e.attributes.get("technique")).collect::<Vec<_>>(),
                    "admin": end,
                    "admin_reason": reason,
                    "conditional": !conditions.is_empty(),
                    "conditions": conditions,
                });
                Some(identity_finding(&ESCALATION, identity, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let lambda = trust(json!({"Service": "lambda.amazonaws.com"}));
        let admin_role = with_policy(
            role("admin-fn", lambda.clone()),
            "admin",
            allow(json!("*"), json!("*")),
        );
        let deployer = with_policy(
            user("deployer"),
            "deploy",
            allow(
                json!([
                    "iam:PassRole",
                    "lambda:CreateFunction",
                    "lambda:InvokeFunction"
                ]),
                json!("*"),
            ),
        );
        let scoped = with_policy(
            user("deployer"),
            "deploy",
            allow(
                json!([
                    "iam:PassRole",
                    "lambda:CreateFunction",
                    "lambda:InvokeFunction"
                ]),
                json!("arn:aws:iam::111122223333:role/app-*"),
            ),
        );
        let self_attach = with_policy(
            user("ops"),
            "ops",
            allow(json!("iam:AttachUserPolicy"), json!("*")),
        );
        vec![
            RuleExample {
                name: "PassRole to a new Lambda function running as an admin role",
                inventory: inventory_with(vec![admin_role.clone(), deployer], vec![], vec![]),
                fires: true,
            },
            RuleExample {
                name: "attach any policy to itself",
                inventory: inventory_with(vec![self_attach], vec![], vec![]),
                fires: true,
            },
            RuleExample {
                name: "PassRole limited to app roles",
                inventory: inventory_with(vec![admin_role, scoped], vec![], vec![]),
                fires: false,
            },
        ]
    }
}
