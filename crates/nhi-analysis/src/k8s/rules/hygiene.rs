//! Rules about how identities are set up rather than what they can reach: broad groups holding
//! rights, bindings to roles that do not exist, the `default` account with rights, legacy token
//! Secrets, and tokens mounted into pods that never call the API.

use super::estate::{role_id, Estate};
use super::{example, meta, Scan};
use crate::k8s::builtin::is_builtin_name;
use crate::k8s::model::{describe_role, Binding, Role, Subject, SubjectKind, Workload};
use nhi_model::{Finding, OwaspNhi, RuleMeta, Severity};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const VIEW: &str = "k8s:clusterrole:view";

/// Non-bootstrap bindings whose role exists and grants something, with that role.
fn granting_bindings<'s>(scan: &'s Scan) -> Vec<(&'s Binding, &'s Role)> {
    scan.cluster
        .bindings()
        .iter()
        .filter(|b| !b.builtin)
        .filter_map(|b| scan.cluster.role(&b.role).map(|r| (b, r)))
        .filter(|(_, r)| !r.rules.is_empty())
        .collect()
}

/// One finding per subject among `subjects`, listing the bindings that give it rights.
fn subjects_with_rights(
    scan: &Scan,
    meta: &RuleMeta,
    wanted: impl Fn(&Subject) -> bool,
    what: &str,
) -> Vec<Finding> {
    let mut by_subject: BTreeMap<&str, Vec<(&Binding, &Role)>> = BTreeMap::new();
    for (binding, role) in granting_bindings(scan) {
        for subject in binding.subjects.iter().filter(|s| wanted(s)) {
            by_subject
                .entry(&subject.id)
                .or_default()
                .push((binding, role));
        }
    }
    by_subject
        .into_iter()
        .map(|(subject, grants)| {
            let (binding, role) = grants[0];
            let name = Subject::from_id(subject).map_or(subject.to_string(), |s| s.describe());
            let title = format!("{name} ({what}) is granted {} via {}", role.describe(), binding.describe());
            let listed: Vec<Value> = grants
                .iter()
                .map(|(b, r)| {
                    let rules: Vec<String> = r.rules.iter().take(20).map(|rule| rule.describe()).collect();
                    json!({"role": r.id, "binding": b.id, "scope": b.scope().describe(), "rules": rules})
                })
                .collect();
            let mut evidence = Map::new();
            evidence.insert("grants".to_string(), Value::Array(listed));
            scan.escalation(subject, &mut evidence);
            Finding::new(meta, title, vec![subject.to_string()], binding.location.clone(), Value::Object(evidence))
        })
        .collect()
}

/// The name part of a role id.
fn role_name(id: &str) -> &str {
    match id.strip_prefix("k8s:clusterrole:") {
        Some(name) => name,
        None => id.rsplit_once('/').map_or(id, |(_, name)| name),
    }
}

fn broad_group(subject: &Subject, ids: &[&str]) -> bool {
    ids.contains(&subject.id.as_str())
}

k8s_rule!(
    AnonymousAccess,
    meta(
        "k8s-anonymous-access",
        "Anonymous requests are granted permissions",
        Severity::Critical,
        &[OwaspNhi::NHI4, OwaspNhi::NHI5],
        "A binding grants a role to system:anonymous or system:unauthenticated: anyone who can reach the API server holds it, no credential needed.",
        "Delete the binding; if a health or discovery endpoint must be public, rely on the built-in system:public-info-viewer role.",
    ),
    check: |scan, meta| {
        let ids = ["k8s:user:system:anonymous", "k8s:group:system:unauthenticated"];
        subjects_with_rights(scan, meta, |s| broad_group(s, &ids), "anyone, unauthenticated")
    },
    examples: || {
        vec![
            example(
                "view bound to system:unauthenticated",
                Estate::new().binding(None, "open", VIEW, &["k8s:group:system:unauthenticated"]).build(),
                true,
            ),
            example(
                "view bound to a named group (the built-in public-info-viewer binding is not reported)",
                Estate::new().binding(None, "ok", VIEW, &["k8s:group:ops"]).build(),
                false,
            ),
        ]
    },
);

k8s_rule!(
    AllAuthenticatedAccess,
    meta(
        "k8s-all-authenticated-access",
        "Every authenticated identity is granted permissions",
        Severity::High,
        &[OwaspNhi::NHI5],
        "A binding grants a role to system:authenticated or system:serviceaccounts: every user and every service account of the cluster holds it, so any stolen token does.",
        "Bind the role to the specific service accounts or groups that need it.",
    ),
    check: |scan, meta| {
        let ids = ["k8s:group:system:authenticated", "k8s:group:system:serviceaccounts"];
        subjects_with_rights(scan, meta, |s| broad_group(s, &ids), "every authenticated identity")
    },
    examples: || {
        vec![
            example(
                "view bound to system:authenticated",
                Estate::new().binding(None, "all", VIEW, &["k8s:group:system:authenticated"]).build(),
                true,
            ),
            example(
                "view bound to one namespace's accounts",
                Estate::new().binding(None, "ns", VIEW, &["k8s:group:system:serviceaccounts:apps"]).build(),
                false,
            ),
        ]
    },
);

k8s_rule!(
    DefaultAccountPrivileged,
    meta(
        "k8s-default-serviceaccount-privileged",
        "A namespace's default service account holds permissions",
        Severity::Medium,
        &[OwaspNhi::NHI5, OwaspNhi::NHI9],
        "Every pod that names no service account runs as `default`; rights bound to it are shared by all of them, including pods that never needed them.",
        "Create a dedicated service account for the workload that needs the rights, bind them there, and leave `default` without bindings.",
    ),
    check: |scan, meta| {
        let default = |s: &Subject| s.kind == SubjectKind::ServiceAccount && s.name == "default";
        subjects_with_rights(scan, meta, default, "the namespace's default service account")
    },
    examples: || {
        vec![
            example(
                "default account bound to view",
                Estate::new().binding(Some("apps"), "d", VIEW, &["k8s:serviceaccount:apps/default"]).build(),
                true,
            ),
            example(
                "a dedicated account bound to view",
                Estate::new().binding(Some("apps"), "d", VIEW, &["k8s:serviceaccount:apps/reporter"]).build(),
                false,
            ),
        ]
    },
);

k8s_rule!(
    BindingToMissingRole,
    meta(
        "k8s-binding-to-missing-role",
        "Binding refers to a role that does not exist",
        Severity::Low,
        &[OwaspNhi::NHI1],
        "The binding's role is neither built into Kubernetes nor defined in the scanned manifests: it grants nothing today, and whoever later creates a role of that name grants it to these subjects.",
        "Delete the binding, or restore the role it was meant for.",
    ),
    check: |scan, meta| {
        let missing = scan.cluster.bindings().iter().filter(|b| !b.builtin && scan.cluster.role(&b.role).is_none());
        missing
            .filter(|b| !is_builtin_name(role_name(&b.role)))
            .map(|binding| {
                let mut subjects: Vec<String> = binding.subjects.iter().map(|s| s.id.clone()).collect();
                subjects.sort();
                let title = format!(
                    "{} refers to {}, which no scanned manifest defines",
                    binding.describe(),
                    describe_role(&binding.role)
                );
                let evidence = json!({"binding": binding.id, "role": binding.role});
                Finding::new(meta, title, subjects, binding.location.clone(), evidence)
            })
            .collect()
    },
    examples: || {
        vec![
            example(
                "binding to a role nobody defines",
                Estate::new().binding(Some("apps"), "b", &role_id(Some("apps"), "gone"), &["k8s:user:alice"]).build(),
                true,
            ),
            example(
                "binding to built-in roles",
                Estate::new()
                    .binding(Some("apps"), "b", VIEW, &["k8s:user:alice"])
                    .binding(None, "c", "k8s:clusterrole:system:controller:job-controller", &["k8s:user:alice"])
                    .build(),
                false,
            ),
        ]
    },
);

k8s_rule!(
    LegacyToken,
    meta(
        "k8s-legacy-serviceaccount-token",
        "Long-lived service account token Secret",
        Severity::Medium,
        &[OwaspNhi::NHI7, OwaspNhi::NHI4],
        "A Secret of type kubernetes.io/service-account-token holds a token that never expires and is not bound to a pod: anyone who reads the Secret keeps the account's rights until the Secret is deleted.",
        "Delete the Secret and let pods use projected, expiring tokens (TokenRequest); for an external client issue short-lived tokens with `kubectl create token`.",
    ),
    check: legacy_tokens,
    examples: || {
        vec![
            example("a token Secret", Estate::new().token_secret("apps", "ci-token", "ci").build(), true),
            example(
                "an account without token Secrets",
                Estate::new().service_account("apps", "ci", None).build(),
                false,
            ),
        ]
    },
);

/// Token Secrets seen as objects, and `<account>-token-*` Secrets a ServiceAccount lists.
fn legacy_tokens(scan: &Scan, meta: &RuleMeta) -> Vec<Finding> {
    let tokens = scan
        .inventory
        .credentials
        .values()
        .filter(|c| c.id.starts_with("api-token:k8s-secret:"));
    let mut seen = BTreeSet::new();
    let mut findings = Vec::new();
    for credential in tokens {
        let secret = &credential.id["api-token:k8s-secret:".len()..];
        seen.insert(secret.to_string());
        let owner = (credential.identity.as_deref())
            .and_then(Subject::from_id)
            .map_or("an unnamed service account".to_string(), |s| s.describe());
        let mut evidence = Map::new();
        evidence.insert("secret".to_string(), json!(secret));
        let mut subjects = vec![credential.id.clone()];
        if let Some(identity) = &credential.identity {
            subjects.push(identity.clone());
            scan.escalation(identity, &mut evidence);
        }
        let title = format!("Secret {secret} holds a non-expiring token of {owner}");
        findings.push(Finding::new(
            meta,
            title,
            subjects,
            credential.locations.first().cloned(),
            Value::Object(evidence),
        ));
    }
    for identity in scan.inventory.identities.values() {
        let Some(account) = scan.cluster.service_accounts().get(&identity.id) else {
            continue;
        };
        let listed = identity
            .attributes
            .get("token_secrets")
            .and_then(Value::as_array);
        let prefix = format!("{}-token-", account.name);
        for name in listed.into_iter().flatten().filter_map(Value::as_str) {
            let secret = format!("{}/{name}", account.namespace);
            if name.starts_with(&prefix) && !seen.contains(&secret) {
                let title = format!(
                    "ServiceAccount {}/{} lists the legacy token Secret {secret}",
                    account.namespace, account.name
                );
                let mut evidence = Map::new();
                evidence.insert("secret".to_string(), json!(secret));
                scan.escalation(&account.id, &mut evidence);
                findings.push(Finding::new(
                    meta,
                    title,
                    vec![account.id.clone()],
                    account.declared.clone(),
                    Value::Object(evidence),
                ));
            }
        }
    }
    findings
}

k8s_rule!(
    AutomountUnneeded,
    meta(
        "k8s-automount-token-unneeded",
        "Pods get an API token their service account has no use for",
        Severity::Low,
        &[OwaspNhi::NHI5],
        "No RBAC permission is bound to the workload's service account (or to its namespace's accounts), yet its token is mounted into the pods (the default): an attacker in the pod gets a valid cluster credential for free.",
        "Set automountServiceAccountToken: false on the ServiceAccount or the pod spec.",
    ),
    check: automount_unneeded,
    examples: || {
        vec![
            example(
                "a deployment mounting the token of an account without rights",
                Estate::new().workload("Deployment", "apps", "web", "web", None).build(),
                true,
            ),
            example(
                "automount switched off",
                Estate::new()
                    .service_account("apps", "web", Some(false))
                    .workload("Deployment", "apps", "web", "web", None)
                    .build(),
                false,
            ),
            example(
                "the account needs its token",
                Estate::new()
                    .workload("Deployment", "apps", "web", "web", None)
                    .binding(Some("apps"), "web", VIEW, &["k8s:serviceaccount:apps/web"])
                    .build(),
                false,
            ),
        ]
    },
);

fn automount_unneeded(scan: &Scan, meta: &RuleMeta) -> Vec<Finding> {
    let mut with_rights: BTreeSet<&str> = BTreeSet::new();
    for (binding, _) in granting_bindings(scan) {
        with_rights.extend(binding.subjects.iter().map(|s| s.id.as_str()));
    }
    // Rights every identity gets (system:authenticated, system:serviceaccounts) say nothing about
    // what this workload needs; rights bound to it or to its namespace's accounts do.
    let has_rights = |account: &str, namespace: &str| {
        let namespace_group = format!("k8s:group:system:serviceaccounts:{namespace}");
        with_rights.contains(account) || with_rights.contains(namespace_group.as_str())
    };
    let mut by_account: BTreeMap<&str, Vec<&Workload>> = BTreeMap::new();
    for workload in scan.cluster.workloads() {
        if scan.cluster.mounts_token(workload)
            && !has_rights(&workload.service_account, &workload.namespace)
        {
            by_account
                .entry(&workload.service_account)
                .or_default()
                .push(workload);
        }
    }
    by_account
        .into_iter()
        .map(|(account, workloads)| {
            let names: Vec<String> = workloads.iter().map(|w| w.describe()).collect();
            let name = Subject::from_id(account).map_or(account.to_string(), |s| s.describe());
            let title = format!(
                "{name} has no RBAC permission of its own, yet {} mount its token",
                names.join(", ")
            );
            let ids: Vec<&str> = workloads.iter().map(|w| w.id.as_str()).collect();
            let evidence = json!({"workloads": ids});
            Finding::new(
                meta,
                title,
                vec![account.to_string()],
                workloads[0].location.clone(),
                evidence,
            )
        })
        .collect()
}
