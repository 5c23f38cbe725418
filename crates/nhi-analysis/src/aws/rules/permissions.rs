//! Rules about what AWS principals may do: admin-equivalent effective permissions, and wildcard
//! grants (`s3:*`, `iam:Put*`, `NotAction`) on every resource.

use super::super::access_level::{levels_covered, AccessLevel};
use super::super::eval::Permissions;
use super::super::examples::{
    allow, group_with_member, inventory_with, role, trust, user, with_policy,
};
use super::super::policy::{Effect, Patterns, Statement};
use super::super::principal::{AwsModel, Principal};
use super::identity_finding;
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The principals the permission rules judge (see [`super::judged`]).
fn judged<'m, 'a>(model: &'m AwsModel<'a>) -> impl Iterator<Item = &'m Principal<'a>> {
    model
        .principals
        .iter()
        .filter(|p| super::judged(p.identity))
}

/// Effective permissions allow `*` on `*`.
pub(crate) struct AdminEquivalent;

static ADMIN: RuleMeta = risk(
    "aws-admin-equivalent",
    "AWS identity is admin-equivalent",
    Severity::High,
    &[OwaspNhi::NHI5],
    "An IAM user or role whose effective permissions (own and group policies, minus denies, within \
     its permissions boundary) allow every action on every resource.",
    "Replace the admin policy with one that lists the actions and resources the workload uses \
     (IAM Access Analyzer can generate it from CloudTrail); keep admin to a few break-glass roles \
     that people assume with MFA.",
);

impl RiskRule for AdminEquivalent {
    fn meta(&self) -> &RuleMeta {
        &ADMIN
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        let graph = ctx.graph(inventory);
        let model = AwsModel::load_where(inventory, |i| graph.admin_reason(&i.id).is_some());
        judged(&model)
            .filter_map(|p| {
                let reason = graph.admin_reason(&p.identity.id)?;
                let policies: Vec<Value> = p
                    .permissions
                    .statements()
                    .filter(|s| {
                        s.effect == Effect::Allow
                            && s.actions.covers("*")
                            && s.resources.covers("*")
                    })
                    .map(|s| {
                        let mut v = s.source.evidence();
                        v["custom"] = s.source.is_custom().into();
                        v
                    })
                    .collect();
                let custom = policies.iter().any(|v| v["custom"] == true);
                let title = format!("{} is admin-equivalent: {reason}", super::label(p.identity));
                let evidence =
                    json!({"reason": reason, "policies": policies, "custom_policy": custom});
                Some(identity_finding(&ADMIN, p.identity, title, evidence))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let ec2 = trust(json!({"Service": "ec2.amazonaws.com"}));
        let admin = with_policy(
            role("build", ec2.clone()),
            "dostuff",
            allow(json!("*"), json!("*")),
        );
        let denied = with_policy(
            admin.clone(),
            "guardrail",
            json!({"Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}),
        );
        let mut member = user("terraform");
        let admin_group = group_with_member("admins", allow(json!("*"), json!("*")), &mut member);
        vec![
            RuleExample {
                name: "inline policy allows * on *",
                inventory: inventory_with(vec![admin], vec![], vec![]),
                fires: true,
            },
            RuleExample {
                name: "member of a group allowed * on *",
                inventory: inventory_with(vec![member], vec![], admin_group),
                fires: true,
            },
            RuleExample {
                name: "* on * but IAM denied",
                inventory: inventory_with(vec![denied], vec![], vec![]),
                fires: false,
            },
            RuleExample {
                name: "read-only role",
                inventory: inventory_with(
                    vec![with_policy(
                        role("reader", ec2),
                        "read",
                        allow(json!("s3:GetObject"), json!("*")),
                    )],
                    vec![],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// Wildcard actions granted on every resource.
pub(crate) struct ServiceWildcard;

static WILDCARD: RuleMeta = risk(
    "aws-wildcard-permission",
    "AWS identity holds wildcard permissions",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "A policy of the identity allows a wildcard action (`s3:*`, `iam:Put*`, or everything but a \
     `NotAction` list) on every resource: far more than any workload uses. Raised to high when the \
     wildcard covers permissions-management actions.",
    "List the actions the workload needs and scope them to its resources (IAM Access Analyzer \
     policy generation helps); never pair NotAction with Allow.",
);

impl RiskRule for ServiceWildcard {
    fn meta(&self) -> &RuleMeta {
        &WILDCARD
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        let graph = ctx.graph(inventory);
        let model = AwsModel::load(inventory);
        let mut level_cache: HashMap<String, BTreeMap<AccessLevel, usize>> = HashMap::new();
        judged(&model)
            .filter(|p| graph.admin_reason(&p.identity.id).is_none())
            .filter_map(|p| {
                let grants: Vec<Value> = p
                    .permissions
                    .statements()
                    .filter(|s| {
                        s.effect == Effect::Allow
                            && s.resources.covers("*")
                            && !taken_back(s, &p.permissions)
                    })
                    .flat_map(|s| wildcards(s, &mut level_cache))
                    .collect();
                if grants.is_empty() {
                    return None;
                }
                let manages_permissions = grants.iter().any(|g| {
                    g["levels"]
                        .get(AccessLevel::PermissionsManagement.as_str())
                        .is_some()
                });
                let shown: Vec<&str> = grants.iter().filter_map(|g| g["action"].as_str()).collect();
                let listed = match shown.len() {
                    0..=4 => shown.join(", "),
                    n => format!("{} and {} more", shown[..3].join(", "), n - 3),
                };
                let title = format!(
                    "{} is allowed {listed} on every resource",
                    super::label(p.identity)
                );
                let mut finding =
                    identity_finding(&WILDCARD, p.identity, title, json!({"grants": grants}));
                if manages_permissions {
                    finding.severity = Severity::High;
                }
                Some(finding)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let s3 = with_policy(user("backup"), "s3", allow(json!("s3:*"), json!("*")));
        let scoped = with_policy(
            user("backup"),
            "s3",
            allow(json!("s3:*"), json!("arn:aws:s3:::backups/*")),
        );
        let not_action = with_policy(
            user("ops"),
            "most",
            json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
        );
        vec![
            RuleExample {
                name: "s3:* on *",
                inventory: inventory_with(vec![s3], vec![], vec![]),
                fires: true,
            },
            RuleExample {
                name: "NotAction allow",
                inventory: inventory_with(vec![not_action], vec![], vec![]),
                fires: true,
            },
            RuleExample {
                name: "iam:* allowed and denied",
                inventory: inventory_with(
                    vec![with_policy(
                        user("ops"),
                        "both",
                        json!({"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}),
                    )],
                    vec![],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "read-only prefix wildcards",
                inventory: inventory_with(
                    vec![with_policy(
                        user("viewer"),
                        "view",
                        allow(json!(["s3:Get*", "ec2:Describe*"]), json!("*")),
                    )],
                    vec![],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "s3:* on one bucket",
                inventory: inventory_with(vec![scoped], vec![], vec![]),
                fires: false,
            },
        ]
    }
}

/// The wildcard grants of one statement, with the access levels they cover. A whole-service
/// wildcard (`s3:*`, `*`) always counts; a prefix wildcard (`s3:Get*`) counts when most of what it
/// covers changes things (write, permissions management, tagging).
fn wildcards(
    statement: &Statement,
    cache: &mut HashMap<String, BTreeMap<AccessLevel, usize>>,
) -> Vec<Value> {
    let policy = statement.source.name.as_str();
    match &statement.actions {
        Patterns::AllExcept(except) => vec![
            json!({"policy": policy, "action": format!("everything except {}", except.join(", ")), "not_action": except}),
        ],
        Patterns::Listed(list) => list
            .iter()
            .filter(|a| a.contains(['*', '?']))
            .filter_map(|action| {
                let levels = cache
                    .entry(action.clone())
                    .or_insert_with(|| levels_covered(action));
                let total: usize = levels.values().sum();
                let changing: usize = levels
                    .iter()
                    .filter(|(l, _)| **l != AccessLevel::Read && **l != AccessLevel::List)
                    .map(|(_, n)| n)
                    .sum();
                let whole_service = action == "*" || action.ends_with(":*");
                (whole_service || changing * 2 > total).then(|| {
                    let levels: BTreeMap<&str, usize> =
                        levels.iter().map(|(l, n)| (l.as_str(), *n)).collect();
                    json!({"policy": policy, "action": action, "levels": levels})
                })
            })
            .collect(),
    }
}

/// Whether an unconditional deny (or the boundary's silence) takes back all of what `statement`
/// allows.
fn taken_back(statement: &Statement, permissions: &Permissions) -> bool {
    let covered_by = |s: &Statement| match &statement.actions {
        Patterns::Listed(list) => list.iter().all(|a| s.actions.covers(a)),
        Patterns::AllExcept(_) => s.actions.covers("*"),
    };
    let denied = permissions.statements().any(|s| {
        s.effect == Effect::Deny
            && s.condition.is_none()
            && s.resources.covers("*")
            && covered_by(s)
    });
    let outside_boundary = permissions.boundary.as_ref().is_some_and(|b| {
        !b.statements
            .iter()
            .any(|s| s.effect == Effect::Allow && s.resources.covers("*") && covered_by(s))
    });
    denied || outside_boundary
}
