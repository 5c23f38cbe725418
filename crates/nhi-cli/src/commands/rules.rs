//! `nhi rules`: every rule with its id, severity, OWASP NHI mapping and description.

use crate::cli::CommonArgs;
use crate::exit::Status;
use crate::output::Output;

pub fn run(common: &CommonArgs) -> anyhow::Result<Status> {
    let rules = super::all_rules();
    let mut output = Output::open(common)?;
    output.render_rules(&rules)?;
    output.finish()?;
    Ok(Status::Clean)
}
