//! Tests of the cluster model, `who_can` and the graph edges on small hand-written clusters.

use super::rules::estate::{role_id, Estate, RuleSpec};
use super::*;
use crate::graph::{IdentityGraph, PathTarget};
use nhi_model::Inventory;

const WORKER: &str = "k8s:serviceaccount:apps/worker";

/// The subjects of the permits, leaving out `system:masters` (which can do everything).
fn subjects(permits: &[Permit]) -> Vec<String> {
    let mut ids: Vec<String> = permits
        .iter()
        .map(|p| p.subject.id.clone())
        .filter(|id| id != "k8s:group:system:masters")
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn graph(inventory: &Inventory) -> IdentityGraph {
    IdentityGraph::build(inventory)
}

#[test]
fn aggregated_roles_take_the_rules_of_the_roles_they_select_transitively() {
    let inventory = Estate::new()
        .aggregated_role("outer", "example.com/outer")
        .aggregated_role("inner", "example.com/inner")
        .role(None, "inner", &[], &[("example.com/outer", "true")])
        .role(
            None,
            "pods",
            &[(&[""], &["pods"], &["get"], &[])],
            &[("example.com/inner", "true")],
        )
        .binding(None, "b", &role_id(None, "outer"), &[WORKER])
        .build();
    let cluster = Cluster::from_inventory(&inventory);
    assert_eq!(
        subjects(&cluster.who_can("get", "pods", None, None)),
        vec![WORKER]
    );
    assert!(subjects(&cluster.who_can("list", "pods", None, None)).is_empty());
}

#[test]
fn manifest_roles_labelled_aggregate_to_view_extend_the_built_in_view() {
    let inventory = Estate::new()
        .role(
            None,
            "widgets",
            &[(&["example.com"], &["widgets"], &["get"], &[])],
            &[("rbac.authorization.k8s.io/aggregate-to-view", "true")],
        )
        .binding(Some("apps"), "b", &role_id(None, "admin"), &[WORKER])
        .build();
    let cluster = Cluster::from_inventory(&inventory);
    let permits = cluster.who_can("get", "widgets.example.com", Some("apps"), Some("w"));
    assert_eq!(
        subjects(&permits),
        vec![WORKER],
        "admin includes edit includes view"
    );
    let worker = permits.iter().find(|p| p.subject.id == WORKER).unwrap();
    assert_eq!(worker.scope, Scope::Namespace("apps".into()));
    assert!(
        subjects(&cluster.who_can("get", "widgets.example.com", Some("other"), Some("w")))
            .is_empty()
    );
}

#[test]
fn role_bindings_cannot_grant_cluster_scoped_resources_or_urls() {
    let rules: &[RuleSpec] = &[
        (&[""], &["nodes", "pods"], &["get"], &[]),
        (&[], &["/metrics"], &["get"], &[]),
    ];
    let inventory = Estate::new()
        .role(None, "reader", rules, &[])
        .binding(Some("apps"), "b", &role_id(None, "reader"), &[WORKER])
        .build();
    let cluster = Cluster::from_inventory(&inventory);
    let effective = |verb, resource| -> Vec<bool> {
        let permits = cluster.who_can(verb, resource, None, Some("x"));
        permits
            .iter()
            .filter(|p| p.subject.id == WORKER)
            .map(|p| p.effective)
            .collect()
    };
    assert_eq!(effective("get", "pods"), vec![true]);
    assert_eq!(effective("get", "nodes"), vec![false]);
    assert_eq!(effective("get", "/metrics"), vec![false]);
}

#[test]
fn system_masters_can_do_everything_and_is_admin() {
    let cluster = Cluster::from_inventory(
        &Estate::new()
            .service_account("apps", "worker", None)
            .build(),
    );
    let permits = cluster.who_can("delete", "nodes", None, Some("n1"));
    let ids: Vec<&str> = permits.iter().map(|p| p.subject.id.as_str()).collect();
    assert_eq!(ids, vec!["k8s:group:system:masters"]);
    let graph = graph(
        &Estate::new()
            .service_account("apps", "worker", None)
            .build(),
    );
    assert!(graph.admin_reason("k8s:group:system:masters").is_some());
}

#[test]
fn pod_creators_reach_every_account_of_the_namespace_through_one_node() {
    let inventory = Estate::new()
        .service_account("kube-system", "admin", None)
        .service_account("kube-system", "other", None)
        .binding(
            None,
            "admin",
            &role_id(None, "cluster-admin"),
            &["k8s:serviceaccount:kube-system/admin"],
        )
        .role(
            None,
            "deployer",
            &[(&["apps"], &["deployments"], &["create"], &[])],
            &[],
        )
        .binding(
            Some("kube-system"),
            "deployer",
            &role_id(None, "deployer"),
            &[WORKER],
        )
        .build();
    let graph = graph(&inventory);
    let path = graph
        .shortest_path(WORKER, &PathTarget::Admin)
        .expect("a path to admin");
    let hops: Vec<&str> = path.iter().map(|step| step.to.as_str()).collect();
    assert_eq!(
        hops,
        vec![
            "k8s:namespace:kube-system",
            "k8s:serviceaccount:kube-system/admin"
        ]
    );
}

#[test]
fn exec_reaches_only_accounts_whose_token_a_workload_mounts() {
    let inventory = Estate::new()
        .service_account("apps", "quiet", Some(false))
        .workload("Deployment", "apps", "quiet", "quiet", None)
        .workload("Deployment", "apps", "busy", "busy", None)
        .binding(
            None,
            "admin",
            &role_id(None, "cluster-admin"),
            &[
                "k8s:serviceaccount:apps/quiet",
                "k8s:serviceaccount:apps/busy",
            ],
        )
        .role(
            Some("apps"),
            "exec",
            &[(&[""], &["pods/exec"], &["create"], &[])],
            &[],
        )
        .binding(
            Some("apps"),
            "exec",
            &role_id(Some("apps"), "exec"),
            &["k8s:user:dev"],
        )
        .build();
    let graph = graph(&inventory);
    let reached = |from: &str| -> Vec<String> {
        (graph.edges().iter())
            .filter(|e| e.from == from && e.kind == nhi_model::EdgeKind::CanImpersonate)
            .map(|e| e.to.clone())
            .collect()
    };
    assert_eq!(reached("k8s:user:dev"), vec!["k8s:pods:apps"]);
    let targets = reached("k8s:pods:apps");
    assert_eq!(targets, vec!["k8s:serviceaccount:apps/busy"]);
}

#[test]
fn broad_groups_link_their_members_only_when_they_hold_power() {
    let inventory = Estate::new()
        .service_account("apps", "worker", None)
        .role(
            Some("apps"),
            "tokens",
            &[(&[""], &["serviceaccounts/token"], &["create"], &[])],
            &[],
        )
        .binding(
            Some("apps"),
            "all",
            &role_id(Some("apps"), "tokens"),
            &["k8s:group:system:serviceaccounts:apps"],
        )
        .build();
    let graph = graph(&inventory);
    let member_of: Vec<(&str, &str)> = graph
        .edges()
        .iter()
        .filter(|e| e.kind == nhi_model::EdgeKind::MemberOf)
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    assert_eq!(
        member_of,
        vec![(WORKER, "k8s:group:system:serviceaccounts:apps")]
    );
}

#[test]
fn impersonating_groups_cluster_wide_leads_to_system_masters() {
    let inventory = Estate::new()
        .role(
            None,
            "imp",
            &[(&[""], &["groups"], &["impersonate"], &[])],
            &[],
        )
        .binding(None, "imp", &role_id(None, "imp"), &[WORKER])
        .build();
    let graph = graph(&inventory);
    let path = graph.shortest_path(WORKER, &PathTarget::Admin).unwrap();
    assert_eq!(path.last().unwrap().to, "k8s:group:system:masters");
}

#[test]
fn bind_on_cluster_roles_with_binding_writes_is_admin_equivalent() {
    let inventory = Estate::new()
        .role(
            None,
            "rbac",
            &[
                (
                    &["rbac.authorization.k8s.io"],
                    &["clusterroles"],
                    &["bind"],
                    &["cluster-admin"],
                ),
                (
                    &["rbac.authorization.k8s.io"],
                    &["clusterrolebindings"],
                    &["create"],
                    &[],
                ),
            ],
            &[],
        )
        .binding(None, "rbac", &role_id(None, "rbac"), &[WORKER])
        .build();
    assert!(graph(&inventory).admin_reason(WORKER).is_some());
}

#[test]
fn azure_workload_identity_links_to_the_identity_with_that_client_id() {
    let mut inventory = Estate::new()
        .service_account("apps", "worker", None)
        .build();
    let mut annotation = nhi_model::Edge {
        from: WORKER.to_string(),
        to: "azure:managedidentity:c1".to_string(),
        kind: nhi_model::EdgeKind::CanAssume,
        attributes: Default::default(),
    };
    annotation
        .attributes
        .insert("method".into(), "Azure Workload Identity".into());
    inventory.edges.push(annotation);
    let mut identity = nhi_model::Identity::new(
        "azure:managedidentity:p9",
        nhi_model::IdentityKind::ManagedIdentity,
        "azure",
        "uami",
    );
    identity.attributes.insert("client_id".into(), "C1".into());
    inventory.add_identity(identity);
    let graph = graph(&inventory);
    assert!(graph
        .shortest_path(WORKER, &PathTarget::Node("azure:managedidentity:p9".into()))
        .is_some());
}
