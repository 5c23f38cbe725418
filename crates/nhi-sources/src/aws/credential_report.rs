//! The IAM credential report: as the API returns it (`{"Content": base64, "ReportFormat":
//! "text/csv", "GeneratedTime"}`) or as the decoded CSV. One identity per row (the root user is
//! `<root_account>`), one access-key credential per key slot that holds a key.
//!
//! Invariants: columns are found by header name, so reordered or added columns read the same;
//! `N/A`, `no_information` and `not_supported` mean "no value"; the report's generation time (when
//! known) is kept on every identity and key so rules can judge ages against it.

use super::{account_of, json_with_any, location, parse_json, parse_time};
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use base64::Engine;
use nhi_model::{Credential, CredentialKind, CredentialStatus, Identity, IdentityKind, Timestamp};
use serde::Deserialize;
use serde_json::Value;

const HEADER_START: &str = "user,arn,user_creation_time";

/// Reads credential reports.
pub(crate) struct CredentialReport;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiReport {
    content: String,
    generated_time: Option<String>,
}

impl Source for CredentialReport {
    fn name(&self) -> &'static str {
        "aws-credential-report"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        let start = file
            .bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(file.bytes);
        start.starts_with(HEADER_START.as_bytes())
            || json_with_any(file, &["\"ReportFormat\"", "\"GeneratedTime\""])
                && json_with_any(file, &["\"Content\""])
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let text = super::text(file);
        if text.starts_with(HEADER_START) {
            read_csv(file, &text, None, 0, ctx, out);
            return;
        }
        let report: ApiReport = match parse_json(file, "credential report") {
            Ok(report) => report,
            Err(error) => return out.errors.push(error),
        };
        let generated = report.generated_time.as_deref().and_then(parse_time);
        let csv = if report.content.trim_start().starts_with(HEADER_START) {
            report.content
        } else {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(report.content.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            match decoded {
                Some(csv) if csv.starts_with(HEADER_START) => csv,
                _ => {
                    let message = "credential report Content is neither base64 of the CSV report nor the CSV itself";
                    return out.errors.push(SourceError::new(file.path, None, message));
                }
            }
        };
        // Rows live inside a JSON string: point errors at the line of "Content".
        let content_line = text
            .lines()
            .position(|l| l.contains("\"Content\""))
            .map_or(0, |i| i as u32);
        read_csv(file, &csv, generated, content_line, ctx, out);
    }
}

/// One parsed row, by header name.
struct Row<'h> {
    header: &'h [String],
    fields: Vec<String>,
}

impl Row<'_> {
    /// The field under `column`, `None` for the report's "no value" spellings.
    fn get(&self, column: &str) -> Option<&str> {
        let i = self.header.iter().position(|h| h == column)?;
        let value = self.fields.get(i)?.as_str();
        (!matches!(value, "" | "N/A" | "no_information" | "not_supported")).then_some(value)
    }

    fn flag(&self, column: &str) -> Option<bool> {
        match self.get(column)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    fn time(&self, column: &str) -> Option<Timestamp> {
        self.get(column).and_then(parse_time)
    }
}

fn read_csv(
    file: &SourceFile,
    csv: &str,
    generated: Option<Timestamp>,
    line_offset: u32,
    ctx: &SourceContext,
    out: &mut Discovery,
) {
    let mut lines = csv.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return;
    };
    let header = split_csv(header);
    for (index, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let line_number = line_offset + index as u32 + 1;
        let fields = split_csv(line);
        if fields.len() != header.len() {
            let message = format!(
                "credential report row has {} fields, the header {}",
                fields.len(),
                header.len()
            );
            out.errors
                .push(SourceError::new(file.path, Some(line_number), message));
            continue;
        }
        let row = Row {
            header: &header,
            fields,
        };
        read_row(file, &row, generated, line_number, ctx, out);
    }
}

fn read_row(
    file: &SourceFile,
    row: &Row,
    generated: Option<Timestamp>,
    line: u32,
    ctx: &SourceContext,
    out: &mut Discovery,
) {
    let (Some(user), Some(arn)) = (row.get("user"), row.get("arn")) else {
        let message = "credential report row without user or arn";
        return out
            .errors
            .push(SourceError::new(file.path, Some(line), message));
    };
    let root = user == "<root_account>";
    let name = if root { "root" } else { user };
    let mut identity = Identity::new(
        format!("aws:user:{arn}"),
        IdentityKind::CloudUser,
        "aws",
        name,
    );
    identity.created = row.time("user_creation_time");
    let password = row.flag("password_enabled");
    let mfa = row.flag("mfa_active");
    let attrs = &mut identity.attributes;
    attrs.insert("arn".into(), arn.into());
    attrs.insert("account".into(), account_of(arn).into());
    attrs.insert("last_used_known".into(), true.into());
    if root {
        attrs.insert("root".into(), true.into());
    }
    if let Some(password) = password {
        attrs.insert("password_enabled".into(), password.into());
    }
    if let Some(mfa) = mfa {
        attrs.insert("mfa_active".into(), mfa.into());
    }
    attrs.insert(
        "human".into(),
        (password == Some(true) && mfa == Some(true)).into(),
    );
    for column in ["password_last_used", "password_last_changed"] {
        if let Some(time) = row.time(column) {
            attrs.insert(column.into(), time.to_rfc3339().into());
        }
    }
    if let Some(generated) = generated {
        attrs.insert(
            "credential_report_generated".into(),
            generated.to_rfc3339().into(),
        );
    }
    let mut last_used = row.time("password_last_used");
    for slot in [1u8, 2] {
        if let Some(key) = access_key(file, row, &identity, slot, generated, line, ctx) {
            last_used = last_used.max(key.last_used);
            out.inventory.add_credential(key);
        }
    }
    identity.last_used = last_used;
    out.inventory.add_identity(identity);
}

/// The key in `slot`, when the slot holds one (active, or inactive but once rotated).
fn access_key(
    file: &SourceFile,
    row: &Row,
    user: &Identity,
    slot: u8,
    generated: Option<Timestamp>,
    line: u32,
    ctx: &SourceContext,
) -> Option<Credential> {
    let column = |what: &str| format!("access_key_{slot}_{what}");
    let active = row.flag(&column("active"))?;
    let rotated = row.time(&column("last_rotated"));
    if !active && rotated.is_none() {
        return None;
    }
    let arn = user
        .attributes
        .get("arn")
        .and_then(Value::as_str)
        .unwrap_or("");
    let id = format!("aws-access-key:{arn}#{slot}");
    let mut key = Credential::new(
        id.clone(),
        CredentialKind::AccessKey,
        ctx.fingerprinter.fingerprint(id.as_bytes()),
    );
    key.identity = Some(user.id.clone());
    key.status = if active {
        CredentialStatus::Active
    } else {
        CredentialStatus::Inactive
    };
    key.created = rotated;
    key.last_used = row.time(&column("last_used_date"));
    key.locations
        .push(location(file, Some(line), account_of(arn)));
    let attrs = &mut key.attributes;
    attrs.insert("source".into(), "credential-report".into());
    attrs.insert("slot".into(), slot.into());
    attrs.insert("user_name".into(), user.name.clone().into());
    attrs.insert("last_used_known".into(), true.into());
    for what in ["last_used_service", "last_used_region"] {
        if let Some(value) = row.get(&column(what)) {
            attrs.insert(what.into(), value.into());
        }
    }
    if let Some(generated) = generated {
        attrs.insert(
            "credential_report_generated".into(),
            generated.to_rfc3339().into(),
        );
    }
    Some(key)
}

/// Split one CSV line; double-quoted fields may hold commas and doubled quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_split_with_quotes() {
        assert_eq!(split_csv("a,b,,c"), vec!["a", "b", "", "c"]);
        assert_eq!(
            split_csv("\"x,y\",\"say \"\"hi\"\"\"\r"),
            vec!["x,y", "say \"hi\""]
        );
    }
}
