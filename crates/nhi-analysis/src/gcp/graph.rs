//! GCP edges of the identity graph: a holder of an impersonation role can act as every service
//! account under the resource the role is granted on (`can-impersonate`), and a service account
//! with `roles/owner` on a project, folder or organisation is admin-equivalent.
//!
//! Invariants: a folder's projects are not known from IAM exports, so a folder-level grant adds
//! no edges (the rule still reports it); Google-managed service agents are never targets (no
//! customer can impersonate them); no edge loops back to its holder; no edge is added twice.

use super::{
    flag, holds, policy_grants, scopes, text, Scope, IMPERSONATION_ROLES, OWNER, SERVICE_ACCOUNT,
};
use crate::graph::{edge, EdgeDeriver, IdentityGraph};
use nhi_model::{EdgeKind, Identity, Inventory};
use std::collections::HashSet;

/// Derives GCP impersonation edges and owner admins.
pub(crate) struct ImpersonationEdges;

/// Service accounts a customer can impersonate.
fn impersonable(inventory: &Inventory) -> Vec<&Identity> {
    inventory
        .identities
        .values()
        .filter(|i| i.id.starts_with(SERVICE_ACCOUNT) && !flag(&i.attributes, "google_managed"))
        .collect()
}

/// Whether the account lives in the project named by id or number.
fn in_project(account: &Identity, project: &str) -> bool {
    project != "-"
        && [
            text(&account.attributes, "project"),
            text(&account.attributes, "project_number"),
        ]
        .contains(&Some(project))
}

impl EdgeDeriver for ImpersonationEdges {
    fn derive(&self, inventory: &Inventory, graph: &mut IdentityGraph) {
        let accounts = impersonable(inventory);
        let mut added = HashSet::new();
        for grant in policy_grants(inventory) {
            for (resource, scope) in grant.resources.iter().zip(scopes(grant)) {
                if holds(grant, OWNER)
                    && scope.is_hierarchy()
                    && grant.identity.starts_with(SERVICE_ACCOUNT)
                {
                    graph.mark_admin(&grant.identity, format!("{OWNER} on {resource}"));
                }
                let targets: Vec<String> = match scope {
                    Scope::Project(project) => accounts
                        .iter()
                        .filter(|a| in_project(a, project))
                        .map(|a| a.id.clone())
                        .collect(),
                    Scope::Organization => accounts.iter().map(|a| a.id.clone()).collect(),
                    Scope::ServiceAccount(email) => {
                        vec![format!("{SERVICE_ACCOUNT}{}", email.to_ascii_lowercase())]
                    }
                    Scope::Folder | Scope::Other => Vec::new(),
                };
                for role in IMPERSONATION_ROLES.iter().filter(|r| holds(grant, r)) {
                    let method = format!("{role} on {resource}");
                    for target in targets.iter().filter(|t| **t != grant.identity) {
                        if added.insert((grant.identity.clone(), target.clone(), method.clone())) {
                            graph.add_edge(edge(
                                &grant.identity,
                                target,
                                EdgeKind::CanImpersonate,
                                &method,
                            ));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::examples::{account, binding, compute_default, email, PROJECT};
    use super::*;
    use crate::example::inventory;
    use crate::graph::PathTarget;

    #[test]
    fn token_creator_on_a_project_reaches_its_accounts_and_their_admin_powers() {
        let ci = account(&email("ci-deployer"), &[]);
        let compute = compute_default();
        let agent = account(
            "service-604218337194@gcp-sa-pubsub.iam.gserviceaccount.com",
            &[("google_managed", true.into())],
        );
        let elsewhere = account(
            "x@other.iam.gserviceaccount.com",
            &[("project", "other".into())],
        );
        let group = "gcp:group:dispatch-devs@larkspur.example";
        let inv = inventory(
            vec![
                ci.clone(),
                compute.clone(),
                agent.clone(),
                elsewhere.clone(),
            ],
            vec![],
            vec![
                binding(group, IMPERSONATION_ROLES[0], "projects/604218337194"),
                binding(group, IMPERSONATION_ROLES[0], "projects/604218337194"),
                binding(&ci.id, OWNER, PROJECT),
                binding(&ci.id, IMPERSONATION_ROLES[1], PROJECT),
                binding(
                    "gcp:user:ops@larkspur.example",
                    IMPERSONATION_ROLES[1],
                    "folders/1",
                ),
            ],
        );
        let mut graph = IdentityGraph::default();
        ImpersonationEdges.derive(&inv, &mut graph);
        let from = |who: &str| -> Vec<&str> {
            let mut to: Vec<&str> = graph
                .edges()
                .iter()
                .filter(|e| e.from == who)
                .map(|e| e.to.as_str())
                .collect();
            to.sort_unstable();
            to
        };
        // By number: the Compute Engine default carries it; ci-deployer only has the project id.
        assert_eq!(from(group), [compute.id.as_str()]);
        assert_eq!(
            from(&ci.id),
            [compute.id.as_str()],
            "no self edge, no agent, no other project"
        );
        assert!(from("gcp:user:ops@larkspur.example").is_empty());
        assert_eq!(
            graph.admin_reason(&ci.id),
            Some("roles/owner on projects/larkspur-prod")
        );
        assert!(graph.shortest_path(group, &PathTarget::Admin).is_none());
    }

    #[test]
    fn a_role_on_one_account_or_the_organisation_reaches_accordingly() {
        let ci = account(&email("ci-deployer"), &[]);
        let sa_resource = format!("{PROJECT}/serviceAccounts/{}", email("ci-deployer"));
        let inv = inventory(
            vec![ci.clone(), compute_default()],
            vec![],
            vec![
                binding(
                    "gcp:user:a@larkspur.example",
                    IMPERSONATION_ROLES[0],
                    &sa_resource,
                ),
                binding(
                    "gcp:user:b@larkspur.example",
                    IMPERSONATION_ROLES[0],
                    "organizations/5",
                ),
                binding(&ci.id, OWNER, PROJECT),
            ],
        );
        let mut graph = IdentityGraph::default();
        ImpersonationEdges.derive(&inv, &mut graph);
        let path = graph
            .shortest_path("gcp:user:a@larkspur.example", &PathTarget::Admin)
            .unwrap();
        assert_eq!(path.len(), 1);
        assert_eq!(path[0].to, ci.id);
        let org_edges = graph
            .edges()
            .iter()
            .filter(|e| e.from == "gcp:user:b@larkspur.example")
            .count();
        assert_eq!(org_edges, 2);
    }
}
