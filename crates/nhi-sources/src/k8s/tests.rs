//! Unit tests of the Kubernetes source on in-memory files: recognition, namespace inference and
//! the edge cases fixtures do not show.

use super::K8sSource;
use crate::{Discovery, Source, SourceContext, SourceFile};
use nhi_model::Fingerprinter;

fn read(path: &str, text: &str) -> Discovery {
    let fingerprinter = Fingerprinter::new([3; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let file = SourceFile {
        path,
        bytes: text.as_bytes(),
    };
    let mut out = Discovery::default();
    K8sSource.read(&file, &ctx, &mut out);
    out
}

fn recognises(path: &str, text: &str) -> bool {
    K8sSource.recognises(&SourceFile {
        path,
        bytes: text.as_bytes(),
    })
}

#[test]
fn recognises_manifests_by_content_and_extension() {
    let manifest = "apiVersion: v1\nkind: ServiceAccount\n";
    assert!(recognises("a/b.yaml", manifest));
    assert!(recognises(
        "a/b.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"List\"}"
    ));
    assert!(recognises("rendered", manifest));
    assert!(!recognises("a/b.yaml", "name: values\n"));
    assert!(!recognises("README.md", manifest));
}

#[test]
fn an_ambiguous_install_namespace_falls_back_to_default() {
    let text = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\n\
        apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b}\n---\n\
        apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\n\
        roleRef: {kind: ClusterRole, name: r}\n\
        subjects: [{kind: ServiceAccount, name: a, namespace: one}, {kind: ServiceAccount, name: b, namespace: two}]\n";
    let out = read("install.yaml", text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(out
        .inventory
        .identities
        .contains_key("k8s:serviceaccount:default/a"));
    assert!(out
        .inventory
        .identities
        .contains_key("k8s:serviceaccount:one/a"));
}

#[test]
fn a_cluster_role_binding_needs_service_account_namespaces_and_cluster_roles() {
    let text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\n\
        roleRef: {kind: Role, name: r}\nsubjects: [{kind: ServiceAccount, name: a}]\n---\n\
        apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: y}\n\
        roleRef: {kind: ClusterRole, name: r}\nsubjects: [{kind: ServiceAccount, name: a}, {kind: User, name: u}]\n";
    let out = read("bad.yaml", text);
    let errors: Vec<String> = out.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "bad.yaml:1: ClusterRoleBinding x: a ClusterRoleBinding cannot refer to a Role",
            "bad.yaml:7: ClusterRoleBinding y: ServiceAccount subject a without a namespace",
        ]
    );
    assert_eq!(
        out.inventory.edges.len(),
        1,
        "the valid subject of y still counts"
    );
}

#[test]
fn non_utf8_files_and_unnamed_objects_are_errors_not_panics() {
    let fingerprinter = Fingerprinter::new([3; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let mut out = Discovery::default();
    let bytes = b"apiVersion: v1\nkind: \xff\n";
    K8sSource.read(
        &SourceFile {
            path: "x.yaml",
            bytes,
        },
        &ctx,
        &mut out,
    );
    assert_eq!(out.errors[0].to_string(), "x.yaml: not UTF-8 text");
    let out = read(
        "y.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {}\n",
    );
    assert_eq!(
        out.errors[0].to_string(),
        "y.yaml:1: ServiceAccount <unnamed>: no metadata.name"
    );
}

#[test]
fn aws_auth_elsewhere_than_kube_system_is_not_read() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: apps}\n\
        data:\n  mapRoles: |\n    - rolearn: arn:aws:iam::1:role/x\n      groups: [system:masters]\n";
    assert!(read("cm.yaml", text).inventory.edges.is_empty());
}
