//! Command-line grammar: the subcommands and the flags they share (see `BRIEF.md`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// nhi finds, governs and watches the non-human identities of an organisation.
#[derive(Debug, Parser)]
#[command(name = "nhi", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Flags every subcommand understands.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, short = 'f', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The store (SQLite database).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "NHI_DB",
        default_value = ".nhi/nhi.db"
    )]
    pub db: PathBuf,
    /// Exit with status 1 when a reported finding is at or above this severity.
    #[arg(long, global = true, value_name = "SEVERITY")]
    pub fail_on: Option<nhi_model::Severity>,
    /// Suppress findings already present in this previous report (json, jsonl or sarif).
    #[arg(long, global = true, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Print nothing but the report (no progress, warnings or summary).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Say more on standard error (repeat for more).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Csv,
    Sarif,
    Html,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover identities and credentials under PATHs, analyse them and record the run.
    Scan(ScanArgs),
    /// Secret scanning only: files and full git history; exits 1 when anything is found.
    Secrets(SecretsArgs),
    /// List the identities and credentials the store holds.
    Inventory,
    /// List stored findings (open ones by default).
    Findings(FindingsArgs),
    /// Show one identity or credential: credentials, grants, where seen, timeline, findings.
    Show(ShowArgs),
    /// Privilege-escalation and attack paths in the identity graph of the stored inventory.
    Paths(PathsArgs),
    /// List every rule: id, severity, OWASP NHI mapping, description.
    Rules,
    /// Hunt for identity threats in audit logs (CloudTrail, Kubernetes audit, GCP audit, Entra ID
    /// sign-ins, GitHub audit): Sigma rules and behavioural detectors.
    Hunt(HuntArgs),
}

#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Log files, or directories searched recursively for .json, .jsonl and .gz files.
    #[arg(value_name = "LOG", required = true)]
    pub logs: Vec<PathBuf>,
    /// Also load the Sigma rules (.yml, .yaml) found under DIR.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Do not load the SigmaHQ rules that ship with nhi.
    #[arg(long)]
    pub no_shipped_rules: bool,
    /// Report only alerts from this time on (RFC 3339); earlier records still train baselines.
    #[arg(long, value_name = "TIME")]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Ignore records after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// Log time an identity must be seen for before its baseline is trusted (e.g. 24h, 7d).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = crate::commands::hunt::parse_duration)]
    pub learn: chrono::TimeDelta,
    /// Report a long-lived credential used again after this long unused (e.g. 30d).
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = crate::commands::hunt::parse_duration)]
    pub dormant: chrono::TimeDelta,
    /// Refuse a compressed input that inflates past this many bytes (suffixes K, M, G allowed).
    #[arg(long, value_name = "BYTES", default_value = "1G", value_parser = parse_size)]
    pub max_inflated: u64,
    /// Neither read the inventory from the store nor record the alerts in it.
    #[arg(long)]
    pub no_store: bool,
}

#[derive(Debug, Args)]
pub struct PathsArgs {
    /// Start only from this identity id (default: every identity with an outgoing edge).
    #[arg(long, value_name = "ID")]
    pub from: Option<String>,
    /// Where paths end: `admin` (any admin-equivalent identity) or an identity id / ARN.
    #[arg(long, value_name = "TARGET", default_value = "admin")]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan, and `postgres://` URLs of servers to inventory live.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Also inventory this PostgreSQL server (read-only), e.g. `postgres://nhi@db:5432/postgres`.
    #[arg(long, value_name = "DSN")]
    pub postgres: Vec<String>,
    /// Do not record the run in the store.
    #[arg(long)]
    pub no_store: bool,
    /// Skip files larger than this many bytes (suffixes K, M, G allowed).
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Judge ages and expiries at this time (RFC 3339) instead of now, e.g. for an old export.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Args)]
pub struct SecretsArgs {
    /// Files, directories and git repositories to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Scan only the files as they are, not the git history of repositories found.
    #[arg(long)]
    pub no_history: bool,
    /// Print each secret's plaintext in the report (never stored anywhere).
    #[arg(long)]
    pub show_secrets: bool,
    /// Extra secret rules: a YAML rule file or a directory of them.
    #[arg(long, value_name = "PATH")]
    pub rules: Option<PathBuf>,
    /// Do not use (or create) the store for the fingerprint key: fingerprints hold for this run only.
    #[arg(long)]
    pub no_store: bool,
    /// Skip files and blobs larger than this many bytes (suffixes K, M, G allowed).
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
    pub max_file_size: u64,
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// Only findings that appeared in the latest run (new since the previous one).
    #[arg(long)]
    pub new: bool,
    /// Which findings: open (default), resolved or all.
    #[arg(long, value_enum, default_value_t = StatusFilter::Open)]
    pub status: StatusFilter,
    /// Only findings at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub min_severity: Option<nhi_model::Severity>,
    /// Only findings of this rule.
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    Open,
    Resolved,
    All,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// An identity or credential id (a unique prefix or name is enough).
    pub id: String,
}

/// Parse `123`, `64K`, `64M`, `2G` (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return Err(format!("unknown size unit in '{text}' (use K, M or G)")),
    };
    value
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("'{text}' is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn grammar_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
