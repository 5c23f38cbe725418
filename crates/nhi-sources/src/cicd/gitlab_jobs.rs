//! GitLab CI job resolution: which top-level keys are jobs, and what a job holds once `extends:`
//! (deep merge, the job's own keys winning), `default:` and `!reference [job, key, ...]` tags are
//! applied, as GitLab itself would see it.
//!
//! Invariant: bounded. `extends` chains stop at GitLab's own depth limit and cycles are errors;
//! `!reference` nesting stops at the same depth; nothing here can recurse without bound.

use super::yaml::{get, scalars};
use serde_yaml_ng::{Mapping, Value};

/// Top-level keys that configure the pipeline rather than name a job.
const GLOBAL_KEYWORDS: [&str; 11] = [
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
];

/// Keys that `default:` gives every job that does not set them.
const DEFAULT_KEYS: [&str; 5] = [
    "before_script",
    "after_script",
    "image",
    "id_tokens",
    "tags",
];

/// GitLab's limit on `extends` depth (and ours on `!reference` nesting).
const MAX_DEPTH: usize = 11;

/// Whether the top-level `key` names a job: not a global keyword, not hidden (`.template`).
pub(super) fn is_job(key: &str, value: &Value) -> bool {
    value.is_mapping() && !key.starts_with('.') && !GLOBAL_KEYWORDS.contains(&key)
}

/// How many templates and references one job may expand: a file of wide `extends` lists or
/// `!reference` fans cannot make resolution exponential.
const MAX_EXPANSIONS: usize = 10_000;

/// The job `name` of the pipeline `root` with `extends`, `default:` and `!reference` applied.
pub(super) fn resolve(root: &Mapping, name: &str) -> Result<Value, String> {
    let mut resolver = Resolver {
        root,
        chain: Vec::new(),
        expansions: 0,
    };
    let mut job = resolver.extended(name)?;
    if let (Some(defaults), Value::Mapping(map)) = (root.get("default"), &mut job) {
        for key in DEFAULT_KEYS {
            if let (false, Some(value)) = (map.contains_key(key), get(defaults, key)) {
                map.insert(key.into(), value.clone());
            }
        }
    }
    resolver.references(&job, 0)
}

struct Resolver<'a> {
    root: &'a Mapping,
    /// The `extends` chain being followed, to find loops.
    chain: Vec<String>,
    expansions: usize,
}

impl Resolver<'_> {
    fn spend(&mut self) -> Result<(), String> {
        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS {
            return Err(format!(
                "more than {MAX_EXPANSIONS} `extends` and `!reference` expansions"
            ));
        }
        Ok(())
    }

    fn extended(&mut self, name: &str) -> Result<Value, String> {
        self.spend()?;
        if self.chain.iter().any(|n| n == name) {
            return Err(format!(
                "`extends` loops: {} -> {name}",
                self.chain.join(" -> ")
            ));
        }
        if self.chain.len() >= MAX_DEPTH {
            return Err(format!("`extends` nests deeper than {MAX_DEPTH} levels"));
        }
        let root = self.root;
        let own = root
            .get(name)
            .ok_or_else(|| format!("`extends` names `{name}`, which is not in this file"))?;
        self.chain.push(name.to_string());
        let mut merged = Value::Mapping(Mapping::new());
        for parent in scalars(get(own, "extends")) {
            let parent = self.extended(&parent)?;
            merge(&mut merged, &parent);
        }
        self.chain.pop();
        merge(&mut merged, own);
        if let Value::Mapping(map) = &mut merged {
            map.remove("extends");
        }
        Ok(merged)
    }

    /// `value` with every `!reference [key, ...]` replaced by what it points at in the root.
    fn references(&mut self, value: &Value, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "`!reference` tags nest deeper than {MAX_DEPTH} levels"
            ));
        }
        Ok(match value {
            Value::Tagged(tagged) if tagged.tag == "reference" => {
                self.spend()?;
                let path = scalars(Some(&tagged.value));
                let mut target = path.first().and_then(|first| self.root.get(first.as_str()));
                for key in path.iter().skip(1) {
                    target = target.and_then(|t| get(t, key));
                }
                let target = target.ok_or_else(|| {
                    format!("`!reference [{}]` points at nothing", path.join(", "))
                })?;
                self.references(target, depth + 1)?
            }
            Value::Sequence(items) => Value::Sequence(
                items
                    .iter()
                    .map(|i| self.references(i, depth))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Mapping(map) => {
                let mut out = Mapping::new();
                for (key, item) in map {
                    out.insert(key.clone(), self.references(item, depth)?);
                }
                Value::Mapping(out)
            }
            other => other.clone(),
        })
    }
}

/// Deep-merge `over` into `base`: mappings merge key by key, anything else is replaced.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Mapping(base), Value::Mapping(over)) => {
            for (key, value) in over {
                match base.get_mut(key) {
                    Some(existing) if existing.is_mapping() && value.is_mapping() => {
                        merge(existing, value)
                    }
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Mapping {
        serde_yaml_ng::from_str(text).unwrap()
    }

    #[test]
    fn extends_merges_deeply_and_the_job_wins() {
        let root = root(
            ".base:\n  variables: {A: '1', B: '2'}\n  script: [one]\n.deploy:\n  extends: .base\n  environment: prod\n\
             job:\n  extends: [.deploy]\n  variables: {B: '3'}\ndefault:\n  before_script: [setup]\n",
        );
        let job = resolve(&root, "job").unwrap();
        assert_eq!(
            get(&job, "environment").and_then(Value::as_str),
            Some("prod")
        );
        let vars = get(&job, "variables").unwrap();
        assert_eq!(
            (
                get(vars, "A").and_then(Value::as_str),
                get(vars, "B").and_then(Value::as_str)
            ),
            (Some("1"), Some("3"))
        );
        assert_eq!(scalars(get(&job, "before_script")), ["setup"]);
        assert!(get(&job, "extends").is_none());
    }

    #[test]
    fn loops_and_dangling_names_are_errors() {
        let root = root("a:\n  extends: b\nb:\n  extends: a\nc:\n  extends: .missing\n");
        assert!(resolve(&root, "a").unwrap_err().contains("loops"));
        assert!(resolve(&root, "c").unwrap_err().contains(".missing"));
    }

    #[test]
    fn references_are_replaced() {
        let root = root(".setup:\n  script: [login]\njob:\n  script:\n    - !reference [.setup, script]\n    - deploy\n");
        let job = resolve(&root, "job").unwrap();
        let script = get(&job, "script").unwrap().as_sequence().unwrap();
        assert_eq!(scalars(script.first()), ["login"]);
        let bad = self::root("job:\n  script: !reference [.nope, script]\n");
        assert!(resolve(&bad, "job")
            .unwrap_err()
            .contains("points at nothing"));
    }
}
