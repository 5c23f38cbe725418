//! Reuse rules: the same key material in several places, or one SSH key trusted by several
//! accounts, so that one leak or one compromised machine opens all of them.
//!
//! Invariant: places are distinct file paths (the same path in many git commits is one place) and
//! distinct accounts; one finding per key.

use super::credential_facts::{finding_about, is_private_key, risk};
use super::example_builders::{authorized_key, example, private_key, ssh_private_key};
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Credential, CredentialDetails, Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;
use std::collections::BTreeMap;

static REUSED: RuleMeta = risk(
    "key-material-reused",
    "Key material reused across places or accounts",
    Severity::High,
    &[OwaspNhi::NHI9],
    "The same private key is stored at two or more paths, or the same SSH public key is authorized for two or \
     more accounts.",
    "Give each workload and each account its own key pair: generate new keys per place, replace the shared \
     one everywhere it is authorized or deployed, then delete every copy of the shared key.",
);

/// `key-material-reused`.
pub(crate) struct KeyMaterialReused;

impl RiskRule for KeyMaterialReused {
    fn meta(&self) -> &RuleMeta {
        &REUSED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let mut findings: Vec<Finding> = inventory
            .credentials
            .values()
            // Keys the secrets engine matched are `secret-reused`'s to report.
            .filter(|c| {
                is_private_key(c) && !c.attributes.contains_key("secret") && c.paths().len() > 1
            })
            .map(|key| {
                let paths = key.paths();
                let title = format!(
                    "The same private key is stored in {} places ({} and {})",
                    paths.len(),
                    paths[0].rsplit('/').next().unwrap_or(paths[0]),
                    paths[1].rsplit('/').next().unwrap_or(paths[1])
                );
                finding_about(&REUSED, key, None, title, json!({ "paths": paths }))
            })
            .collect();
        findings.extend(authorized_for_many_accounts(inventory));
        findings
    }

    fn examples(&self) -> Vec<RuleExample> {
        let shared = |account| authorized_key("shared", account, &[], Some("deploy@ci"));
        vec![
            example(
                "key copied to two hosts' trees",
                true,
                vec![private_key("pk", &["a/tls.key", "b/tls.key"], false)],
            ),
            example(
                "OpenSSH key in two places",
                true,
                vec![ssh_private_key(
                    "k",
                    &["id_ed25519", "backup/id_ed25519"],
                    true,
                )],
            ),
            example(
                "one SSH key authorized for deploy and root",
                true,
                vec![shared("deploy"), shared("root")],
            ),
            example(
                "one key in one place, distinct SSH keys per account",
                false,
                vec![
                    private_key("pk", &["tls.key"], false),
                    authorized_key("a", "deploy", &[], None),
                    authorized_key("b", "root", &[], None),
                ],
            ),
        ]
    }
}

/// One finding per SSH key authorized for two or more accounts (or files, when the account is
/// not known).
fn authorized_for_many_accounts(inventory: &Inventory) -> Vec<Finding> {
    let mut by_key: BTreeMap<&str, Vec<(&Credential, String)>> = BTreeMap::new();
    for credential in inventory.credentials.values() {
        let (CredentialDetails::AuthorizedKey(entry), Some(identity)) =
            (&credential.details, &credential.identity)
        else {
            continue;
        };
        let holder = entry
            .account
            .clone()
            .or_else(|| credential.paths().first().map(|p| p.to_string()))
            .unwrap_or_default();
        by_key
            .entry(identity)
            .or_default()
            .push((credential, holder));
    }
    by_key
        .into_iter()
        .filter_map(|(identity, entries)| {
            let mut holders: Vec<&str> =
                entries.iter().map(|(_, holder)| holder.as_str()).collect();
            holders.sort_unstable();
            holders.dedup();
            if holders.len() < 2 {
                return None;
            }
            let name = inventory
                .identities
                .get(identity)
                .map_or(identity, |i| i.name.as_str());
            let title = format!(
                "SSH key {name} is authorized for {} accounts: {}",
                holders.len(),
                holders.join(", ")
            );
            let locations: Vec<String> = entries
                .iter()
                .flat_map(|(c, _)| c.locations.iter().map(|l| l.display()))
                .collect();
            let mut subjects: Vec<String> = entries.iter().map(|(c, _)| c.id.clone()).collect();
            subjects.push(identity.to_string());
            let location = entries
                .first()
                .and_then(|(c, _)| c.locations.first())
                .cloned();
            let evidence = json!({ "accounts": holders, "locations": locations });
            Some(Finding::new(&REUSED, title, subjects, location, evidence))
        })
        .collect()
}
