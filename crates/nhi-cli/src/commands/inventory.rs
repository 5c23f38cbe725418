//! `nhi inventory`: the identities and credentials the store holds.

use crate::cli::CommonArgs;
use crate::exit::Status;
use crate::output::Output;
use nhi_report::{ReportData, View};

pub fn run(common: &CommonArgs) -> anyhow::Result<Status> {
    let store = super::open_store(common)?;
    let inventory = store.inventory()?;
    let rules = super::all_rules();
    let data = ReportData {
        identities: inventory.identities.values().collect(),
        credentials: inventory.credentials.values().collect(),
        findings: &[],
        rules: &rules,
        generated: chrono::Utc::now(),
        tool_version: env!("CARGO_PKG_VERSION"),
        title: "nhi inventory".into(),
    };
    let mut output = Output::open(common)?;
    output.render(&data, View::Inventory)?;
    output.finish()?;
    Ok(Status::Clean)
}
