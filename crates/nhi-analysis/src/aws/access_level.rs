//! AWS access levels (List, Read, Write, Permissions management, Tagging) per action, from the
//! table `data/aws-actions.tsv` generated from AWS's service reference (see `data/README.md`).
//!
//! Invariant: the table is parsed once, on first use; lookups are case-insensitive.

use super::pattern;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../data/aws-actions.tsv");

/// The access level AWS documents for an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum AccessLevel {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    /// The name used in grants and evidence (`permissions-management`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "list",
            AccessLevel::Read => "read",
            AccessLevel::Write => "write",
            AccessLevel::PermissionsManagement => "permissions-management",
            AccessLevel::Tagging => "tagging",
        }
    }

    fn from_code(code: &str) -> Option<AccessLevel> {
        Some(match code {
            "L" => AccessLevel::List,
            "R" => AccessLevel::Read,
            "W" => AccessLevel::Write,
            "P" => AccessLevel::PermissionsManagement,
            "T" => AccessLevel::Tagging,
            _ => return None,
        })
    }
}

struct Action {
    /// `service:Action` as AWS spells it.
    name: String,
    /// Lowercase `service:action`.
    key: String,
    level: AccessLevel,
}

struct Table {
    actions: Vec<Action>,
    by_key: HashMap<String, usize>,
    /// Lowercase service prefix -> indexes of its actions.
    by_service: HashMap<String, Vec<usize>>,
}

fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(|| {
        let mut actions = Vec::new();
        for line in TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let mut fields = line.split('\t');
            let (Some(service), Some(action), Some(level)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let Some(level) = AccessLevel::from_code(level) else {
                continue;
            };
            let name = format!("{service}:{action}");
            actions.push(Action {
                key: name.to_ascii_lowercase(),
                name,
                level,
            });
        }
        let by_key = actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.key.clone(), i))
            .collect();
        let mut by_service: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in actions.iter().enumerate() {
            let service = a.key.split(':').next().unwrap_or("").to_string();
            by_service.entry(service).or_default().push(i);
        }
        Table {
            actions,
            by_key,
            by_service,
        }
    })
}

/// The action as AWS spells it (`iam:createaccesskey` -> `iam:CreateAccessKey`).
pub(crate) fn canonical_name(action: &str) -> Option<String> {
    let t = table();
    t.by_key
        .get(&action.to_ascii_lowercase())
        .map(|&i| t.actions[i].name.clone())
}

/// How many documented actions of each access level a (possibly wildcard) action pattern allows.
pub(crate) fn levels_covered(action_pattern: &str) -> BTreeMap<AccessLevel, usize> {
    let t = table();
    let pattern_lc = action_pattern.to_ascii_lowercase();
    let service = pattern_lc.split(':').next().unwrap_or("");
    let candidates: Box<dyn Iterator<Item = usize>> = if service.contains(['*', '?']) {
        Box::new(0..t.actions.len())
    } else {
        Box::new(t.by_service.get(service).into_iter().flatten().copied())
    };
    let mut counts = BTreeMap::new();
    for i in candidates {
        let action = &t.actions[i];
        if pattern::matches(&pattern_lc, &action.key) {
            *counts.entry(action.level).or_insert(0) += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_real_actions_and_their_levels() {
        let level = |action: &str| levels_covered(action).into_keys().collect::<Vec<_>>();
        assert_eq!(
            level("iam:AttachUserPolicy"),
            vec![AccessLevel::PermissionsManagement]
        );
        assert_eq!(level("s3:getobject"), vec![AccessLevel::Read]);
        assert_eq!(level("s3:ListAllMyBuckets"), vec![AccessLevel::List]);
        assert_eq!(level("iam:TagRole"), vec![AccessLevel::Tagging]);
        assert_eq!(level("iam:PassRole"), vec![AccessLevel::Write]);
        assert!(level("nosuch:Thing").is_empty());
        assert_eq!(
            canonical_name("iam:createaccesskey").as_deref(),
            Some("iam:CreateAccessKey")
        );
    }

    #[test]
    fn wildcards_expand_within_their_service() {
        let iam = levels_covered("iam:*");
        assert!(iam[&AccessLevel::PermissionsManagement] > 10);
        let puts = levels_covered("s3:Put*");
        assert!(puts.contains_key(&AccessLevel::Write) && !puts.contains_key(&AccessLevel::List));
        assert!(levels_covered("*").values().sum::<usize>() > 10_000);
    }
}
