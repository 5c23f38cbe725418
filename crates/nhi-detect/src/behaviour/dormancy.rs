//! Identities and credentials used outside their recorded life (OWASP NHI1): a long-term key
//! unused for `dormant_after` and then used again, a credential the inventory recorded as
//! deactivated, revoked or expired, and an identity the inventory does not know in a scope it
//! covers. State: the last use of each long-term key, and the identities already reported.

use super::{aws, rule, Detector, Family, Hit, Seen};
use nhi_model::{OwaspNhi, RuleMeta, Severity, Timestamp};
use std::collections::{HashMap, HashSet};

static DORMANT: RuleMeta = rule(
    "credential-dormant-reuse",
    "Dormant credential used again",
    Severity::High,
    &[OwaspNhi::NHI1],
    "A long-lived credential that had not been used for a long time (30 days by default) is used again: forgotten keys of offboarded workloads are what attackers find in old repositories and backups.",
    "Check that the workload owning this credential was meant to resume; if nobody claims it, deactivate the credential. Delete long-lived credentials that sit unused.",
);

static RETIRED: RuleMeta = rule(
    "credential-used-after-retirement",
    "Credential used after it was retired",
    Severity::Critical,
    &[OwaspNhi::NHI1, OwaspNhi::NHI7],
    "A credential that the inventory recorded as deactivated, revoked or expired is used after that time: it was reactivated without a trace in the inventory, or the retirement did not take effect.",
    "Disable the credential at its source now, find who reactivated it, and check every call it made since it was retired.",
);

static UNKNOWN_IDENTITY: RuleMeta = rule(
    "identity-not-in-inventory",
    "Identity not in the inventory",
    Severity::Medium,
    &[OwaspNhi::NHI1],
    "An identity acts in an account or cluster whose identities the last scan inventoried, but the scan did not see it: it was created since, outside the usual process, or the inventory is stale.",
    "Find who created the identity and whether it is expected; add it to the managed inventory (with an owner) or remove it.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[],
    rules: &[&DORMANT, &RETIRED, &UNKNOWN_IDENTITY],
    build: Some(|| Box::<Lifecycle>::default()),
};

#[derive(Default)]
struct Lifecycle {
    /// Last use of each long-term key (keys are few: one entry per real key).
    last_used: HashMap<String, Timestamp>,
    /// Identities already reported as unknown.
    unknown_reported: HashSet<String>,
}

impl Lifecycle {
    fn dormancy(&mut self, seen: &Seen<'_>, credential: &str, hits: &mut Vec<Hit>) {
        if aws::long_term_key(seen.record).is_none() {
            return;
        }
        let now = seen.time();
        let recorded = seen
            .config
            .inventory
            .as_ref()
            .and_then(|inventory| inventory.credential(credential))
            .and_then(|known| known.last_used);
        let previous = self.last_used.get(credential).copied().max(recorded);
        if let Some(previous) = previous.filter(|previous| *previous < now) {
            let idle = now - previous;
            if idle >= seen.config.dormant_after {
                let detail = format!(
                    "{} unused for {} days (last used {}) and used again for {}",
                    credential.trim_start_matches("aws-access-key:"),
                    idle.num_days(),
                    previous.format("%Y-%m-%d"),
                    seen.record.event.action
                );
                hits.push(Hit::on(&DORMANT, seen, detail));
            }
        }
        self.last_used.insert(credential.to_string(), now);
    }
}

impl Detector for Lifecycle {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let inventory = seen.config.inventory.as_ref();
        if let Some(credential) = seen.record.event.credential.as_deref() {
            self.dormancy(seen, credential, hits);
            let retired = inventory.and_then(|inventory| {
                inventory
                    .credential(credential)
                    .and_then(|known| inventory.retired(known))
            });
            if let Some((since, why)) = retired.filter(|(since, _)| *since < seen.time()) {
                let detail = format!(
                    "{credential} was recorded as {why} on {} and is used for {}",
                    since.format("%Y-%m-%d"),
                    seen.record.event.action
                );
                hits.push(Hit::on(&RETIRED, seen, detail));
            }
        }
        let principal = seen.principal();
        let unknown = inventory.and_then(|inventory| inventory.knows(principal)) == Some(false);
        if unknown && self.unknown_reported.insert(principal.to_string()) {
            let detail = format!(
                "{principal} is not in the inventory ({})",
                seen.record.event.action
            );
            hits.push(Hit::on(&UNKNOWN_IDENTITY, seen, detail));
        }
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, time, user, DAY};
    use super::InventorySnapshot;
    use nhi_model::{
        Credential, CredentialKind, CredentialStatus, Identity, IdentityKind, Inventory,
    };
    let backup = user("backup");
    let dormant = vec![
        ct(0, &backup, "s3:PutObject").done(),
        ct(45 * DAY, &backup, "s3:ListBuckets").done(),
    ];
    let regular = (0..10)
        .map(|day| ct(day * 5 * DAY, &backup, "s3:PutObject").done())
        .collect();

    let mut inventory = Inventory::default();
    let mut old_key = Credential::new("aws-access-key:AKIAOLD", CredentialKind::AccessKey, "f");
    old_key.status = CredentialStatus::Inactive;
    old_key.rotated = Some(
        chrono::DateTime::parse_from_rfc3339(&time(3600))
            .unwrap()
            .to_utc(),
    );
    inventory.add_credential(old_key);
    inventory.add_identity(Identity::new(
        backup.id(),
        IdentityKind::CloudUser,
        "aws",
        "backup",
    ));
    let snapshot = InventorySnapshot::new(&inventory, None);
    let with_old_key = |second| ct(second, &backup.clone().key("AKIAOLD"), "s3:GetObject").done();

    vec![
        Example::new(DORMANT.id.as_ref(), dormant, regular),
        Example::new(
            RETIRED.id.as_ref(),
            vec![with_old_key(7200)],
            vec![with_old_key(600)],
        )
        .with_inventory(snapshot.clone()),
        Example::new(
            UNKNOWN_IDENTITY.id.as_ref(),
            vec![ct(0, &user("shadow"), "iam:ListUsers").done()],
            vec![
                ct(0, &backup, "s3:PutObject").done(),
                ct(0, &super::testlog::role("x", "s"), "s3:PutObject").done(),
            ],
        )
        .with_inventory(snapshot),
    ]
}
