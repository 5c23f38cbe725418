//! Reading the host part of the inventory: accounts and their recorded facts, which of them are
//! services, group membership (listed members and primary groups), and what each account is run
//! by (systemd units, cron jobs).
//!
//! Invariant: an account counts as a service when the host source classed it `system` or
//! `service`, or when a systemd unit runs as it; people (`human`) and the superuser are not.

use nhi_model::{Edge, EdgeKind, Identity, Inventory, Location};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Prefix of every host account id.
pub(crate) const ACCOUNT: &str = "host:account:";

/// One host account and the facts the host source recorded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Account<'a> {
    pub identity: &'a Identity,
    /// `<host>/<user>`.
    pub qualified: &'a str,
}

impl<'a> Account<'a> {
    pub(crate) fn host(&self) -> &'a str {
        self.qualified.rsplit_once('/').map_or("", |(host, _)| host)
    }

    pub(crate) fn user(&self) -> &'a str {
        self.qualified
            .rsplit_once('/')
            .map_or(self.qualified, |(_, user)| user)
    }

    pub(crate) fn text(&self, key: &str) -> Option<&'a str> {
        self.identity.attributes.get(key).and_then(Value::as_str)
    }

    pub(crate) fn number(&self, key: &str) -> Option<u64> {
        self.identity.attributes.get(key).and_then(Value::as_u64)
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        self.identity.attributes.get(key).and_then(Value::as_bool) == Some(true)
    }

    /// `superuser`, `system`, `service`, `human`, or `unknown` (seen only in shadow).
    pub(crate) fn class(&self) -> &'a str {
        self.text("class").unwrap_or("unknown")
    }

    /// `set`, `locked`, `empty`, or `unknown`.
    pub(crate) fn password(&self) -> &'a str {
        self.text("password").unwrap_or("unknown")
    }

    /// The passwd entry's location, else the shadow entry's.
    pub(crate) fn location(&self) -> Option<Location> {
        ["location", "shadow_location"].iter().find_map(|key| {
            serde_json::from_value(self.identity.attributes.get(*key)?.clone()).ok()
        })
    }
}

/// Every host account.
pub(crate) fn accounts(inventory: &Inventory) -> impl Iterator<Item = Account<'_>> {
    inventory.identities.values().filter_map(|identity| {
        let qualified = identity.id.strip_prefix(ACCOUNT)?;
        Some(Account {
            identity,
            qualified,
        })
    })
}

/// What the inventory says about accounts beyond their own facts: who runs as them and which
/// groups they are in. Built once per rule evaluation.
pub(crate) struct HostFacts<'a> {
    /// Account id -> the job nodes (`host:systemd:...`, `host:cron:...`) that run as it.
    pub jobs: BTreeMap<&'a str, Vec<&'a Edge>>,
    /// Group id -> member account ids (listed members and accounts whose primary gid it is).
    pub members: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> HostFacts<'a> {
    pub(crate) fn of(inventory: &'a Inventory) -> HostFacts<'a> {
        let mut jobs: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
        let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut gid_groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for edge in &inventory.edges {
            let is_job =
                edge.from.starts_with("host:systemd:") || edge.from.starts_with("host:cron:");
            if edge.kind == EdgeKind::Uses && is_job {
                jobs.entry(edge.to.as_str()).or_default().push(edge);
            }
            if edge.kind == EdgeKind::MemberOf && edge.to.starts_with("host:group:") {
                if edge.from.starts_with("host:gid:") {
                    gid_groups
                        .entry(edge.from.as_str())
                        .or_default()
                        .push(edge.to.as_str());
                } else {
                    members
                        .entry(edge.to.clone())
                        .or_default()
                        .insert(edge.from.clone());
                }
            }
        }
        for account in accounts(inventory) {
            let Some(gid) = account.number("gid") else {
                continue;
            };
            let gid_node = format!("host:gid:{}/{gid}", account.host());
            for group in gid_groups.get(gid_node.as_str()).into_iter().flatten() {
                members
                    .entry(group.to_string())
                    .or_default()
                    .insert(account.identity.id.clone());
            }
        }
        HostFacts { jobs, members }
    }

    /// Whether the account is a service (see the module invariant).
    pub(crate) fn is_service(&self, account: &Account) -> bool {
        match account.class() {
            "system" | "service" => true,
            "human" => self.runs_units(account),
            _ => false,
        }
    }

    fn runs_units(&self, account: &Account) -> bool {
        self.jobs
            .get(account.identity.id.as_str())
            .is_some_and(|edges| edges.iter().any(|e| e.from.starts_with("host:systemd:")))
    }

    /// The programs run as the account, for evidence (`unit: program`, `cron: program`).
    pub(crate) fn runs(&self, account: &Account) -> Vec<String> {
        let mut out: Vec<String> = self
            .jobs
            .get(account.identity.id.as_str())
            .into_iter()
            .flatten()
            .map(|edge| {
                let program = edge
                    .attributes
                    .get("program")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                format!("{}: {program}", edge.from)
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}
