//! One module per subcommand.

pub mod findings;
pub mod hunt;
pub mod inventory;
pub mod paths;
pub mod rules;
pub mod scan;
pub mod secrets;
pub mod show;

use crate::cli::CommonArgs;
use anyhow::Context;
use nhi_model::TrackedFinding;
use nhi_store::Store;
use std::collections::HashSet;

/// Open the store the flags name, for commands that read it.
pub fn open_store(common: &CommonArgs) -> anyhow::Result<Store> {
    if !common.db.exists() {
        anyhow::bail!(
            "no store at {} yet: run `nhi scan PATH` first (or pass --db)",
            common.db.display()
        );
    }
    Store::open(&common.db).with_context(|| format!("cannot open store {}", common.db.display()))
}

/// Drop findings that `--baseline FILE` already holds.
pub fn apply_baseline(
    common: &CommonArgs,
    findings: Vec<TrackedFinding>,
) -> anyhow::Result<Vec<TrackedFinding>> {
    let Some(path) = &common.baseline else {
        return Ok(findings);
    };
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read baseline {}", path.display()))?;
    let known: HashSet<String> = nhi_report::load_baseline(&bytes)
        .with_context(|| format!("cannot use baseline {}", path.display()))?;
    Ok(findings
        .into_iter()
        .filter(|f| !known.contains(&f.finding.id))
        .collect())
}

/// Context findings (`secret-context`, info) follow their secret: once every secret finding a
/// context line explains is ignored (`.nhiignore`) or baselined, the context line goes too. So
/// context never decides an exit status: it is reported only next to a secret finding, and that
/// finding is at least as severe, so `--fail-on` (and `nhi secrets`' fail-on-anything default)
/// fails exactly when it would without context.
pub fn drop_orphan_context(findings: Vec<TrackedFinding>) -> Vec<TrackedFinding> {
    let present: HashSet<String> = findings
        .iter()
        .filter(|f| !nhi_analysis::is_secret_context(&f.finding))
        .map(|f| f.finding.id.clone())
        .collect();
    findings
        .into_iter()
        .filter(|f| {
            !nhi_analysis::is_secret_context(&f.finding)
                || nhi_analysis::context_links(&f.finding)
                    .iter()
                    .any(|id| present.contains(*id))
        })
        .collect()
}

/// Every rule nhi knows, for reports that describe the rules their findings reference.
pub fn all_rules() -> Vec<nhi_model::RuleMeta> {
    let mut rules = nhi_analysis::catalog();
    rules.extend(nhi_secrets::catalog());
    rules
}
