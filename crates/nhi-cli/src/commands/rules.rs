//! `nhi rules`: every inventory rule, secret rule and behavioural detector with its id, severity,
//! OWASP NHI mapping and description. (The SigmaHQ rules `nhi hunt` ships keep their own ids and
//! carry no OWASP mapping; hunt reports name them with their title and author.)

use crate::cli::CommonArgs;
use crate::exit::Status;
use crate::output::Output;

pub fn run(common: &CommonArgs) -> anyhow::Result<Status> {
    let mut rules = super::all_rules();
    rules.extend(nhi_detect::detector_rules());
    let mut output = Output::open(common)?;
    output.render_rules(&rules)?;
    output.finish()?;
    Ok(Status::Clean)
}
