//! Rules about IAM bindings: service accounts with basic roles, principals that can impersonate
//! every service account of a project (or more), and bindings open to the public.

use super::examples::{account, binding, compute_default, email, PROJECT};
use super::{
    flag, holds, member_name, policy_grants, scopes, text, EDITOR, IMPERSONATION_ROLES, OWNER,
    SERVICE_ACCOUNT,
};
use crate::example::inventory;
use crate::held_roles::by_holder;
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{EdgeKind, Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// A service account holds `roles/owner` or `roles/editor`.
pub(crate) struct BasicRole;

static BASIC_ROLE: RuleMeta = risk(
    "gcp-sa-basic-role",
    "Service account holds a basic role (owner or editor)",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A service account holds roles/owner or roles/editor: thousands of permissions over every \
     service of the project. The Compute Engine and App Engine default accounts get editor \
     automatically; Google-managed service agents are left out.",
    "Grant the service account predefined or custom roles limited to what its workload does (the \
     IAM role recommender lists what it used), then remove the basic role; disable automatic \
     grants to default accounts with iam.automaticIamGrantsForDefaultServiceAccounts.",
);

fn default_label(inventory: &Inventory, id: &str) -> &'static str {
    let identity = inventory.identities.get(id);
    match identity.and_then(|i| text(&i.attributes, "default_account")) {
        Some("compute-engine") => "Compute Engine default service account ",
        Some("app-engine") => "App Engine default service account ",
        _ => "",
    }
}

impl RiskRule for BasicRole {
    fn meta(&self) -> &RuleMeta {
        &BASIC_ROLE
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let google_managed = |id: &str| {
            inventory
                .identities
                .get(id)
                .is_some_and(|i| flag(&i.attributes, "google_managed"))
        };
        let held = policy_grants(inventory)
            .filter(|g| g.identity.starts_with(SERVICE_ACCOUNT) && !google_managed(&g.identity))
            .filter(|g| holds(g, OWNER) || holds(g, EDITOR))
            .map(|g| (g.identity.clone(), g));
        by_holder(held)
            .iter()
            .map(|held| {
                let label = default_label(inventory, &held.holder);
                let email = member_name(&held.holder);
                let title = format!("{label}{email} holds {}", held.summary());
                let default = inventory
                    .identities
                    .get(&held.holder)
                    .and_then(|i| i.attributes.get("default_account"));
                held.finding(
                    &BASIC_ROLE,
                    title,
                    json!({"roles": held.roles(), "default_account": default}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let compute = compute_default();
        let agent = account(
            "service-604218337194@gcp-sa-pubsub.iam.gserviceaccount.com",
            &[("google_managed", true.into())],
        );
        let ci = email("ci-deployer");
        vec![
            RuleExample {
                name: "Compute Engine default account with editor",
                inventory: inventory(
                    vec![compute.clone()],
                    vec![],
                    vec![binding(&compute.id, EDITOR, PROJECT)],
                ),
                fires: true,
            },
            RuleExample {
                name: "service account with a predefined role",
                inventory: inventory(
                    vec![],
                    vec![],
                    vec![binding(
                        &format!("{SERVICE_ACCOUNT}{ci}"),
                        "roles/run.invoker",
                        PROJECT,
                    )],
                ),
                fires: false,
            },
            RuleExample {
                name: "Google-managed service agent with editor",
                inventory: inventory(
                    vec![agent.clone()],
                    vec![],
                    vec![binding(&agent.id, EDITOR, PROJECT)],
                ),
                fires: false,
            },
            RuleExample {
                name: "user with owner",
                inventory: inventory(
                    vec![],
                    vec![],
                    vec![binding("gcp:user:ops@larkspur.example", OWNER, PROJECT)],
                ),
                fires: false,
            },
        ]
    }
}

/// A principal holds an impersonation role on a project, folder or organisation.
pub(crate) struct ProjectWideImpersonation;

static PROJECT_WIDE_IMPERSONATION: RuleMeta = risk(
    "gcp-sa-impersonation-project-wide",
    "Principal can impersonate every service account of a project",
    Severity::High,
    &[OwaspNhi::NHI10, OwaspNhi::NHI5],
    "A user, group or service account holds roles/iam.serviceAccountTokenCreator or \
     roles/iam.serviceAccountUser on a project, folder or organisation, so it can act as every \
     service account there, including the most privileged.",
    "Grant the role on the one service account that needs impersonating (its own IAM policy), not \
     on the project; prefer short-lived, audited impersonation by named people over standing \
     grants.",
);

impl RiskRule for ProjectWideImpersonation {
    fn meta(&self) -> &RuleMeta {
        &PROJECT_WIDE_IMPERSONATION
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        let held = policy_grants(inventory)
            .filter(|g| {
                IMPERSONATION_ROLES.iter().any(|r| holds(g, r))
                    && scopes(g).any(|s| s.is_hierarchy())
            })
            .map(|g| (g.identity.clone(), g));
        let graph = ctx.graph(inventory);
        by_holder(held)
            .iter()
            .map(|held| {
                let roles = held.roles();
                let mut reachable: Vec<&str> = graph
                    .edges()
                    .iter()
                    .filter(|e| e.from == held.holder && e.kind == EdgeKind::CanImpersonate)
                    .map(|e| e.to.as_str())
                    .collect();
                reachable.sort_unstable();
                reachable.dedup();
                let title = format!(
                    "{} can impersonate every service account of {} ({})",
                    member_name(&held.holder),
                    held.resources().join(", "),
                    roles.join(", ")
                );
                let evidence = json!({"roles": roles, "can_impersonate": reachable});
                held.finding(&PROJECT_WIDE_IMPERSONATION, title, evidence)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let token_creator = IMPERSONATION_ROLES[0];
        let ci = account(&email("ci-deployer"), &[]);
        let sa_resource = format!("{PROJECT}/serviceAccounts/{}", email("ci-deployer"));
        vec![
            RuleExample {
                name: "group with token creator on the project",
                inventory: inventory(
                    vec![ci.clone()],
                    vec![],
                    vec![binding(
                        "gcp:group:dispatch-devs@larkspur.example",
                        token_creator,
                        PROJECT,
                    )],
                ),
                fires: true,
            },
            RuleExample {
                name: "service account user on the organisation",
                inventory: inventory(
                    vec![],
                    vec![],
                    vec![binding(
                        &ci.id,
                        IMPERSONATION_ROLES[1],
                        "organizations/583920174466",
                    )],
                ),
                fires: true,
            },
            RuleExample {
                name: "token creator on a single service account",
                inventory: inventory(
                    vec![ci],
                    vec![],
                    vec![binding(
                        "gcp:user:ops@larkspur.example",
                        token_creator,
                        &sa_resource,
                    )],
                ),
                fires: false,
            },
        ]
    }
}

/// `allUsers` or `allAuthenticatedUsers` in a binding.
pub(crate) struct PublicBinding;

static PUBLIC_BINDING: RuleMeta = risk(
    "gcp-public-binding",
    "IAM binding open to anyone",
    Severity::High,
    &[OwaspNhi::NHI6],
    "An IAM policy grants a role to allUsers (anyone on the internet) or allAuthenticatedUsers \
     (anyone with any Google account).",
    "Remove the public member and grant the role to the service accounts or groups that need it; \
     enforce the iam.allowedPolicyMemberDomains organisation policy (domain-restricted sharing).",
);

impl RiskRule for PublicBinding {
    fn meta(&self) -> &RuleMeta {
        &PUBLIC_BINDING
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let held = policy_grants(inventory)
            .filter(|g| g.identity.starts_with("gcp:public:"))
            .map(|g| (g.identity.clone(), g));
        by_holder(held)
            .iter()
            .map(|held| {
                let who = member_name(&held.holder);
                let title = format!("{who} holds {}", held.summary());
                held.finding(&PUBLIC_BINDING, title, json!({"member": who}))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let bucket = "//storage.googleapis.com/larkspur-manifests";
        vec![
            RuleExample {
                name: "bucket readable by allUsers",
                inventory: inventory(
                    vec![],
                    vec![],
                    vec![binding(
                        "gcp:public:allUsers",
                        "roles/storage.objectViewer",
                        bucket,
                    )],
                ),
                fires: true,
            },
            RuleExample {
                name: "bucket readable by a group",
                inventory: inventory(
                    vec![],
                    vec![],
                    vec![binding(
                        "gcp:group:ops@larkspur.example",
                        "roles/storage.objectViewer",
                        bucket,
                    )],
                ),
                fires: false,
            },
        ]
    }
}
