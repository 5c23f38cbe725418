//! The deriver on small hand-made accounts: which edges appear, which do not, and that callers
//! allowed everywhere share hub nodes instead of multiplying edges.

use super::super::examples::{allow, inventory_with, role, trust, user, with_policy, ACCOUNT};
use crate::{IdentityGraph, PathTarget};
use nhi_model::{Identity, Inventory};
use serde_json::{json, Value};

fn graph(identities: Vec<Identity>) -> (Inventory, IdentityGraph) {
    let inventory = inventory_with(identities, vec![], vec![]);
    let graph = IdentityGraph::build(&inventory);
    (inventory, graph)
}

fn reaches_admin(graph: &IdentityGraph, who: &Identity) -> bool {
    graph.shortest_path(&who.id, &PathTarget::Admin).is_some()
}

fn admin_role(name: &str, service: &str, profile: bool) -> Identity {
    let mut r = with_policy(
        role(name, trust(json!({"Service": service}))),
        "admin",
        allow(json!("*"), json!("*")),
    );
    if profile {
        r.attributes.insert(
            "aws_instance_profiles".into(),
            json!([format!("arn:aws:iam::{ACCOUNT}:instance-profile/{name}")]),
        );
    }
    r
}

fn with_boundary(mut identity: Identity, document: Value) -> Identity {
    identity.attributes.insert(
        "aws_permissions_boundary".into(),
        json!({"arn": "arn:aws:iam::111122223333:policy/b", "document": document}),
    );
    identity
}

#[test]
fn a_permissions_boundary_takes_escalation_away() {
    let attach = with_policy(
        user("ops"),
        "ops",
        allow(json!("iam:AttachUserPolicy"), json!("*")),
    );
    let (_, open) = graph(vec![attach.clone()]);
    assert!(reaches_admin(&open, &attach));
    let bounded = with_boundary(attach, allow(json!("s3:*"), json!("*")));
    let (_, closed) = graph(vec![bounded.clone()]);
    assert!(!reaches_admin(&closed, &bounded));
}

#[test]
fn passed_to_service_limits_which_service_gets_the_role() {
    let pass_to_lambda = json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
        "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}});
    let runner = with_policy(
        user("runner"),
        "run",
        json!({"Statement": [pass_to_lambda, {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]}),
    );
    let (_, g) = graph(vec![
        runner.clone(),
        admin_role("ec2-admin", "ec2.amazonaws.com", true),
    ]);
    assert!(
        !reaches_admin(&g, &runner),
        "the role may only be passed to Lambda"
    );
    let deployer = with_policy(
        user("deployer"),
        "deploy",
        json!({"Statement": [pass_to_lambda, {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}),
    );
    let (_, g) = graph(vec![
        deployer.clone(),
        admin_role("fn-admin", "lambda.amazonaws.com", false),
    ]);
    assert!(reaches_admin(&g, &deployer));
}

#[test]
fn ec2_roles_without_an_instance_profile_cannot_be_launched() {
    let runner = with_policy(
        user("runner"),
        "run",
        allow(json!(["iam:PassRole", "ec2:RunInstances"]), json!("*")),
    );
    let (_, g) = graph(vec![
        runner.clone(),
        admin_role("ec2-admin", "ec2.amazonaws.com", false),
    ]);
    assert!(!reaches_admin(&g, &runner));
    let (_, g) = graph(vec![
        runner.clone(),
        admin_role("ec2-admin", "ec2.amazonaws.com", true),
    ]);
    assert!(reaches_admin(&g, &runner));
}

#[test]
fn named_principals_need_no_permission_but_the_account_root_does() {
    let target = with_policy(
        role(
            "target",
            json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/named")}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]}),
        ),
        "admin",
        allow(json!("*"), json!("*")),
    );
    let named = role("named", trust(json!({"Service": "ec2.amazonaws.com"})));
    let bystander = role("bystander", trust(json!({"Service": "ec2.amazonaws.com"})));
    let assumer = with_policy(
        role("assumer", trust(json!({"Service": "ec2.amazonaws.com"}))),
        "a",
        allow(json!("sts:AssumeRole"), json!("*")),
    );
    let denied = with_policy(
        role("named", trust(json!({"Service": "ec2.amazonaws.com"}))),
        "deny",
        json!({"Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}),
    );
    let (_, g) = graph(vec![
        target.clone(),
        named.clone(),
        bystander.clone(),
        assumer.clone(),
    ]);
    assert!(reaches_admin(&g, &named), "named in the trust policy");
    assert!(
        !reaches_admin(&g, &bystander),
        "the account root needs the caller's permission"
    );
    assert!(
        reaches_admin(&g, &assumer),
        "allowed sts:AssumeRole on every role"
    );
    let (_, g) = graph(vec![target, denied.clone()]);
    assert!(
        !reaches_admin(&g, &denied),
        "an explicit deny wins over the trust policy"
    );
}

#[test]
fn callers_allowed_everywhere_share_one_hub_edge_each() {
    let mut identities: Vec<Identity> = (0..300)
        .map(|i| {
            with_policy(
                user(&format!("keymaker-{i}")),
                "keys",
                allow(json!("iam:CreateAccessKey"), json!("*")),
            )
        })
        .collect();
    identities.extend((0..300).map(|i| user(&format!("plain-{i}"))));
    let (_, g) = graph(identities);
    // One edge per caller to the "any user" hub, one per user out of it: 300 + 600, not 300 * 600.
    assert_eq!(g.edges().len(), 900);
}
