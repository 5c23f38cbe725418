//! Rules about role assignments of service principals at subscription scope or above (a
//! management group, the tenant root).

use super::examples::{assignment, own_application, service_principal, OTHER_TENANT, SUBSCRIPTION};
use super::{broad_grants, text, Directory, UNRESOLVED_PRINCIPAL};
use crate::example::inventory;
use crate::held_roles::by_holder;
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, IdentityKind, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// Roles that control every resource of their scope.
const OWNER_OR_CONTRIBUTOR: [&str; 2] = ["Owner", "Contributor"];
/// Those, plus the roles that hand out roles.
const PRIVILEGED: [&str; 4] = [
    "Owner",
    "Contributor",
    "User Access Administrator",
    "Role Based Access Control Administrator",
];

/// The name to show for a holder: the identity's name, else its id.
fn holder_name<'a>(inventory: &'a Inventory, holder: &'a str) -> &'a str {
    inventory
        .identities
        .get(holder)
        .map_or(holder, |i| i.name.as_str())
}

/// A service principal or managed identity with Owner or Contributor over a subscription or more.
pub(crate) struct PrivilegedServicePrincipal;

static PRIVILEGED_SP: RuleMeta = risk(
    "azure-sp-privileged-role",
    "Service principal is Owner or Contributor of a subscription",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A service principal or managed identity holds Owner or Contributor at subscription scope or \
     above (management group, tenant root): anyone with its credentials controls every resource \
     there.",
    "Assign a narrower built-in or custom role at the resource group or resource the workload \
     uses, then remove the broad assignment; review what the principal did with it in the activity \
     log.",
);

impl RiskRule for PrivilegedServicePrincipal {
    fn meta(&self) -> &RuleMeta {
        &PRIVILEGED_SP
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let directory = Directory::of(inventory);
        let held = broad_grants(inventory, &OWNER_OR_CONTRIBUTOR)
            .filter(|g| g.identity.starts_with(UNRESOLVED_PRINCIPAL))
            .map(|g| (directory.holder_id(g), g));
        by_holder(held)
            .iter()
            .map(|held| {
                let title = format!(
                    "{} holds {}",
                    holder_name(inventory, &held.holder),
                    held.summary()
                );
                let kind = inventory
                    .identities
                    .get(&held.holder)
                    .map(|i| i.kind.as_str());
                held.finding(&PRIVILEGED_SP, title, json!({"principal_kind": kind}))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let app = own_application("app-1", "sp-1");
        let resource_group = format!("{SUBSCRIPTION}/resourceGroups/telemetry");
        vec![
            RuleExample {
                name: "Contributor on the subscription",
                inventory: inventory(
                    vec![app.clone()],
                    vec![],
                    vec![assignment("sp-1", "Contributor", SUBSCRIPTION)],
                ),
                fires: true,
            },
            RuleExample {
                name: "Owner on the subscription, principal not in the inputs",
                inventory: inventory(
                    vec![],
                    vec![],
                    vec![assignment("sp-9", "Owner", SUBSCRIPTION)],
                ),
                fires: true,
            },
            RuleExample {
                name: "Contributor on a resource group",
                inventory: inventory(
                    vec![app.clone()],
                    vec![],
                    vec![assignment("sp-1", "Contributor", &resource_group)],
                ),
                fires: false,
            },
            RuleExample {
                name: "Reader on the subscription",
                inventory: inventory(
                    vec![app],
                    vec![],
                    vec![assignment("sp-1", "Reader", SUBSCRIPTION)],
                ),
                fires: false,
            },
        ]
    }
}

/// Another tenant's application holds a privileged role over a subscription or more.
pub(crate) struct ForeignAppPrivilegedRole;

static FOREIGN_APP: RuleMeta = risk(
    "azure-foreign-app-privileged-role",
    "Another tenant's application holds a privileged role",
    Severity::High,
    &[OwaspNhi::NHI3],
    "The service principal of an application registered in another tenant (appOwnerOrganizationId \
     is not the home tenant) holds Owner, Contributor, User Access Administrator or Role Based \
     Access Control Administrator at subscription scope or above: the vendor's credentials, which \
     you cannot see or rotate, control your resources.",
    "Confirm the vendor still needs access; grant a narrow role at the scope it needs (or use \
     Azure Lighthouse with just-in-time access), remove the broad assignment, and monitor the \
     principal's sign-ins.",
);

impl RiskRule for ForeignAppPrivilegedRole {
    fn meta(&self) -> &RuleMeta {
        &FOREIGN_APP
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let directory = Directory::of(inventory);
        if directory.home_tenants.is_empty() {
            return Vec::new();
        }
        let foreign_tenant = |grant| {
            let holder = directory
                .holder(grant)
                .filter(|i| i.kind == IdentityKind::ServicePrincipal)?;
            let tenant = text(&holder.attributes, "app_owner_tenant")?;
            (!directory.home_tenants.contains(tenant)).then_some((holder, tenant))
        };
        let held = broad_grants(inventory, &PRIVILEGED)
            .filter_map(|g| foreign_tenant(g).map(|(holder, _)| (holder.id.clone(), g)));
        by_holder(held)
            .iter()
            .map(|held| {
                let tenant = held
                    .grants
                    .first()
                    .and_then(|g| foreign_tenant(g))
                    .map(|(_, t)| t);
                let title = format!(
                    "{}, an application of tenant {}, holds {}",
                    holder_name(inventory, &held.holder),
                    tenant.unwrap_or("?"),
                    held.summary()
                );
                let evidence =
                    json!({"app_owner_tenant": tenant, "home_tenants": directory.home_tenants});
                held.finding(&FOREIGN_APP, title, evidence)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let own = own_application("app-1", "sp-1");
        let vendor = service_principal("app-2", "sp-2", OTHER_TENANT);
        let resource_group = format!("{SUBSCRIPTION}/resourceGroups/analytics");
        vec![
            RuleExample {
                name: "vendor application with Owner on the subscription",
                inventory: inventory(
                    vec![own.clone(), vendor.clone()],
                    vec![],
                    vec![assignment("sp-2", "Owner", SUBSCRIPTION)],
                ),
                fires: true,
            },
            RuleExample {
                name: "own application with Owner on the subscription",
                inventory: inventory(
                    vec![own.clone(), vendor.clone()],
                    vec![],
                    vec![assignment("sp-1", "Owner", SUBSCRIPTION)],
                ),
                fires: false,
            },
            RuleExample {
                name: "vendor application with Owner on a resource group",
                inventory: inventory(
                    vec![own, vendor.clone()],
                    vec![],
                    vec![assignment("sp-2", "Owner", &resource_group)],
                ),
                fires: false,
            },
            RuleExample {
                name: "home tenant unknown",
                inventory: inventory(
                    vec![vendor],
                    vec![],
                    vec![assignment("sp-2", "Owner", SUBSCRIPTION)],
                ),
                fires: false,
            },
        ]
    }
}
