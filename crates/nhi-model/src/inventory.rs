//! The inventory: every identity and credential a scan found, and how they connect.

use crate::{Attributes, Credential, Identity, Location};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Permission held by an identity: actions on resources, as a policy states them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub identity: String,
    /// `allow` or `deny`.
    pub effect: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<serde_json::Value>,
    /// The policy, role or binding the grant comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Access level: `list`, `read`, `write`, `permissions-management`, `tagging`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// How two identities (or an identity and a resource) relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    CanAssume,
    CanImpersonate,
    CanCreateToken,
    MemberOf,
    BoundTo,
    Uses,
    Owns,
}

/// A directed relation `from -> to` in the identity graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: Attributes,
}

/// Everything a scan discovered, merged: identities and credentials keyed by id, so that a second
/// sighting of the same thing folds into the first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub identities: BTreeMap<String, Identity>,
    pub credentials: BTreeMap<String, Credential>,
    #[serde(default)]
    pub grants: Vec<Grant>,
    #[serde(default)]
    pub edges: Vec<Edge>,
}

impl Inventory {
    /// Add an identity, merging it with one already present under the same id.
    pub fn add_identity(&mut self, identity: Identity) {
        match self.identities.get_mut(&identity.id) {
            Some(existing) => existing.merge(identity),
            None => {
                self.identities.insert(identity.id.clone(), identity);
            }
        }
    }

    /// Add a credential, merging it with one already present under the same id.
    pub fn add_credential(&mut self, credential: Credential) {
        match self.credentials.get_mut(&credential.id) {
            Some(existing) => existing.merge(credential),
            None => {
                self.credentials.insert(credential.id.clone(), credential);
            }
        }
    }

    /// Fold a whole other inventory into this one.
    pub fn absorb(&mut self, other: Inventory) {
        other
            .identities
            .into_values()
            .for_each(|i| self.add_identity(i));
        other
            .credentials
            .into_values()
            .for_each(|c| self.add_credential(c));
        self.grants.extend(other.grants);
        self.edges.extend(other.edges);
    }

    /// Credentials that belong to the given identity.
    pub fn credentials_of<'a>(&'a self, identity: &'a str) -> impl Iterator<Item = &'a Credential> {
        self.credentials
            .values()
            .filter(move |c| c.identity.as_deref() == Some(identity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CredentialKind, IdentityKind};

    #[test]
    fn merging_the_same_credential_unions_its_locations() {
        let mut inv = Inventory::default();
        let mut a = Credential::new("private-key:abc", CredentialKind::PrivateKey, "fp");
        a.locations.push(Location::file("a/key.pem", Some(1)));
        let mut b = a.clone();
        b.locations = vec![
            Location::file("b/key.pem", Some(1)),
            Location::file("a/key.pem", Some(1)),
        ];
        b.identity = Some("x509:certificate:cn=api".into());
        inv.add_credential(a);
        inv.add_credential(b);
        let merged = &inv.credentials["private-key:abc"];
        assert_eq!(merged.paths(), vec!["a/key.pem", "b/key.pem"]);
        assert_eq!(merged.identity.as_deref(), Some("x509:certificate:cn=api"));
        inv.add_identity(Identity::new(
            "x509:certificate:cn=api",
            IdentityKind::Certificate,
            "x509",
            "api",
        ));
        assert_eq!(inv.credentials_of("x509:certificate:cn=api").count(), 1);
    }

    #[test]
    fn merging_keeps_the_places_of_object_attributes_from_both_copies() {
        let mut inv = Inventory::default();
        let mut a = Credential::new("password:fp1:aa", CredentialKind::Password, "fp1:aa");
        a.attributes.insert("rule".into(), "first".into());
        a.attributes.insert(
            "sightings".into(),
            serde_json::json!({"a/.env:3": {"rule": "x"}}),
        );
        let mut b = a.clone();
        b.attributes.insert("rule".into(), "second".into());
        b.attributes.insert(
            "sightings".into(),
            serde_json::json!({"a/.env:3": {"rule": "y"}, "b/.ftpconfig:6": {"rule": "z"}}),
        );
        inv.add_credential(a);
        inv.add_credential(b);
        let merged = &inv.credentials["password:fp1:aa"];
        assert_eq!(merged.attributes["rule"], "first");
        assert_eq!(
            merged.attributes["sightings"],
            serde_json::json!({"a/.env:3": {"rule": "x"}, "b/.ftpconfig:6": {"rule": "z"}})
        );
    }
}
