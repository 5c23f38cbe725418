//! Non-human identities: the principals that hold credentials and permissions.

use crate::{Attributes, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What sort of machine identity this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    ServiceAccount,
    CloudRole,
    CloudUser,
    ServicePrincipal,
    ManagedIdentity,
    ApiKey,
    OauthApp,
    CiWorkflow,
    AiAgent,
    DaemonAccount,
    DatabaseRole,
    SshKey,
    Certificate,
    Unknown,
}

impl IdentityKind {
    /// The kebab-case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::ServiceAccount => "service-account",
            IdentityKind::CloudRole => "cloud-role",
            IdentityKind::CloudUser => "cloud-user",
            IdentityKind::ServicePrincipal => "service-principal",
            IdentityKind::ManagedIdentity => "managed-identity",
            IdentityKind::ApiKey => "api-key",
            IdentityKind::OauthApp => "oauth-app",
            IdentityKind::CiWorkflow => "ci-workflow",
            IdentityKind::AiAgent => "ai-agent",
            IdentityKind::DaemonAccount => "daemon-account",
            IdentityKind::DatabaseRole => "database-role",
            IdentityKind::SshKey => "ssh-key",
            IdentityKind::Certificate => "certificate",
            IdentityKind::Unknown => "unknown",
        }
    }
}

/// A non-human identity. `id` is stable across runs: `<provider>:<kind>:<native id>`, for
/// example `aws:role:arn:aws:iam::1234:role/deploy` or `k8s:serviceaccount:prod/billing`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    pub kind: IdentityKind,
    /// Where the identity lives: `aws`, `gcp`, `azure`, `k8s`, `x509`, `ssh`, `host`, ...
    pub provider: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: Attributes,
}

impl Identity {
    /// A new identity with only the required fields set.
    pub fn new(
        id: impl Into<String>,
        kind: IdentityKind,
        provider: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Identity {
            id: id.into(),
            kind,
            provider: provider.into(),
            name: name.into(),
            environment: None,
            owner: None,
            created: None,
            last_used: None,
            tags: BTreeMap::new(),
            attributes: Attributes::new(),
        }
    }

    /// Fold another sighting of the same identity into this one: fill what is missing, keep the
    /// earliest `created` and the latest `last_used`, union tags and attributes.
    pub fn merge(&mut self, other: Identity) {
        debug_assert_eq!(self.id, other.id);
        if self.kind == IdentityKind::Unknown {
            self.kind = other.kind;
        }
        self.environment = self.environment.take().or(other.environment);
        self.owner = self.owner.take().or(other.owner);
        self.created = min_some(self.created, other.created);
        self.last_used = self.last_used.max(other.last_used);
        for (k, v) in other.tags {
            self.tags.entry(k).or_insert(v);
        }
        for (k, v) in other.attributes {
            self.attributes.entry(k).or_insert(v);
        }
    }
}

/// The earlier of two optional times, ignoring `None`.
pub(crate) fn min_some(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
