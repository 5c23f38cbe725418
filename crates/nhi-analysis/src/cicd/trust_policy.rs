//! What an AWS role's trust policy says about GitHub Actions: the `Allow` statements that let
//! GitHub's OIDC provider call `sts:AssumeRoleWithWebIdentity`, each with the `sub` patterns its
//! condition requires, and how broad each pattern is.
//!
//! Invariant: lenient reading of what the `aws` source stores under `aws_trust_policy` (an object
//! or its JSON text; `Statement`, `Action`, `Federated` and condition values as one or a list);
//! anything unreadable is simply not a GitHub statement.

use serde_json::Value;

/// The issuer of GitHub Actions OIDC tokens, as it ends the provider's ARN and starts the keys.
pub(super) const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

/// One trust statement for GitHub's OIDC provider: the `sub` patterns it requires, or `None`
/// when it requires none (any repository may assume the role).
pub(super) type GithubStatement = Option<Vec<String>>;

/// The GitHub statements of a trust policy document.
pub(super) fn github_statements(document: &Value) -> Vec<GithubStatement> {
    let parsed;
    let document = match document {
        Value::String(text) => {
            parsed = serde_json::from_str(text).unwrap_or(Value::Null);
            &parsed
        }
        other => other,
    };
    let statements: Vec<&Value> = match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .filter(|s| is_github_allow(s))
        .map(|s| subject_patterns(s.get("Condition")))
        .collect()
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_github_allow(statement: &Value) -> bool {
    let allows = statement
        .get("Effect")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case("allow"));
    let federated = strings(statement.get("Principal").and_then(|p| p.get("Federated")));
    let assumes = strings(statement.get("Action"))
        .iter()
        .any(|a| glob(&a.to_ascii_lowercase(), "sts:assumerolewithwebidentity"));
    allows && assumes && federated.iter().any(|f| f.ends_with(GITHUB_ISSUER))
}

/// The `sub` values required by the string-matching operators of a condition block.
fn subject_patterns(condition: Option<&Value>) -> GithubStatement {
    let key = format!("{GITHUB_ISSUER}:sub");
    let mut patterns = Vec::new();
    let mut constrained = false;
    for (operator, entries) in condition.and_then(Value::as_object).into_iter().flatten() {
        let op = operator.to_ascii_lowercase();
        let op = op
            .split(':')
            .next_back()
            .unwrap_or_default()
            .trim_end_matches("ifexists");
        if !matches!(op, "stringequals" | "stringlike" | "stringequalsignorecase") {
            continue;
        }
        for (name, values) in entries.as_object().into_iter().flatten() {
            if name.eq_ignore_ascii_case(&key) {
                constrained = true;
                patterns.extend(strings(Some(values)).into_iter().map(str::to_string));
            }
        }
    }
    constrained.then_some(patterns)
}

/// How much of GitHub one `sub` pattern admits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Breadth {
    /// One repository, for named refs, environments or pull requests.
    Narrow,
    /// Every ref, environment and pull request of one repository.
    AnyRef(String),
    /// Every repository of one owner.
    AnyRepository(String),
    /// Every repository on GitHub.
    Everyone,
}

/// A `sub` pattern split into `repo:<owner>/<name>:<context>`.
pub(super) struct SubjectPattern<'a> {
    pub owner: &'a str,
    pub name: &'a str,
    pub context: Option<&'a str>,
}

impl<'a> SubjectPattern<'a> {
    pub(super) fn parse(pattern: &'a str) -> Option<SubjectPattern<'a>> {
        let rest = pattern.strip_prefix("repo:")?;
        let (owner, rest) = rest.split_once('/')?;
        let (name, context) = match rest.split_once(':') {
            Some((name, context)) => (name, Some(context)),
            None => (rest, None),
        };
        Some(SubjectPattern {
            owner,
            name,
            context,
        })
    }

    /// The owner to assume for the repositories a folder scan sees, whose owner it cannot know:
    /// the pattern's own when literal.
    pub(super) fn owner_or<'b>(&self, unknown: &'b str) -> &'b str
    where
        'a: 'b,
    {
        if has_wildcard(self.owner) {
            unknown
        } else {
            self.owner
        }
    }
}

/// How broad `pattern` is.
pub(super) fn breadth(pattern: &str) -> Breadth {
    let Some(parsed) = SubjectPattern::parse(pattern) else {
        // Not shaped like a GitHub subject: broad if it starts with a wildcard, else it admits nothing.
        return if pattern.starts_with(['*', '?']) {
            Breadth::Everyone
        } else {
            Breadth::Narrow
        };
    };
    if has_wildcard(parsed.owner) {
        Breadth::Everyone
    } else if has_wildcard(parsed.name) {
        Breadth::AnyRepository(parsed.owner.to_string())
    } else if parsed
        .context
        .is_some_and(|c| c.chars().all(|ch| ch == '*'))
    {
        Breadth::AnyRef(format!("{}/{}", parsed.owner, parsed.name))
    } else {
        Breadth::Narrow
    }
}

fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// The text before the first wildcard: every match of `pattern` starts with it.
pub(super) fn literal_prefix(pattern: &str) -> &str {
    &pattern[..pattern.find(['*', '?']).unwrap_or(pattern.len())]
}

/// IAM `StringLike` matching: `*` is any run of characters, `?` one character. Iterative with one
/// backtrack point, so hostile patterns stay linear-ish and never recurse.
pub(super) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs_match_like_iam() {
        assert!(glob("repo:org/*", "repo:org/app:ref:refs/heads/main"));
        assert!(glob(
            "repo:org/app:ref:refs/heads/?ain",
            "repo:org/app:ref:refs/heads/main"
        ));
        assert!(!glob(
            "repo:org/app:ref:refs/heads/main",
            "repo:org/app:ref:refs/heads/main2"
        ));
        assert!(glob("*a*b", "xaxxb") && !glob("*a*b", "xaxxbx"));
    }

    #[test]
    fn reads_github_statements_and_their_subjects() {
        let provider = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com";
        let document = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": ["sts:AssumeRoleWithWebIdentity"],
             "Condition": {"ForAnyValue:StringLike": {"token.actions.githubusercontent.com:sub": ["repo:org/app:*"]}}},
            {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:*"},
            {"Effect": "Deny", "Principal": {"Federated": provider}, "Action": "sts:*"},
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]});
        let statements = github_statements(&Value::String(document.to_string()));
        assert_eq!(
            statements,
            vec![Some(vec!["repo:org/app:*".to_string()]), None]
        );
    }

    #[test]
    fn tells_how_broad_a_pattern_is() {
        assert_eq!(breadth("*"), Breadth::Everyone);
        assert_eq!(breadth("repo:*/app:*"), Breadth::Everyone);
        assert_eq!(breadth("repo:org/*"), Breadth::AnyRepository("org".into()));
        assert_eq!(breadth("repo:org/app:*"), Breadth::AnyRef("org/app".into()));
        assert_eq!(breadth("repo:org/app:ref:refs/heads/*"), Breadth::Narrow);
        assert_eq!(breadth("repo:org/app:environment:prod"), Breadth::Narrow);
    }
}
