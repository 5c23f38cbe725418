//! Terminal tables: an inventory summary and the findings table for a scan, the identities and
//! credentials tables for an inventory, and the rule list. Findings are listed most severe first
//! and closed by one line of counts per severity. No escape code is written unless colour is on.

mod grid;

use crate::summary;
use crate::text::{
    by_severity, credential_status, date, finding_place, owasp_codes, rule_kind, status,
};
use crate::{RenderOptions, ReportData, ReportError, View};
use anstyle::{AnsiColor, Style};
use grid::{paint, Cell, Column, Keep};
use nhi_model::{Credential, RuleMeta, Severity};
use std::io::Write;

const SEVERITY: Column = Column::new("SEVERITY", 8, Keep::Start);
const RULE: Column = Column::new("RULE", 36, Keep::Start);
const TITLE: Column = Column::new("TITLE", 64, Keep::Start);
const LOCATION: Column = Column::new("LOCATION", 48, Keep::End);
const STATUS: Column = Column::new("STATUS", 8, Keep::Start);
const ID: Column = Column::new("ID", 48, Keep::End);
const KIND: Column = Column::new("KIND", 18, Keep::Start);

/// Write `view` as terminal tables.
pub(crate) fn render(
    data: &ReportData,
    view: View,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    match view {
        View::Scan => {
            write_inventory_summary(data, out)?;
            writeln!(out)?;
            write_findings(data, opts.color, out)?;
        }
        View::Findings => write_findings(data, opts.color, out)?,
        View::Inventory => write_inventory(data, opts.color, out)?,
    }
    Ok(())
}

/// Write the rule list as a table.
pub(crate) fn render_rules(
    rules: &[RuleMeta],
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let columns = [
        Column::new("ID", 40, Keep::Start),
        Column::new("KIND", 8, Keep::Start),
        SEVERITY,
        Column::new("OWASP", 16, Keep::Start),
        TITLE,
    ];
    let rows: Vec<Vec<Cell>> = rules
        .iter()
        .map(|rule| {
            vec![
                Cell::plain(rule.id.as_ref()),
                Cell::plain(rule_kind(rule.kind)),
                severity_cell(rule.severity),
                Cell::plain(owasp_codes(&rule.owasp, ",")),
                Cell::plain(rule.title.as_ref()),
            ]
        })
        .collect();
    grid::write(&columns, &rows, opts.color, out)?;
    writeln!(out, "\n{} rule{}", rules.len(), plural(rules.len()))?;
    Ok(())
}

/// Two lines: identities by kind, credentials by kind.
fn write_inventory_summary(data: &ReportData, out: &mut dyn Write) -> std::io::Result<()> {
    let identities = summary::by_kind(data.identities.iter().map(|i| i.kind.as_str()));
    let credentials = summary::by_kind(data.credentials.iter().map(|c| c.kind.as_str()));
    writeln!(
        out,
        "Identities   {}",
        kind_list(data.identities.len(), &identities)
    )?;
    writeln!(
        out,
        "Credentials  {}",
        kind_list(data.credentials.len(), &credentials)
    )
}

/// `5: cloud-role 2, service-account 2, certificate 1`, or `0`.
fn kind_list(total: usize, counts: &[(&str, usize)]) -> String {
    if counts.is_empty() {
        return total.to_string();
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    format!("{total}: {}", parts.join(", "))
}

/// The findings table, most severe first, then the counts line.
fn write_findings(data: &ReportData, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if data.findings.is_empty() {
        return writeln!(out, "No findings.");
    }
    let tracked = data.findings.iter().any(|f| f.lifecycle.is_some());
    let mut columns = vec![SEVERITY, RULE, TITLE, LOCATION];
    if tracked {
        columns.push(STATUS);
    }
    let rows: Vec<Vec<Cell>> = by_severity(data.findings)
        .into_iter()
        .map(|tracked_finding| {
            let finding = &tracked_finding.finding;
            let mut row = vec![
                severity_cell(finding.severity),
                Cell::plain(finding.rule.as_str()),
                Cell::plain(finding.title.as_str()),
                Cell::plain(finding_place(finding)),
            ];
            if tracked {
                row.push(Cell::plain(status(tracked_finding)));
            }
            row
        })
        .collect();
    grid::write(&columns, &rows, color, out)?;
    writeln!(out)?;
    writeln!(out, "{}", severity_counts(data, color))
}

/// `4 findings: 1 critical, 2 high, 1 medium, 0 low, 0 info`.
fn severity_counts(data: &ReportData, color: bool) -> String {
    let total = data.findings.len();
    let parts: Vec<String> = summary::by_severity(data.findings)
        .into_iter()
        .map(|(severity, n)| {
            let style = if n > 0 {
                severity_style(severity)
            } else {
                Style::new()
            };
            paint(&format!("{n} {severity}"), style, color)
        })
        .collect();
    format!("{total} finding{}: {}", plural(total), parts.join(", "))
}

/// The identities table then the credentials table.
fn write_inventory(data: &ReportData, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let bold = Style::new().bold();
    writeln!(
        out,
        "{}",
        paint(
            &format!("Identities ({})", data.identities.len()),
            bold,
            color
        )
    )?;
    let columns = [
        ID,
        KIND,
        Column::new("PROVIDER", 10, Keep::Start),
        Column::new("NAME", 32, Keep::Start),
        Column::new("OWNER", 24, Keep::Start),
        Column::new("LAST USED", 10, Keep::Start),
    ];
    let rows: Vec<Vec<Cell>> = data
        .identities
        .iter()
        .map(|identity| {
            vec![
                Cell::plain(identity.id.as_str()),
                Cell::plain(identity.kind.as_str()),
                Cell::plain(identity.provider.as_str()),
                Cell::plain(identity.name.as_str()),
                Cell::plain(identity.owner.as_deref().unwrap_or("")),
                Cell::plain(date(identity.last_used)),
            ]
        })
        .collect();
    grid::write(&columns, &rows, color, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        paint(
            &format!("Credentials ({})", data.credentials.len()),
            bold,
            color
        )
    )?;
    let columns = [
        ID,
        KIND,
        Column::new("IDENTITY", 48, Keep::End),
        Column::new("STATUS", 8, Keep::Start),
        Column::new("EXPIRES", 10, Keep::Start),
        Column::new("SEEN AT", 48, Keep::End),
    ];
    let rows: Vec<Vec<Cell>> = data
        .credentials
        .iter()
        .map(|credential| {
            vec![
                Cell::plain(credential.id.as_str()),
                Cell::plain(credential.kind.as_str()),
                Cell::plain(credential.identity.as_deref().unwrap_or("")),
                Cell::plain(credential_status(credential.status)),
                Cell::plain(date(credential.expires)),
                Cell::plain(seen_at(credential)),
            ]
        })
        .collect();
    grid::write(&columns, &rows, color, out)
}

/// The first place a credential was seen, and how many more there are.
fn seen_at(credential: &Credential) -> String {
    match credential.locations.as_slice() {
        [] => String::new(),
        [only] => only.display(),
        [first, rest @ ..] => format!("{} (+{} more)", first.display(), rest.len()),
    }
}

fn severity_cell(severity: Severity) -> Cell {
    Cell::styled(severity.as_str(), severity_style(severity))
}

/// Critical magenta and bold, high red, medium yellow, low blue, info dim.
fn severity_style(severity: Severity) -> Style {
    let fg = |color: AnsiColor| Style::new().fg_color(Some(color.into()));
    match severity {
        Severity::Critical => fg(AnsiColor::Magenta).bold(),
        Severity::High => fg(AnsiColor::Red),
        Severity::Medium => fg(AnsiColor::Yellow),
        Severity::Low => fg(AnsiColor::Blue),
        Severity::Info => Style::new().dimmed(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
