//! JSON and JSON Lines writers. Items serialise with the model's own serde fields, in the model's
//! field order, so these outputs are the contract scripts rely on (`BRIEF.md`). A JSON document is
//! always complete and valid; JSON Lines carry one object per line with no blank lines.

use crate::{ReportData, ReportError, View};
use nhi_model::{Credential, Identity, RuleMeta, TrackedFinding};
use serde::Serialize;
use std::io::Write;

/// The JSON object of `View::Scan` (with findings) and `View::Inventory` (without).
#[derive(Serialize)]
struct Document<'a> {
    identities: &'a [&'a Identity],
    credentials: &'a [&'a Credential],
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<&'a [TrackedFinding]>,
}

/// One JSON Lines record of a mixed stream: `{"record": "identity", ...the identity's fields}`.
#[derive(Serialize)]
struct Record<'a, T: Serialize> {
    record: &'static str,
    #[serde(flatten)]
    item: &'a T,
}

/// Write `view` as one pretty-printed JSON document.
pub(crate) fn render(
    data: &ReportData,
    view: View,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let document = Document {
        identities: &data.identities,
        credentials: &data.credentials,
        findings: Some(data.findings),
    };
    match view {
        View::Scan => write_pretty(&document, out),
        View::Findings => write_pretty(&data.findings, out),
        View::Inventory => write_pretty(
            &Document {
                findings: None,
                ..document
            },
            out,
        ),
    }
}

/// Write `view` as JSON Lines: bare findings for `View::Findings`, tagged records otherwise.
pub(crate) fn render_lines(
    data: &ReportData,
    view: View,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    if view == View::Findings {
        return data.findings.iter().try_for_each(|f| write_line(f, out));
    }
    for identity in &data.identities {
        write_line(
            &Record {
                record: "identity",
                item: *identity,
            },
            out,
        )?;
    }
    for credential in &data.credentials {
        write_line(
            &Record {
                record: "credential",
                item: *credential,
            },
            out,
        )?;
    }
    if view == View::Scan {
        for finding in data.findings {
            write_line(
                &Record {
                    record: "finding",
                    item: finding,
                },
                out,
            )?;
        }
    }
    Ok(())
}

/// Write the rule list as one JSON array.
pub(crate) fn render_rules(rules: &[RuleMeta], out: &mut dyn Write) -> Result<(), ReportError> {
    write_pretty(&rules, out)
}

/// Write the rule list as one rule per line.
pub(crate) fn render_rules_lines(
    rules: &[RuleMeta],
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    rules.iter().try_for_each(|rule| write_line(rule, out))
}

/// One pretty-printed document followed by a newline.
pub(crate) fn write_pretty<T: Serialize + ?Sized>(
    value: &T,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn write_line<T: Serialize>(value: &T, out: &mut dyn Write) -> Result<(), ReportError> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}
