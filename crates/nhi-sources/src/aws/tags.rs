//! Owner and environment of an AWS identity, from its tags or its account's name.
//!
//! Invariant: tag keys compare case-insensitively; the first matching key in priority order wins.

use std::collections::BTreeMap;

const OWNER_KEYS: &[&str] = &["owner", "team", "contact"];
const ENVIRONMENT_KEYS: &[&str] = &["env", "environment", "stage"];

fn tag<'a>(tags: &'a BTreeMap<String, String>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|wanted| {
        tags.iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(wanted) && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    })
}

/// The owner named by an `owner`, `team` or `contact` tag.
pub(crate) fn owner(tags: &BTreeMap<String, String>) -> Option<String> {
    tag(tags, OWNER_KEYS).map(str::to_string)
}

/// The environment named by an `env`, `environment` or `stage` tag.
pub(crate) fn environment(tags: &BTreeMap<String, String>) -> Option<String> {
    tag(tags, ENVIRONMENT_KEYS).map(str::to_string)
}

/// The environment an account's name suggests (`payments-prod` -> `production`).
pub(crate) fn environment_of_account(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let known: &[(&[&str], &str)] = &[
        (&["prod", "production", "prd", "live"], "production"),
        (&["staging", "stage", "stg", "preprod"], "staging"),
        (&["dev", "development"], "development"),
        (&["test", "testing", "qa", "uat"], "test"),
        (&["sandbox", "sbx", "playground"], "sandbox"),
    ];
    known
        .iter()
        .find(|(spellings, _)| words.iter().any(|w| spellings.contains(w)))
        .map(|(_, env)| env.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn tags_name_owner_and_environment_case_insensitively() {
        let t = tags(&[
            ("Team", "payments"),
            ("Owner", "alice@example.com"),
            ("ENV", "prod"),
        ]);
        assert_eq!(owner(&t).as_deref(), Some("alice@example.com"));
        assert_eq!(environment(&t).as_deref(), Some("prod"));
        assert_eq!(owner(&tags(&[("contact", "  ")])), None);
    }

    #[test]
    fn account_names_suggest_environments() {
        assert_eq!(
            environment_of_account("payments-prod").as_deref(),
            Some("production")
        );
        assert_eq!(
            environment_of_account("Dev Sandbox").as_deref(),
            Some("development")
        );
        assert_eq!(environment_of_account("shared-services"), None);
    }
}
