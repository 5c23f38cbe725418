//! Turns model data (identities, credentials, findings, rules) into the text a user asked for:
//! terminal tables, JSON, JSON Lines, CSV, SARIF 2.1.0 or a self-contained HTML page.
//!
//! Invariant: this crate does no analysis and no file I/O; it writes to the writer it is given, and
//! only ever prints what the model holds (fingerprints and redacted forms, never a plaintext secret).

mod baseline;
mod csv;
mod html;
mod json;
mod sarif;
mod summary;
mod table;
mod text;

use nhi_model::{Credential, Identity, RuleMeta, Timestamp, TrackedFinding};
use std::fmt;
use std::str::FromStr;

pub use baseline::load_baseline;

/// An output format, as named by `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One pretty-printed JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values, one header row.
    Csv,
    /// SARIF 2.1.0, for code-scanning UIs.
    Sarif,
    /// One self-contained HTML page.
    Html,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Json,
        Format::Jsonl,
        Format::Csv,
        Format::Sarif,
        Format::Html,
    ];

    /// The name used by `--format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Sarif => "sarif",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ReportError::UnknownFormat(s.to_string()))
    }
}

/// What the command shows: the whole scan, only its findings, or only the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// Inventory and findings (`nhi scan`).
    Scan,
    /// Findings only (`nhi findings`, `nhi secrets`).
    Findings,
    /// Identities and credentials only (`nhi inventory`).
    Inventory,
}

/// Everything a report can show. Findings and rules are borrowed as slices; identities and
/// credentials as references so the caller can pass a filtered subset without cloning.
#[derive(Debug, Clone)]
pub struct ReportData<'a> {
    /// Identities to list, in the order to list them.
    pub identities: Vec<&'a Identity>,
    /// Credentials to list, in the order to list them.
    pub credentials: Vec<&'a Credential>,
    /// Findings, tracked (with `status`, `first_seen`, `last_seen`) when they come from the store.
    /// Machine formats keep this order; tables and HTML list the most severe first.
    pub findings: &'a [TrackedFinding],
    /// Metadata of the rules that findings may reference (SARIF and HTML describe them).
    pub rules: &'a [RuleMeta],
    /// When the report was made (shown in HTML; machine formats stay reproducible without it).
    pub generated: Timestamp,
    /// Version of nhi that made the report.
    pub tool_version: &'a str,
    /// A one-line title, e.g. `nhi scan examples/demo-estate`.
    pub title: String,
}

/// Presentation options that do not change the content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour the table output with ANSI escapes (the caller decides: terminal, `NO_COLOR`, flags).
    pub color: bool,
}

/// Why a report could not be written or a baseline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--format` named no format this crate knows.
    #[error("unknown format '{0}' (expected table, json, jsonl, csv, sarif or html)")]
    UnknownFormat(String),
    /// The format cannot express what was asked, e.g. an inventory as SARIF.
    #[error("format {format} cannot show {what}")]
    Unsupported { format: Format, what: &'static str },
    /// Writing to the output failed.
    #[error("cannot write the report: {0}")]
    Io(#[from] std::io::Error),
    /// Serialising JSON failed.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing CSV failed.
    #[error("cannot write CSV: {0}")]
    Csv(#[from] ::csv::Error),
    /// A baseline file is not one of nhi's own reports. `line` is 1-based when known.
    #[error("baseline is not an nhi json, jsonl or sarif report{}: {reason}", at_line(*.line))]
    Baseline { line: Option<usize>, reason: String },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|line| format!(" (line {line})"))
        .unwrap_or_default()
}

/// Write `data` as `view` in `format` to `out`.
///
/// SARIF holds findings only, so `View::Inventory` cannot be written as SARIF; every other
/// combination is supported.
pub fn render(
    data: &ReportData,
    view: View,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    match format {
        Format::Table => table::render(data, view, opts, out),
        Format::Json => json::render(data, view, out),
        Format::Jsonl => json::render_lines(data, view, out),
        Format::Csv => csv::render(data, view, out),
        Format::Sarif if view == View::Inventory => Err(ReportError::Unsupported {
            format,
            what: "an inventory (SARIF holds findings)",
        }),
        Format::Sarif => sarif::render(data, out),
        Format::Html => html::render(data, view, out),
    }
}

/// Write the rule list of `nhi rules` in `format` (table, json, jsonl or csv).
pub fn render_rules(
    rules: &[RuleMeta],
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    match format {
        Format::Table => table::render_rules(rules, opts, out),
        Format::Json => json::render_rules(rules, out),
        Format::Jsonl => json::render_rules_lines(rules, out),
        Format::Csv => csv::render_rules(rules, out),
        Format::Sarif | Format::Html => Err(ReportError::Unsupported {
            format,
            what: "the rule list",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip_and_unknown_names_are_refused() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>().unwrap(), format);
        }
        assert_eq!("SARIF".parse::<Format>().unwrap(), Format::Sarif);
        let err = "xml".parse::<Format>().unwrap_err();
        assert!(err.to_string().contains("'xml'"));
    }
}
