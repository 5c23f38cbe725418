//! The Kubernetes risk rules: each is a [`K8sRule`] with its metadata, a check over the cluster
//! model and examples. Findings name the subject, every grant (role and binding) that gives it
//! the power, and either why it is already cluster-admin equivalent or its escalation path there.

/// Declares a Kubernetes rule: a unit struct whose metadata is a static, whose check runs over
/// the [`Scan`] of an inventory with Kubernetes content, and whose examples are built on demand.
macro_rules! k8s_rule {
    ($name:ident, $meta:expr, check: $check:expr, examples: $examples:expr $(,)?) => {
        #[doc = concat!("The Kubernetes risk rule `", stringify!($name), "`.")]
        pub(crate) struct $name;

        impl crate::RiskRule for $name {
            fn meta(&self) -> &nhi_model::RuleMeta {
                static META: nhi_model::RuleMeta = $meta;
                &META
            }

            fn evaluate(
                &self,
                inventory: &nhi_model::Inventory,
                ctx: &crate::AnalysisContext,
            ) -> Vec<nhi_model::Finding> {
                super::run(inventory, ctx, self.meta(), $check)
            }

            fn examples(&self) -> Vec<crate::RuleExample> {
                ($examples)()
            }
        }
    };
}

pub(crate) mod estate;
mod hygiene;
mod privilege;

pub(crate) use hygiene::{
    AllAuthenticatedAccess, AnonymousAccess, AutomountUnneeded, BindingToMissingRole,
    DefaultAccountPrivileged, LegacyToken,
};
pub(crate) use privilege::{
    ApproveCsr, BindOrEscalate, ClusterAdminBinding, CreatePodsTokenTheft,
    CreateServiceAccountTokens, ExecIntoPods, Impersonate, ModifyAdmissionWebhooks, ModifyAwsAuth,
    NodesProxy, ReadNamedSecrets, ReadSecretsCluster, ReadSecretsNamespace,
};

use super::cluster::Cluster;
use super::paths::EscalationPaths;
use crate::graph::{describe_step, IdentityGraph};
use crate::{AnalysisContext, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleKind, RuleMeta, Severity};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::sync::OnceLock;

/// Everything a check reads: the inventory, the cluster rebuilt from it and the identity graph.
pub(crate) struct Scan<'a> {
    pub inventory: &'a Inventory,
    pub cluster: Cluster,
    graph: &'a IdentityGraph,
    paths: OnceLock<EscalationPaths<'a>>,
}

impl<'a> Scan<'a> {
    fn new(inventory: &'a Inventory, ctx: &'a AnalysisContext) -> Scan<'a> {
        Scan {
            inventory,
            cluster: Cluster::from_inventory(inventory),
            graph: ctx.graph(inventory),
            paths: OnceLock::new(),
        }
    }

    /// Evidence on how far `subject` is from cluster-admin: the reason it already is, or the
    /// shortest escalation path, or nothing.
    pub fn escalation(&self, subject: &str, evidence: &mut Map<String, Value>) {
        if let Some(reason) = self.graph.admin_reason(subject) {
            evidence.insert("cluster_admin_equivalent".to_string(), json!(reason));
            return;
        }
        let paths = self.paths.get_or_init(|| EscalationPaths::new(self.graph));
        if let Some(steps) = paths.path(subject) {
            let steps: Vec<String> = steps.iter().map(|s| describe_step(s)).collect();
            evidence.insert("escalation_path".to_string(), json!(steps));
        }
    }
}

/// Run a rule's check when the inventory holds Kubernetes content.
fn run(
    inventory: &Inventory,
    ctx: &AnalysisContext,
    meta: &RuleMeta,
    check: fn(&Scan, &RuleMeta) -> Vec<Finding>,
) -> Vec<Finding> {
    if !super::has_k8s(inventory) {
        return Vec::new();
    }
    check(&Scan::new(inventory, ctx), meta)
}

/// Metadata of a built-in rule, as a constant.
const fn meta(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    owasp: &'static [OwaspNhi],
    description: &'static str,
    remediation: &'static str,
) -> RuleMeta {
    RuleMeta {
        id: Cow::Borrowed(id),
        kind: RuleKind::Risk,
        title: Cow::Borrowed(title),
        severity,
        owasp: Cow::Borrowed(owasp),
        description: Cow::Borrowed(description),
        remediation: Cow::Borrowed(remediation),
    }
}

/// A rule example.
fn example(name: &'static str, inventory: Inventory, fires: bool) -> RuleExample {
    RuleExample {
        name,
        inventory,
        fires,
    }
}
