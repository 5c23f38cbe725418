//! Rule sets: the built-in rule files embedded in the binary, plus user rule files loaded at run
//! time. Invariant: ids are unique across the set; order is priority (built-ins first, generic
//! rules last among them).

use crate::error::RuleError;
use crate::rule::{parse_rules, Rule};
use nhi_model::RuleMeta;
use std::collections::HashMap;
use std::path::Path;

/// The built-in rule files, by family. `generic.yml` comes last: its rules lose every overlap.
const BUILTIN_FILES: &[(&str, &str)] = &[
    ("cloud.yml", include_str!("../rules/cloud.yml")),
    ("code-hosts.yml", include_str!("../rules/code-hosts.yml")),
    ("ci.yml", include_str!("../rules/ci.yml")),
    ("registries.yml", include_str!("../rules/registries.yml")),
    ("chat.yml", include_str!("../rules/chat.yml")),
    ("payments.yml", include_str!("../rules/payments.yml")),
    ("messaging.yml", include_str!("../rules/messaging.yml")),
    (
        "observability.yml",
        include_str!("../rules/observability.yml"),
    ),
    ("ai.yml", include_str!("../rules/ai.yml")),
    ("saas.yml", include_str!("../rules/saas.yml")),
    ("databases.yml", include_str!("../rules/databases.yml")),
    ("keys.yml", include_str!("../rules/keys.yml")),
    ("stores.yml", include_str!("../rules/stores.yml")),
    ("generic.yml", include_str!("../rules/generic.yml")),
];

/// An ordered, id-unique collection of secret rules. Compile it into a `Scanner` to scan.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    index: HashMap<String, usize>,
}

impl RuleSet {
    /// A set with no rules.
    pub fn empty() -> RuleSet {
        RuleSet::default()
    }

    /// The built-in rules. They are checked by this crate's tests, so an error here is a bug.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::empty();
        for (name, text) in BUILTIN_FILES {
            set.add_yaml(text, &format!("builtin:{name}"))?;
        }
        Ok(set)
    }

    /// Adds the rules of a YAML document; `source` names it in errors. Returns how many were added.
    pub fn add_yaml(&mut self, text: &str, source: &str) -> Result<usize, RuleError> {
        let rules = parse_rules(text, source)?;
        for rule in &rules {
            if let Some(&first) = self.index.get(rule.id()) {
                return Err(RuleError::DuplicateId {
                    file: source.to_string(),
                    id: rule.id().to_string(),
                    first: self.rules[first].source().to_string(),
                });
            }
        }
        let added = rules.len();
        for rule in rules {
            self.index.insert(rule.id().to_string(), self.rules.len());
            self.rules.push(rule);
        }
        Ok(added)
    }

    /// Loads a user rule file, or every `*.yml` / `*.yaml` file of a directory (sorted by name).
    pub fn load_user(&mut self, path: &Path) -> Result<usize, RuleError> {
        let io_error = |source| RuleError::Io {
            path: path.to_path_buf(),
            source,
        };
        if !path.is_dir() {
            let text = std::fs::read_to_string(path).map_err(io_error)?;
            return self.add_yaml(&text, &path.display().to_string());
        }
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(io_error)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|ext| ext == "yml" || ext == "yaml")
            })
            .collect();
        files.sort();
        let mut added = 0;
        for file in files {
            added += self.load_user(&file)?;
        }
        Ok(added)
    }

    /// The rules, in priority order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.index.get(id).map(|&i| &self.rules[i])
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the set has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub(crate) fn into_rules(self) -> Vec<Rule> {
        self.rules
    }
}

/// Metadata of every built-in secret rule, for `nhi rules`. Empty only if the built-ins are broken,
/// which the tests rule out.
pub fn catalog() -> Vec<RuleMeta> {
    RuleSet::builtin()
        .map(|set| set.rules().iter().map(Rule::meta).collect())
        .unwrap_or_default()
}
