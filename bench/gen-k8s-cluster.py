#!/usr/bin/env python3
"""Generate a large Kubernetes cluster dump to time nhi's RBAC analysis.

Usage: gen-k8s-cluster.py OUT_DIR [SERVICE_ACCOUNTS] [ROLES] [BINDINGS]

Writes multi-document YAML files to OUT_DIR (one per 50 namespaces, plus one for cluster-scoped
objects): by default 20,000 service accounts in 200 namespaces, 5,000 roles (4,000 Roles and 1,000
ClusterRoles, a few aggregated), 20,000 bindings (RoleBindings to Roles and ClusterRoles,
ClusterRoleBindings; subjects are service accounts, users and groups) and one Deployment for every
other service account. About one role in twenty holds a dangerous permission (secrets, pods,
exec, tokens, impersonation, webhooks, ...), so rules and edges have real work to do.
Deterministic (fixed seed): the same files every run.

Time it with:  nhi scan OUT_DIR --format json --output /dev/null
"""
import os
import random
import sys

NAMESPACES = 200
RISKY = [
    ("", "secrets", "get,list,watch"),
    ("", "pods", "create"),
    ("apps", "deployments", "create,patch"),
    ("", "pods/exec", "create"),
    ("", "serviceaccounts/token", "create"),
    ("", "serviceaccounts", "impersonate"),
    ("batch", "jobs", "create"),
]
CLUSTER_RISKY = RISKY + [
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "patch"),
    ("", "nodes/proxy", "get"),
    ("", "groups", "impersonate"),
    ("*", "*", "*"),
]
BENIGN = [
    ("", "configmaps", "get,list,watch"),
    ("", "services", "get,list"),
    ("apps", "deployments", "get,list,watch"),
    ("networking.k8s.io", "ingresses", "get,list"),
    ("coordination.k8s.io", "leases", "get,create,update"),
    ("example.com", "widgets", "get,list,watch,create"),
    ("metrics.k8s.io", "*", "*"),
]


def rule(group, resource, verbs, names=None):
    lines = [
        f"  - apiGroups: [\"{group}\"]",
        f"    resources: [\"{resource}\"]",
        f"    verbs: [{', '.join(repr(v).replace(chr(39), chr(34)) for v in verbs.split(','))}]",
    ]
    if names:
        lines.append(f"    resourceNames: [\"{names}\"]")
    return "\n".join(lines)


def role_doc(rng, kind, name, namespace, pool, labels=None):
    meta = [f"  name: {name}"]
    if namespace:
        meta.append(f"  namespace: {namespace}")
    if labels:
        meta.append("  labels:")
        meta += [f"    {k}: \"{v}\"" for k, v in labels.items()]
    rules = [rule(*rng.choice(BENIGN)) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.05:
        rules.append(rule(*rng.choice(pool)))
    if rng.random() < 0.05:
        rules.append(rule("", "secrets", "get", f"{name}-credentials"))
    return "\n".join(["apiVersion: rbac.authorization.k8s.io/v1", f"kind: {kind}", "metadata:"] + meta
                     + ["rules:"] + rules)


def subject(rng, namespaces):
    roll = rng.random()
    if roll < 0.8:
        ns = rng.choice(namespaces)
        return f"  - kind: ServiceAccount\n    name: sa-{ns}-{rng.randrange(100)}\n    namespace: {ns}"
    if roll < 0.95:
        return f"  - kind: User\n    name: user{rng.randrange(500)}@larkspur.example"
    return f"  - kind: Group\n    name: team-{rng.randrange(50)}"


def binding_doc(rng, kind, name, namespace, role_kind, role_name, namespaces):
    meta = [f"  name: {name}"] + ([f"  namespace: {namespace}"] if namespace else [])
    subjects = [subject(rng, [namespace] if namespace and rng.random() < 0.9 else namespaces)
                for _ in range(rng.randint(1, 3))]
    return "\n".join(["apiVersion: rbac.authorization.k8s.io/v1", f"kind: {kind}", "metadata:"] + meta
                     + ["subjects:"] + subjects
                     + ["roleRef:", "  apiGroup: rbac.authorization.k8s.io", f"  kind: {role_kind}",
                        f"  name: {role_name}"])


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    accounts = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    roles = int(sys.argv[3]) if len(sys.argv) > 3 else 5_000
    bindings = int(sys.argv[4]) if len(sys.argv) > 4 else 20_000
    rng = random.Random(20260101)
    os.makedirs(out, exist_ok=True)
    namespaces = [f"ns{i:03d}" for i in range(NAMESPACES)]
    per_ns = max(1, accounts // NAMESPACES)

    cluster_roles = roles // 5
    cluster_docs = []
    for i in range(cluster_roles):
        labels = {"rbac.authorization.k8s.io/aggregate-to-view": "true"} if i % 100 == 0 else None
        cluster_docs.append(role_doc(rng, "ClusterRole", f"cr{i:04d}", None, CLUSTER_RISKY, labels))
    for i in range(5):
        cluster_docs.append("\n".join([
            "apiVersion: rbac.authorization.k8s.io/v1", "kind: ClusterRole", "metadata:",
            f"  name: aggregate{i}", "aggregationRule:", "  clusterRoleSelectors:",
            "    - matchLabels:", f"        larkspur.example/aggregate-{i}: \"true\"", "rules: []"]))
    cluster_bindings = bindings // 5
    for i in range(cluster_bindings):
        role = f"cr{rng.randrange(cluster_roles):04d}" if rng.random() < 0.97 else "view"
        cluster_docs.append(binding_doc(rng, "ClusterRoleBinding", f"crb{i:05d}", None, "ClusterRole", role,
                                        namespaces))
    with open(os.path.join(out, "cluster.yaml"), "w") as fh:
        fh.write("\n---\n".join(cluster_docs) + "\n")

    ns_roles = roles - cluster_roles
    ns_bindings = bindings - cluster_bindings
    files = {}
    for n, ns in enumerate(namespaces):
        docs = files.setdefault(n // 50, [])
        for a in range(per_ns):
            docs.append(f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-{ns}-{a}\n  namespace: {ns}")
            if a % 2 == 0:
                docs.append("\n".join([
                    "apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: app-{a}",
                    f"  namespace: {ns}", "spec:", "  template:", "    spec:",
                    f"      serviceAccountName: sa-{ns}-{a}", "      containers:", "        - name: app",
                    "          image: registry.larkspur.example/app:1"]))
        for r in range(ns_roles // NAMESPACES):
            docs.append(role_doc(rng, "Role", f"role{r:02d}", ns, RISKY))
        for b in range(ns_bindings // NAMESPACES):
            if rng.random() < 0.7:
                role_kind, role_name = "Role", f"role{rng.randrange(max(1, ns_roles // NAMESPACES)):02d}"
            else:
                role_kind, role_name = "ClusterRole", f"cr{rng.randrange(cluster_roles):04d}"
            docs.append(binding_doc(rng, "RoleBinding", f"rb{b:03d}", ns, role_kind, role_name, namespaces))
    for index, docs in files.items():
        with open(os.path.join(out, f"namespaces-{index}.yaml"), "w") as fh:
            fh.write("\n---\n".join(docs) + "\n")


if __name__ == "__main__":
    main()
