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

/// Every rule nhi knows, for reports that describe the rules their findings reference.
pub fn all_rules() -> Vec<nhi_model::RuleMeta> {
    let mut rules = nhi_analysis::catalog();
    rules.extend(nhi_secrets::catalog());
    rules
}
