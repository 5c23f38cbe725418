//! CSV writers for spreadsheets: findings (also for `View::Scan`, the most useful sheet), the
//! inventory with a `record` column, and the rule list. Lists inside a cell are `;`-joined.
//! A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a `'`
//! in front: scanned file names and titles are untrusted text.

use crate::text::{credential_status, owasp_codes, rule_kind, status, time};
use crate::{ReportData, ReportError, View};
use nhi_model::{Location, RuleMeta};
use std::borrow::Cow;
use std::io::Write;

const FINDING_HEADER: [&str; 10] = [
    "id",
    "severity",
    "rule",
    "owasp",
    "title",
    "subjects",
    "path",
    "line",
    "status",
    "remediation",
];

const INVENTORY_HEADER: [&str; 15] = [
    "record",
    "id",
    "kind",
    "provider",
    "name",
    "environment",
    "owner",
    "identity",
    "fingerprint",
    "redacted",
    "status",
    "created",
    "last_used",
    "expires",
    "locations",
];

const RULE_HEADER: [&str; 7] = [
    "id",
    "kind",
    "severity",
    "owasp",
    "title",
    "description",
    "remediation",
];

/// Write `view` as CSV: the findings sheet for `Scan` and `Findings`, the inventory sheet otherwise.
pub(crate) fn render(
    data: &ReportData,
    view: View,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut sheet = ::csv::Writer::from_writer(out);
    match view {
        View::Scan | View::Findings => write_findings(data, &mut sheet)?,
        View::Inventory => write_inventory(data, &mut sheet)?,
    }
    sheet.flush()?;
    Ok(())
}

/// Write the rule list as CSV.
pub(crate) fn render_rules(rules: &[RuleMeta], out: &mut dyn Write) -> Result<(), ReportError> {
    let mut sheet = ::csv::Writer::from_writer(out);
    write_row(&mut sheet, RULE_HEADER)?;
    for rule in rules {
        write_row(
            &mut sheet,
            [
                &rule.id,
                rule_kind(rule.kind),
                rule.severity.as_str(),
                &owasp_codes(&rule.owasp, ";"),
                &rule.title,
                &rule.description,
                &rule.remediation,
            ],
        )?;
    }
    sheet.flush()?;
    Ok(())
}

fn write_findings<W: Write>(
    data: &ReportData,
    sheet: &mut ::csv::Writer<W>,
) -> Result<(), ReportError> {
    write_row(sheet, FINDING_HEADER)?;
    for tracked in data.findings {
        let finding = &tracked.finding;
        let location = finding.location.as_ref();
        let line = location
            .and_then(|l| l.line)
            .map(|l| l.to_string())
            .unwrap_or_default();
        write_row(
            sheet,
            [
                &finding.id,
                finding.severity.as_str(),
                &finding.rule,
                &owasp_codes(&finding.owasp, ";"),
                &finding.title,
                &finding.subjects.join(";"),
                location.and_then(|l| l.path.as_deref()).unwrap_or(""),
                &line,
                status(tracked),
                &finding.remediation,
            ],
        )?;
    }
    Ok(())
}

fn write_inventory<W: Write>(
    data: &ReportData,
    sheet: &mut ::csv::Writer<W>,
) -> Result<(), ReportError> {
    write_row(sheet, INVENTORY_HEADER)?;
    for identity in &data.identities {
        write_row(
            sheet,
            [
                "identity",
                &identity.id,
                identity.kind.as_str(),
                &identity.provider,
                &identity.name,
                identity.environment.as_deref().unwrap_or(""),
                identity.owner.as_deref().unwrap_or(""),
                "",
                "",
                "",
                "",
                &time(identity.created),
                &time(identity.last_used),
                "",
                "",
            ],
        )?;
    }
    for credential in &data.credentials {
        write_row(
            sheet,
            [
                "credential",
                &credential.id,
                credential.kind.as_str(),
                "",
                "",
                "",
                "",
                credential.identity.as_deref().unwrap_or(""),
                &credential.fingerprint,
                credential.redacted.as_deref().unwrap_or(""),
                credential_status(credential.status),
                &time(credential.created),
                &time(credential.last_used),
                &time(credential.expires),
                &locations(&credential.locations),
            ],
        )?;
    }
    Ok(())
}

fn locations(locations: &[Location]) -> String {
    locations
        .iter()
        .map(Location::display)
        .collect::<Vec<_>>()
        .join(";")
}

/// Write one row, defusing every cell a spreadsheet would evaluate.
fn write_row<W: Write, const N: usize>(
    sheet: &mut ::csv::Writer<W>,
    cells: [&str; N],
) -> Result<(), ReportError> {
    for cell in cells {
        sheet.write_field(defuse(cell).as_bytes())?;
    }
    sheet.write_record(None::<&[u8]>)?;
    Ok(())
}

fn defuse(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_plain_cells_kept() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("aws-access-key"), "aws-access-key");
        assert_eq!(defuse(""), "");
    }
}
