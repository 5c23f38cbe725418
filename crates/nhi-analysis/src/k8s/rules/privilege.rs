//! Rules over dangerous powers (see `powers.rs`): one finding per subject and rule, listing every
//! grant that gives the power. Bootstrap bindings (Kubernetes' own) are not reported.

use super::estate::granted;
use super::{example, meta, Scan};
use crate::k8s::model::Binding;
use crate::k8s::powers::{self, Holding, Power, PowerKind};
use nhi_model::{Finding, OwaspNhi, RuleMeta, Severity};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const OVERPRIVILEGED: &[OwaspNhi] = &[OwaspNhi::NHI5];
const SA: &str = "k8s:serviceaccount:apps/worker";

/// Findings for every subject holding a power that `selects` accepts.
fn power_findings(
    scan: &Scan,
    meta: &RuleMeta,
    selects: fn(&PowerKind, &Binding) -> bool,
) -> Vec<Finding> {
    let holdings = powers::holdings(&scan.cluster);
    let mut by_subject: BTreeMap<&str, Vec<(&Holding, &Power)>> = BTreeMap::new();
    for holding in holdings.iter().filter(|h| !h.binding.builtin) {
        for power in holding
            .powers
            .iter()
            .filter(|p| selects(&p.kind, holding.binding))
        {
            by_subject
                .entry(&holding.subject.id)
                .or_default()
                .push((holding, power));
        }
    }
    by_subject
        .into_iter()
        .map(|(subject, grants)| subject_finding(scan, meta, subject, &grants))
        .collect()
}

fn subject_finding(
    scan: &Scan,
    meta: &RuleMeta,
    subject: &str,
    grants: &[(&Holding, &Power)],
) -> Finding {
    let (first, power) = grants[0];
    let scope = first.binding.scope();
    let mut title = format!(
        "{} {} ({} via {})",
        first.subject.describe(),
        power.describe(&scope),
        first.role.describe(),
        first.binding.describe()
    );
    if grants.len() > 1 {
        title.push_str(&format!(" and {} more grants", grants.len() - 1));
    }
    let listed: Vec<Value> = grants
        .iter()
        .map(|(holding, power)| {
            json!({
                "role": holding.role.id,
                "binding": holding.binding.id,
                "scope": holding.binding.scope().describe(),
                "power": power.describe(&holding.binding.scope()),
                "permissions": power.how,
            })
        })
        .collect();
    let mut evidence = Map::new();
    evidence.insert("subject_kind".to_string(), json!(first.subject.kind_name()));
    evidence.insert("grants".to_string(), Value::Array(listed));
    scan.escalation(subject, &mut evidence);
    Finding::new(
        meta,
        title,
        vec![subject.to_string()],
        first.binding.location.clone(),
        Value::Object(evidence),
    )
}

k8s_rule!(
    ClusterAdminBinding,
    meta(
        "k8s-cluster-admin-binding",
        "Subject bound to cluster-admin or * on * cluster-wide",
        Severity::Critical,
        OVERPRIVILEGED,
        "A ClusterRoleBinding gives the subject every verb on every resource of every API group: full control of the cluster.",
        "Replace the binding with a role that lists the resources and verbs the workload needs; keep cluster-admin for break-glass humans.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::Everything)),
    examples: || vec![
        example("service account bound to * on * cluster-wide", granted(None, SA, &[(&["*"], &["*"], &["*"], &[])]), true),
        example("* on * only inside metrics.k8s.io", granted(None, SA, &[(&["metrics.k8s.io"], &["*"], &["*"], &[])]), false),
        example("* on * through a RoleBinding (one namespace)", granted(Some("apps"), SA, &[(&["*"], &["*"], &["*"], &[])]), false),
    ]
);

k8s_rule!(
    ReadSecretsCluster,
    meta(
        "k8s-read-secrets-cluster",
        "Subject can read every secret in the cluster",
        Severity::High,
        OVERPRIVILEGED,
        "get, list or watch on secrets through a ClusterRoleBinding, not limited by resourceNames: every token, password and key in every namespace.",
        "Limit the rule to the secrets the workload uses (resourceNames) and bind it with RoleBindings in their namespaces only.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, binding| matches!(kind, PowerKind::ReadSecrets) && binding.namespace.is_none()),
    examples: || vec![
        example("list secrets cluster-wide", granted(None, SA, &[(&[""], &["secrets"], &["list", "watch"], &[])]), true),
        example("list secrets in one namespace", granted(Some("apps"), SA, &[(&[""], &["secrets"], &["list"], &[])]), false),
        example("get only named secrets", granted(None, SA, &[(&[""], &["secrets"], &["get"], &["tls"])]), false),
    ]
);

k8s_rule!(
    ReadSecretsNamespace,
    meta(
        "k8s-read-secrets-namespace",
        "Subject can read every secret of a namespace",
        Severity::Medium,
        OVERPRIVILEGED,
        "get, list or watch on secrets through a RoleBinding, not limited by resourceNames: every secret of that namespace, service account tokens included.",
        "List the secrets the workload needs in resourceNames, or move the secrets it must not see to another namespace.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, binding| matches!(kind, PowerKind::ReadSecrets) && binding.namespace.is_some()),
    examples: || vec![
        example("get secrets in one namespace", granted(Some("apps"), SA, &[(&[""], &["secrets"], &["get"], &[])]), true),
        example("get only named secrets", granted(Some("apps"), SA, &[(&[""], &["secrets"], &["get"], &["tls"])]), false),
    ]
);

k8s_rule!(
    ReadNamedSecrets,
    meta(
        "k8s-read-secrets-named",
        "Subject can read specific secrets (limited by resourceNames)",
        Severity::Low,
        OVERPRIVILEGED,
        "The subject may read only the secrets its rules name: reported so the list can be reviewed, not as access to all secrets.",
        "Check that every named secret is one the workload needs; remove the rest from resourceNames.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::ReadNamedSecrets(_))),
    examples: || vec![
        example("get named secrets", granted(Some("apps"), SA, &[(&[""], &["secrets"], &["get", "update"], &["tls", "csrf"])]), true),
        example("no secret access", granted(Some("apps"), SA, &[(&[""], &["configmaps"], &["get"], &[])]), false),
    ]
);

k8s_rule!(
    CreatePodsTokenTheft,
    meta(
        "k8s-create-pods-token-theft",
        "Subject can start pods as any service account of a namespace",
        Severity::High,
        OVERPRIVILEGED,
        "Creating pods, or creating or patching a workload controller (Deployment, DaemonSet, Job, ...), lets the subject run a pod as any service account of the namespace and read its token.",
        "Grant workload creation only to deployment pipelines, in the namespaces they deploy to; keep powerful service accounts in namespaces nobody else can create pods in.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::RunPods)),
    examples: || vec![
        example("create pods in kube-system", granted(Some("kube-system"), SA, &[(&[""], &["pods"], &["create"], &[])]), true),
        example("patch deployments cluster-wide", granted(None, SA, &[(&["apps"], &["deployments"], &["patch"], &[])]), true),
        example("create pods/eviction only", granted(None, SA, &[(&[""], &["pods/eviction"], &["create"], &[])]), false),
        example("create pods in the wrong API group", granted(None, SA, &[(&["metrics.k8s.io"], &["pods"], &["create"], &[])]), false),
    ]
);

k8s_rule!(
    ExecIntoPods,
    meta(
        "k8s-exec-into-pods",
        "Subject can run commands in running pods",
        Severity::High,
        OVERPRIVILEGED,
        "pods/exec, pods/attach or pods/ephemeralcontainers lets the subject run code inside pods and use their mounted service account tokens.",
        "Remove exec and attach from automation roles; give humans time-bound, audited access instead.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::ExecIntoPods)),
    examples: || vec![
        example("create pods/exec", granted(Some("apps"), SA, &[(&[""], &["pods/exec"], &["create"], &[])]), true),
        example("get pods only", granted(Some("apps"), SA, &[(&[""], &["pods"], &["get"], &[])]), false),
    ]
);

k8s_rule!(
    CreateServiceAccountTokens,
    meta(
        "k8s-create-serviceaccount-token",
        "Subject can create tokens for service accounts",
        Severity::High,
        OVERPRIVILEGED,
        "create on serviceaccounts/token mints a token for any service account in scope (or the named ones): the subject becomes them.",
        "Remove serviceaccounts/token from the role, or limit it with resourceNames to the one account that needs it.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::CreateTokens(_))),
    examples: || vec![
        example("create serviceaccounts/token", granted(Some("apps"), SA, &[(&[""], &["serviceaccounts/token"], &["create"], &[])]), true),
        example("get serviceaccounts", granted(Some("apps"), SA, &[(&[""], &["serviceaccounts"], &["get"], &[])]), false),
    ]
);

k8s_rule!(
    Impersonate,
    meta(
        "k8s-impersonate",
        "Subject can impersonate users, groups or service accounts",
        Severity::High,
        OVERPRIVILEGED,
        "The impersonate verb lets the subject act as other identities; impersonating groups cluster-wide includes system:masters.",
        "Remove impersonate, or limit it with resourceNames to the identities a proxy truly needs to act for.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::Impersonate(..))),
    examples: || vec![
        example("impersonate groups cluster-wide", granted(None, SA, &[(&[""], &["groups"], &["impersonate"], &[])]), true),
        example("impersonate users through a RoleBinding (ignored by Kubernetes)", granted(Some("apps"), SA, &[(&[""], &["users"], &["impersonate"], &[])]), false),
    ]
);

k8s_rule!(
    BindOrEscalate,
    meta(
        "k8s-bind-or-escalate",
        "Subject can grant permissions it does not hold",
        Severity::High,
        OVERPRIVILEGED,
        "bind (with write access to bindings) or escalate (with write access to roles) switches off Kubernetes' privilege-escalation check: the subject can grant itself any role, cluster-admin included when cluster-wide.",
        "Remove bind and escalate; let a reviewed pipeline manage RBAC objects.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::BindOrEscalate { .. })),
    examples: || vec![
        example(
            "bind clusterroles and create clusterrolebindings",
            granted(None, SA, &[(&["rbac.authorization.k8s.io"], &["clusterroles"], &["bind"], &[]), (&["rbac.authorization.k8s.io"], &["clusterrolebindings"], &["create"], &[])]),
            true,
        ),
        example("bind without writing bindings", granted(None, SA, &[(&["rbac.authorization.k8s.io"], &["clusterroles"], &["bind"], &[])]), false),
    ]
);

k8s_rule!(
    ModifyAdmissionWebhooks,
    meta(
        "k8s-modify-admission-webhooks",
        "Subject can change admission webhooks",
        Severity::High,
        OVERPRIVILEGED,
        "Write access to mutating or validating webhook configurations lets the subject send every API request to its own server: mutating ones can inject containers into every pod.",
        "Leave webhook configurations to the cluster's installer; a controller that patches its own CA bundle should be limited with resourceNames.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::AdmissionWebhooks { .. })),
    examples: || vec![
        example("update validating webhooks", granted(None, SA, &[(&["admissionregistration.k8s.io"], &["validatingwebhookconfigurations"], &["get", "update"], &[])]), true),
        example("read webhooks only", granted(None, SA, &[(&["admissionregistration.k8s.io"], &["mutatingwebhookconfigurations"], &["get", "list"], &[])]), false),
    ]
);

k8s_rule!(
    ApproveCsr,
    meta(
        "k8s-approve-csr",
        "Subject can approve certificate signing requests",
        Severity::High,
        OVERPRIVILEGED,
        "update on certificatesigningrequests/approval together with approve on signers lets the subject issue client certificates; for the kube-apiserver-client signer that is any user, system:masters included.",
        "Keep CSR approval to the controller manager; limit approve on signers to the signer names a controller owns.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::ApproveCertificates(_))),
    examples: || vec![
        example(
            "approve CSRs for any signer",
            granted(None, SA, &[(&["certificates.k8s.io"], &["certificatesigningrequests/approval"], &["update"], &[]), (&["certificates.k8s.io"], &["signers"], &["approve"], &[])]),
            true,
        ),
        example("update approval without a signer", granted(None, SA, &[(&["certificates.k8s.io"], &["certificatesigningrequests/approval"], &["update"], &[])]), false),
    ]
);

k8s_rule!(
    NodesProxy,
    meta(
        "k8s-nodes-proxy",
        "Subject can reach kubelets through nodes/proxy",
        Severity::High,
        OVERPRIVILEGED,
        "nodes/proxy opens the kubelet API of every node: running commands in any pod there, unseen by the API server's audit log.",
        "Remove nodes/proxy; monitoring agents can read metrics from nodes/metrics or nodes/stats instead.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::NodeProxy)),
    examples: || vec![
        example("get nodes/proxy", granted(None, SA, &[(&[""], &["nodes/proxy"], &["get"], &[])]), true),
        example("get nodes/metrics", granted(None, SA, &[(&[""], &["nodes/metrics"], &["get"], &[])]), false),
    ]
);

k8s_rule!(
    ModifyAwsAuth,
    meta(
        "k8s-modify-aws-auth",
        "Subject can edit the EKS aws-auth ConfigMap",
        Severity::Critical,
        OVERPRIVILEGED,
        "Writing configmaps in kube-system (aws-auth not excluded by resourceNames) lets the subject map any IAM principal to system:masters.",
        "Remove configmap write access in kube-system; manage cluster access with EKS access entries from a reviewed pipeline.",
    ),
    check: |scan, meta| power_findings(scan, meta, |kind, _| matches!(kind, PowerKind::AwsAuth)),
    examples: || vec![
        example("patch configmaps in kube-system", granted(Some("kube-system"), SA, &[(&[""], &["configmaps"], &["patch"], &[])]), true),
        example("patch configmaps in another namespace", granted(Some("apps"), SA, &[(&[""], &["configmaps"], &["patch"], &[])]), false),
        example("patch only a named configmap", granted(None, SA, &[(&[""], &["configmaps"], &["patch"], &["settings"])]), false),
    ]
);

#[cfg(test)]
mod tests {
    use super::super::estate::{role_id, Estate};
    use super::*;
    use crate::{examples_now, AnalysisContext, RiskRule};

    /// A cluster for the escalation example: `worker` can create pods in kube-system, where `admin`
    /// is bound to cluster-admin.
    fn escalation_estate() -> nhi_model::Inventory {
        Estate::new()
            .service_account("kube-system", "admin", None)
            .binding(
                None,
                "admin",
                &role_id(None, "cluster-admin"),
                &["k8s:serviceaccount:kube-system/admin"],
            )
            .role(
                Some("kube-system"),
                "pod-starter",
                &[(&[""], &["pods"], &["create"], &[])],
                &[],
            )
            .binding(
                Some("kube-system"),
                "worker",
                &role_id(Some("kube-system"), "pod-starter"),
                &[SA],
            )
            .build()
    }

    #[test]
    fn findings_carry_the_escalation_path_to_cluster_admin() {
        let inventory = escalation_estate();
        let ctx = AnalysisContext::new(examples_now());
        let findings = CreatePodsTokenTheft.evaluate(&inventory, &ctx);
        assert_eq!(findings.len(), 1);
        let path = findings[0].evidence["escalation_path"].as_array().unwrap();
        let steps: Vec<&str> = path.iter().filter_map(Value::as_str).collect();
        assert_eq!(steps.len(), 2, "{steps:?}");
        assert!(
            steps[0].starts_with("k8s:serviceaccount:apps/worker -[can-impersonate: create pods")
        );
        assert!(steps[1].ends_with("-> k8s:serviceaccount:kube-system/admin"));
        let admin = ClusterAdminBinding.evaluate(&inventory, &ctx);
        assert_eq!(
            admin[0].subjects,
            vec!["k8s:serviceaccount:kube-system/admin".to_string()]
        );
        assert!(admin[0].evidence["cluster_admin_equivalent"].is_string());
    }

    #[test]
    fn a_rule_example_fires_through_a_built_in_role() {
        // `edit` is built in and aggregated: binding it in a namespace gives pod creation there.
        let inventory = Estate::new()
            .binding(Some("apps"), "dev", &role_id(None, "edit"), &[SA])
            .build();
        let ctx = AnalysisContext::new(examples_now());
        assert_eq!(CreatePodsTokenTheft.evaluate(&inventory, &ctx).len(), 1);
        assert_eq!(ReadSecretsNamespace.evaluate(&inventory, &ctx).len(), 1);
        assert!(ClusterAdminBinding.evaluate(&inventory, &ctx).is_empty());
    }
}
