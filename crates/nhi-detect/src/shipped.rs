//! The SigmaHQ CloudTrail and Kubernetes audit rules that ship inside nhi (`rules/sigma/`,
//! Detection Rule License 1.1: each rule keeps its author, and alerts from it name the author).
//! Embedded at build time by `build.rs`; nothing is read from disk at run time.

/// Every shipped rule file: its path under `rules/sigma/` and its YAML text, by path.
pub const SHIPPED_SIGMA_RULES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/shipped_rules.rs"));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SigmaEngine;

    #[test]
    fn every_shipped_rule_loads_and_names_its_author() {
        let mut builder = SigmaEngine::builder();
        for (path, text) in SHIPPED_SIGMA_RULES {
            assert!(text.contains("\nauthor:"), "{path} has no author");
            builder.add_yaml(path, text);
        }
        let (engine, errors) = builder.build();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(SHIPPED_SIGMA_RULES.len(), 73);
        assert_eq!(engine.len(), 73);
        assert!(engine
            .rules()
            .iter()
            .all(|rule| rule.description.contains("(rule by ")));
    }
}
