//! Grants gathered per holder and input file, for rules about roles: one finding per identity and
//! file listing every role and resource it holds there, rather than one per binding (which would
//! share a stable finding id, since that id hashes the subject and the file, not the role).
//!
//! Invariant: groups and their grants come out in a deterministic order.

use nhi_model::{Finding, Grant, Location, RuleMeta};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The grants one holder has in one file.
pub(crate) struct HeldRoles<'a> {
    /// The identity id the grants belong to (resolved, where the provider needs resolving).
    pub holder: String,
    pub grants: Vec<&'a Grant>,
}

/// Group `(holder, grant)` pairs by holder and file.
pub(crate) fn by_holder<'a>(
    held: impl IntoIterator<Item = (String, &'a Grant)>,
) -> Vec<HeldRoles<'a>> {
    let mut groups: BTreeMap<(String, Option<&'a str>), Vec<&'a Grant>> = BTreeMap::new();
    for (holder, grant) in held {
        let path = grant.location.as_ref().and_then(|l| l.path.as_deref());
        groups.entry((holder, path)).or_default().push(grant);
    }
    groups
        .into_iter()
        .map(|((holder, _), grants)| HeldRoles { holder, grants })
        .collect()
}

impl HeldRoles<'_> {
    fn distinct<'b>(&'b self, field: impl Fn(&'b Grant) -> &'b [String]) -> Vec<&'b str> {
        let mut values: Vec<&str> = self
            .grants
            .iter()
            .flat_map(|g| field(g))
            .map(String::as_str)
            .collect();
        values.sort_unstable();
        values.dedup();
        values
    }

    /// The roles held, sorted, without repeats.
    pub(crate) fn roles(&self) -> Vec<&str> {
        self.distinct(|g| &g.actions)
    }

    /// The resources they are held on, sorted, without repeats.
    pub(crate) fn resources(&self) -> Vec<&str> {
        self.distinct(|g| &g.resources)
    }

    /// `roles/editor, roles/owner on projects/p`.
    pub(crate) fn summary(&self) -> String {
        format!(
            "{} on {}",
            self.roles().join(", "),
            self.resources().join(", ")
        )
    }

    /// Where the first of the grants was seen.
    pub(crate) fn location(&self) -> Option<Location> {
        self.grants.iter().find_map(|g| g.location.clone())
    }

    /// A finding of `meta` about the holder, at the first grant's location; the grants join the
    /// rule's own `evidence` (an object) under `grants`.
    pub(crate) fn finding(&self, meta: &RuleMeta, title: String, mut evidence: Value) -> Finding {
        evidence["grants"] = self.evidence();
        Finding::new(
            meta,
            title,
            vec![self.holder.clone()],
            self.location(),
            evidence,
        )
    }

    /// Each grant as evidence: role, resource, condition and the policy or assignment it is from.
    fn evidence(&self) -> Value {
        let grants: Vec<Value> = self
            .grants
            .iter()
            .map(|g| {
                json!({
                    "roles": g.actions,
                    "resources": g.resources,
                    "condition": g.conditions,
                    "source": g.source,
                })
            })
            .collect();
        Value::from(grants)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: &str, path: &str) -> Grant {
        Grant {
            identity: "x".into(),
            effect: "allow".into(),
            actions: vec![role.into()],
            resources: vec!["projects/p".into()],
            conditions: None,
            source: None,
            access_level: None,
            location: Some(Location::file(path, Some(1))),
        }
    }

    #[test]
    fn groups_by_holder_and_file() {
        let grants = [
            grant("roles/owner", "a.json"),
            grant("roles/editor", "a.json"),
            grant("roles/owner", "b.json"),
        ];
        let groups = by_holder(grants.iter().map(|g| ("x".to_string(), g)));
        assert_eq!(groups.len(), 2);
        assert_eq!(
            groups[0].summary(),
            "roles/editor, roles/owner on projects/p"
        );
        assert_eq!(
            groups[1].location().unwrap().path.as_deref(),
            Some("b.json")
        );
    }
}
