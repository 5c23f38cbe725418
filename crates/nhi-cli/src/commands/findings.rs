//! `nhi findings`: stored findings, open by default, `--new` for those the latest run added.

use crate::cli::{CommonArgs, FindingsArgs, StatusFilter};
use crate::exit::Status;
use crate::output::Output;
use nhi_report::{ReportData, View};
use nhi_store::{FindingQuery, StatusFilter as StoreStatus};

pub fn run(common: &CommonArgs, args: &FindingsArgs) -> anyhow::Result<Status> {
    let store = super::open_store(common)?;
    let query = FindingQuery {
        status: match args.status {
            StatusFilter::Open => StoreStatus::Open,
            StatusFilter::Resolved => StoreStatus::Resolved,
            StatusFilter::All => StoreStatus::All,
        },
        new_since_previous_run: args.new,
        min_severity: args.min_severity,
        rule: args.rule.clone(),
        ..FindingQuery::default()
    };
    let findings = super::apply_baseline(common, store.findings(&query)?)?;
    let rules = super::all_rules();
    let data = ReportData {
        identities: Vec::new(),
        credentials: Vec::new(),
        findings: &findings,
        rules: &rules,
        generated: chrono::Utc::now(),
        tool_version: env!("CARGO_PKG_VERSION"),
        title: "nhi findings".into(),
    };
    let mut output = Output::open(common)?;
    output.render(&data, View::Findings)?;
    output.finish()?;
    Ok(Status::of_run(
        findings.iter().map(|f| f.finding.severity),
        common.fail_on,
        0,
    ))
}
