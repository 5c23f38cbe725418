//! The `nhi` binary: parses the command line and hands each subcommand to its module. Kept thin:
//! discovery lives in `nhi-sources`, judgement in `nhi-analysis`, state in `nhi-store`, and
//! rendering in `nhi-report`.

mod cli;
mod commands;
mod exit;
mod ignore;
mod output;
mod progress;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: the hunt and scan workloads allocate and free
/// millions of small JSON nodes across threads, where glibc's malloc spends much of its time
/// consolidating freed chunks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match &cli.command {
        cli::Command::Scan(args) => commands::scan::run(&cli.common, args),
        cli::Command::Secrets(args) => commands::secrets::run(&cli.common, args),
        cli::Command::Inventory => commands::inventory::run(&cli.common),
        cli::Command::Findings(args) => commands::findings::run(&cli.common, args),
        cli::Command::Show(args) => commands::show::run(&cli.common, args),
        cli::Command::Paths(args) => commands::paths::run(&cli.common, args),
        cli::Command::Rules => commands::rules::run(&cli.common),
        cli::Command::Hunt(args) => commands::hunt::run(&cli.common, args),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            eprintln!("nhi: error: {err:#}");
            exit::Status::Fatal.into()
        }
    }
}
