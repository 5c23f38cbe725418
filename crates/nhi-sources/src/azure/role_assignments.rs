//! `az role assignment list --all` (an array): one grant per assignment, the role on the scope.
//!
//! Invariant: an assignment names its principal only by directory object id, so a service
//! principal's grant goes to `azure:principal:<objectId>` (resolved by analysis through the
//! `object_id` of service principals and managed identities); users and groups go to
//! `azure:user:<objectId>` and `azure:group:<objectId>`. No identity is made here.

use crate::cloud_export::{looks_like, Export};
use crate::{Discovery, Source, SourceContext, SourceFile};
use nhi_model::Grant;
use serde::Deserialize;
use serde_json::Value;

/// Reads role assignment listings.
pub(crate) struct RoleAssignments;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleAssignment {
    id: Option<String>,
    principal_id: String,
    principal_type: Option<String>,
    role_definition_name: Option<String>,
    role_definition_id: Option<String>,
    scope: String,
    condition: Option<Value>,
}

/// Built-in roles by definition id, for exports made without role names.
const BUILT_IN_ROLES: [(&str, &str); 5] = [
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    (
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
    ),
    (
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
    ),
];

impl RoleAssignment {
    /// The role's name, or its definition id when the export does not name it.
    fn role(&self) -> Option<String> {
        if let Some(name) = self
            .role_definition_name
            .as_deref()
            .filter(|n| !n.is_empty())
        {
            return Some(name.to_string());
        }
        let definition = self
            .role_definition_id
            .as_deref()?
            .rsplit('/')
            .next()?
            .to_ascii_lowercase();
        let known = BUILT_IN_ROLES.iter().find(|(id, _)| *id == definition);
        Some(known.map_or(definition, |(_, name)| name.to_string()))
    }

    fn principal(&self) -> String {
        let object_id = self.principal_id.to_ascii_lowercase();
        match self.principal_type.as_deref() {
            Some("User") => format!("azure:user:{object_id}"),
            Some("Group" | "ForeignGroup") => format!("azure:group:{object_id}"),
            _ => format!("azure:principal:{object_id}"),
        }
    }
}

impl Source for RoleAssignments {
    fn name(&self) -> &'static str {
        "azure-role-assignments"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        looks_like(
            file,
            &["\"principalId\"", "\"roleDefinitionId\"", "\"scope\""],
        )
    }

    fn read(&self, file: &SourceFile, _ctx: &SourceContext, out: &mut Discovery) {
        let export = match Export::new(file, "Azure role assignment list") {
            Ok(export) => export,
            Err(err) => return out.errors.push(err),
        };
        let assignments = match export.parse::<Vec<RoleAssignment>>() {
            Ok(assignments) => assignments,
            Err(err) => return out.errors.push(err),
        };
        let mut lines = export.lines();
        for assignment in assignments {
            let line = assignment.id.as_deref().and_then(|id| lines.seek(id));
            let Some(role) = assignment.role() else {
                let message = format!("assignment to {} names no role", assignment.principal_id);
                out.errors.push(export.error(line, message));
                continue;
            };
            let account = super::subscription_of(&assignment.scope);
            out.inventory.grants.push(Grant {
                identity: assignment.principal(),
                effect: "allow".into(),
                actions: vec![role],
                resources: vec![assignment.scope],
                conditions: assignment.condition.filter(|c| !c.is_null()),
                source: assignment.id,
                access_level: None,
                location: Some(export.location(line, account)),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_names_or_built_in_definitions() {
        let assignment = |name: Option<&str>, definition: &str| RoleAssignment {
            id: None,
            principal_id: "ABC".into(),
            principal_type: Some("ServicePrincipal".into()),
            role_definition_name: name.map(str::to_string),
            role_definition_id: Some(definition.to_string()),
            scope: "/subscriptions/s".into(),
            condition: None,
        };
        let owner = "/x/roleDefinitions/8E3AF657-a8ff-443c-a75c-2fe8c4bcb635";
        let by_id = assignment(None, owner);
        assert_eq!(by_id.role().as_deref(), Some("Owner"));
        assert_eq!(by_id.principal(), "azure:principal:abc");
        let custom = assignment(None, "/x/roleDefinitions/1234");
        assert_eq!(custom.role().as_deref(), Some("1234"));
        assert_eq!(
            assignment(Some("Reader"), "/x/y").role().as_deref(),
            Some("Reader")
        );
    }
}
