//! Rules about what GitHub workflows and composite actions run from elsewhere: an action, a
//! reusable workflow or a container referenced by a tag or branch runs whatever its owner (or
//! whoever takes over the owner's account) points that name at next, with the job's secrets.
//!
//! Invariant: pinned means a full 40-hex commit SHA, or a `sha256:` digest for `docker://`;
//! local actions (`./...`) are the repository's own code and never judged.

use super::examples::{composite_action, inventory, job, workflow};
use super::pipeline::{Job, Pipeline};
use super::{per_file, Hit};
use crate::rules::credential_facts::risk;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// Who publishes an action, and whether its reference is immutable.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// `./path`: the repository's own.
    Local,
    /// `actions/*` and `github/*`: published by GitHub.
    GithubOwned,
    ThirdParty,
}

/// The publisher of `uses` (its owner, or the registry path of a container).
pub(super) fn origin(uses: &str) -> Origin {
    if uses.starts_with("./") || uses.starts_with("../") {
        return Origin::Local;
    }
    match uses
        .split('/')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("actions" | "github") => Origin::GithubOwned,
        _ => Origin::ThirdParty,
    }
}

/// Whether `uses` names an immutable version.
fn is_pinned(uses: &str) -> bool {
    if let Some(image) = uses.strip_prefix("docker://") {
        return image.contains("@sha256:");
    }
    match uses.rsplit_once('@') {
        Some((_, git_ref)) => git_ref.len() == 40 && git_ref.bytes().all(|b| b.is_ascii_hexdigit()),
        None => false,
    }
}

/// The hit of one job: its unpinned references from publishers `wanted`.
fn unpinned(pipeline: &Pipeline, job: &Job, wanted: &Origin) -> Option<Hit> {
    let found: Vec<_> = job
        .actions
        .iter()
        .filter(|a| origin(&a.uses) == *wanted && !is_pinned(&a.uses))
        .collect();
    let first = found.first()?;
    let names: Vec<String> = found.iter().map(|a| a.uses.clone()).collect();
    let listed: Vec<_> = found
        .iter()
        .map(|a| json!({"uses": a.uses, "line": a.line}))
        .collect();
    Some(Hit {
        line: first.line,
        what: format!(
            "{} uses {} without a commit SHA",
            pipeline.job_label(job),
            super::listed(&names)
        ),
        evidence: json!({"actions": listed}),
    })
}

/// A third-party action, reusable workflow or container not pinned.
pub(crate) struct ThirdPartyActionUnpinned;

static THIRD_PARTY: RuleMeta = risk(
    "github-action-not-pinned",
    "Third-party action not pinned to a commit SHA",
    Severity::Medium,
    &[OwaspNhi::NHI3],
    "A GitHub workflow or composite action uses a third-party action, reusable workflow or \
     container by tag or branch: whoever controls that name decides what runs with the job's \
     secrets and token.",
    "Pin every third-party `uses:` to a full 40-character commit SHA (keep the tag in a comment, \
     `uses: owner/action@<sha> # v4.1.0`) and containers to a `@sha256:` digest; let Dependabot \
     or Renovate propose updates.",
);

impl RiskRule for ThirdPartyActionUnpinned {
    fn meta(&self) -> &RuleMeta {
        &THIRD_PARTY
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &THIRD_PARTY, |pipeline, job| {
            unpinned(pipeline, job, &Origin::ThirdParty)
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let steps = |uses: &[&str]| {
            let actions: Vec<_> = uses
                .iter()
                .map(|u| json!({"uses": u, "line": 12}))
                .collect();
            job("build", json!({"actions": actions}))
        };
        let sha = "tj-actions/changed-files@2f7c5bfce28377bc069a65ba478de0a74aa0ca32";
        vec![
            RuleExample {
                name: "third-party action by tag",
                inventory: inventory(vec![workflow("ci.yml", &["push"], vec![steps(&["tj-actions/changed-files@v45"])])]),
                fires: true,
            },
            RuleExample {
                name: "container by tag in a composite action",
                inventory: inventory(vec![composite_action("lint", steps(&["docker://hadolint/hadolint:latest"]))]),
                fires: true,
            },
            RuleExample {
                name: "pinned, local, digest-pinned and GitHub-owned actions",
                inventory: inventory(vec![workflow(
                    "ci.yml",
                    &["push"],
                    vec![steps(&[sha, "./.github/actions/setup", "docker://alpine@sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a", "actions/checkout@v4"])],
                )]),
                fires: false,
            },
        ]
    }
}

/// A GitHub-owned action not pinned.
pub(crate) struct FirstPartyActionUnpinned;

static FIRST_PARTY: RuleMeta = risk(
    "github-first-party-action-not-pinned",
    "GitHub-owned action not pinned to a commit SHA",
    Severity::Low,
    &[OwaspNhi::NHI3],
    "A GitHub workflow or composite action uses an `actions/*` or `github/*` action by tag: GitHub \
     publishes them, but a moved tag still changes what runs with the job's secrets.",
    "Pin `actions/*` and `github/*` actions to a full commit SHA as well (keep the tag in a \
     comment) and let Dependabot or Renovate propose updates.",
);

impl RiskRule for FirstPartyActionUnpinned {
    fn meta(&self) -> &RuleMeta {
        &FIRST_PARTY
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        per_file(inventory, &FIRST_PARTY, |pipeline, job| {
            unpinned(pipeline, job, &Origin::GithubOwned)
        })
    }

    fn examples(&self) -> Vec<RuleExample> {
        let steps = |uses: &str| job("build", json!({"actions": [{"uses": uses, "line": 12}]}));
        let pinned = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";
        vec![
            RuleExample {
                name: "actions/checkout by tag",
                inventory: inventory(vec![workflow(
                    "ci.yml",
                    &["push"],
                    vec![steps("actions/checkout@v4")],
                )]),
                fires: true,
            },
            RuleExample {
                name: "actions/checkout by commit SHA",
                inventory: inventory(vec![workflow("ci.yml", &["push"], vec![steps(pinned)])]),
                fires: false,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_and_origins() {
        assert!(is_pinned("a/b@0123456789abcdef0123456789ABCDEF01234567"));
        assert!(!is_pinned("a/b@0123456") && !is_pinned("a/b") && !is_pinned("a/b@main"));
        assert!(!is_pinned("docker://alpine:3.20") && is_pinned("docker://alpine@sha256:ab"));
        assert_eq!(origin("./x"), Origin::Local);
        assert_eq!(origin("GitHub/codeql-action/init@v3"), Origin::GithubOwned);
        assert_eq!(
            origin("org/repo/.github/workflows/w.yml@main"),
            Origin::ThirdParty
        );
        assert_eq!(origin("docker://alpine"), Origin::ThirdParty);
    }
}
