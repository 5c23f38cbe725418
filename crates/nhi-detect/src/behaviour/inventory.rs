//! What the last scan knew, as the detectors need it: which identities exist (per scope the scan
//! covered: an AWS account's roles, a cluster's service accounts) and which credentials were
//! retired. Invariant: an identity is only called unknown inside a scope the inventory covers.

use nhi_model::{CredentialStatus, Inventory, Timestamp};
use std::collections::{HashMap, HashSet};

/// A read-only summary of an [`Inventory`] taken at a known time.
#[derive(Debug, Clone, Default)]
pub struct InventorySnapshot {
    taken: Option<Timestamp>,
    identities: HashSet<String>,
    scopes: HashSet<String>,
    credentials: HashMap<String, KnownCredential>,
}

/// What the inventory recorded about one credential.
#[derive(Debug, Clone)]
pub(crate) struct KnownCredential {
    pub status: CredentialStatus,
    pub rotated: Option<Timestamp>,
    pub expires: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
}

impl InventorySnapshot {
    /// Summarises `inventory`, recorded at `taken` (the time of the scan that saw it).
    pub fn new(inventory: &Inventory, taken: Option<Timestamp>) -> Self {
        let identities: HashSet<String> = inventory.identities.keys().cloned().collect();
        let scopes = identities.iter().filter_map(|id| scope(id)).collect();
        let credentials = inventory
            .credentials
            .values()
            .map(|credential| {
                let known = KnownCredential {
                    status: credential.status,
                    rotated: credential.rotated,
                    expires: credential.expires,
                    last_used: credential.last_used,
                };
                (credential.id.clone(), known)
            })
            .collect();
        InventorySnapshot {
            taken,
            identities,
            scopes,
            credentials,
        }
    }

    /// Whether the inventory knows `principal`; `None` when it does not cover its scope (another
    /// account, another kind of identity), or when the principal is the platform's own.
    pub(crate) fn knows(&self, principal: &str) -> Option<bool> {
        if is_platform(principal) {
            return None;
        }
        let scope = scope(principal)?;
        self.scopes
            .contains(&scope)
            .then(|| self.identities.contains(principal))
    }

    pub(crate) fn credential(&self, id: &str) -> Option<&KnownCredential> {
        self.credentials.get(id)
    }

    /// When the credential stopped being valid, and why, as far as the inventory knows.
    pub(crate) fn retired(
        &self,
        credential: &KnownCredential,
    ) -> Option<(Timestamp, &'static str)> {
        let by_status = match credential.status {
            CredentialStatus::Inactive => Some("deactivated"),
            CredentialStatus::Revoked => Some("revoked"),
            CredentialStatus::Expired => Some("expired"),
            CredentialStatus::Active | CredentialStatus::Unknown => None,
        };
        let since_status =
            by_status.and_then(|why| Some((credential.rotated.or(self.taken)?, why)));
        let since_expiry = credential.expires.map(|expires| (expires, "expired"));
        match (since_status, since_expiry) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        }
    }
}

/// Principals of the platform itself, which no scan inventories.
fn is_platform(principal: &str) -> bool {
    [
        "aws:service:",
        "aws:account:",
        "k8s:user:system:",
        "k8s:serviceaccount:kube-system/",
    ]
    .iter()
    .any(|prefix| principal.starts_with(prefix))
}

/// `provider:kind`, plus the account for AWS (`aws:role:111122223333`).
fn scope(id: &str) -> Option<String> {
    let mut parts = id.splitn(3, ':');
    let (provider, kind, rest) = (parts.next()?, parts.next()?, parts.next()?);
    if provider != "aws" {
        return Some(format!("{provider}:{kind}"));
    }
    let account = if rest.starts_with("arn:") {
        rest.split(':').nth(4)?
    } else {
        rest
    };
    Some(format!("aws:{kind}:{account}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use nhi_model::{Credential, CredentialKind, Identity, IdentityKind};

    fn inventory() -> Inventory {
        let mut inventory = Inventory::default();
        inventory.add_identity(Identity::new(
            "aws:role:arn:aws:iam::111122223333:role/deploy",
            IdentityKind::CloudRole,
            "aws",
            "deploy",
        ));
        let mut key = Credential::new("aws-access-key:AKIAOLD", CredentialKind::AccessKey, "f");
        key.status = CredentialStatus::Inactive;
        inventory.add_credential(key);
        inventory
    }

    #[test]
    fn identities_are_unknown_only_inside_covered_scopes() {
        let snapshot = InventorySnapshot::new(&inventory(), None);
        assert_eq!(
            snapshot.knows("aws:role:arn:aws:iam::111122223333:role/deploy"),
            Some(true)
        );
        assert_eq!(
            snapshot.knows("aws:role:arn:aws:iam::111122223333:role/other"),
            Some(false)
        );
        assert_eq!(snapshot.knows("aws:role:arn:aws:iam::999:role/x"), None);
        assert_eq!(
            snapshot.knows("aws:user:arn:aws:iam::111122223333:user/x"),
            None
        );
        assert_eq!(snapshot.knows("aws:service:ec2.amazonaws.com"), None);
    }

    #[test]
    fn retirement_needs_a_time() {
        let taken = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let without_time = InventorySnapshot::new(&inventory(), None);
        let key = without_time.credential("aws-access-key:AKIAOLD").unwrap();
        assert_eq!(without_time.retired(key), None);
        let with_time = InventorySnapshot::new(&inventory(), Some(taken));
        let key = with_time.credential("aws-access-key:AKIAOLD").unwrap();
        assert_eq!(with_time.retired(key), Some((taken, "deactivated")));
    }
}
