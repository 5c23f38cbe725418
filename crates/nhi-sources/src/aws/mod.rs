//! AWS IAM exports: `aws iam get-account-authorization-details`, the credential report (API JSON
//! or CSV), `aws iam list-access-keys`, `aws iam get-access-key-last-used` and
//! `aws organizations list-accounts`. Each file is recognised by its content.
//!
//! What analysis reads is the attribute contract documented in `nhi-analysis/src/aws/principal.rs`
//! (users `aws:user:<arn>`, roles `aws:role:<arn>`, keys `aws-access-key:<id>`; groups are not
//! identities but `bound-to` edges to their policies). Invariants: sources judge nothing; an
//! unreadable file gives one error naming it (and the line or JSON path where known); unknown
//! fields are ignored.

mod access_keys;
mod authorization_details;
mod credential_report;
mod organizations;
mod tags;

pub(crate) use access_keys::{AccessKeyLastUsed, AccessKeyList};
pub(crate) use authorization_details::AuthorizationDetails;
pub(crate) use credential_report::CredentialReport;
pub(crate) use organizations::OrganizationAccounts;

use crate::{SourceError, SourceFile};
use nhi_model::{Location, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

/// How far into a file recognition looks.
const SNIFF_WINDOW: usize = 64 * 1024;

/// The file's text without a UTF-8 byte-order mark (lossy: IAM exports are UTF-8).
fn text<'a>(file: &SourceFile<'a>) -> std::borrow::Cow<'a, str> {
    let bytes = file
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(file.bytes);
    String::from_utf8_lossy(bytes)
}

/// Whether the file is a JSON object whose first bytes hold one of `markers`.
fn json_with_any(file: &SourceFile, markers: &[&str]) -> bool {
    let window = &file.bytes[..file.bytes.len().min(SNIFF_WINDOW)];
    let window = window.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(window);
    let starts_as_object = window.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    starts_as_object
        && markers
            .iter()
            .any(|m| memchr::memmem::find(window, m.as_bytes()).is_some())
}

/// Parse the whole file as `T`; a truncated or malformed file gives one error with its line.
fn parse_json<T: DeserializeOwned>(file: &SourceFile, what: &str) -> Result<T, SourceError> {
    serde_json::from_str(&text(file)).map_err(|e| {
        let line = u32::try_from(e.line()).ok();
        let message = match e.classify() {
            Category::Eof => {
                format!("truncated {what}: the file ends before the JSON document does")
            }
            Category::Syntax => format!("invalid JSON in {what} (column {}): {e}", e.column()),
            Category::Data => format!("unexpected content in {what} (column {}): {e}", e.column()),
            Category::Io => format!("cannot read {what}: {e}"),
        };
        SourceError::new(file.path, line, message)
    })
}

/// A time as AWS exports write it: RFC 3339 (`2019-05-07T15:40:22+00:00`, `...Z`) or with a space
/// (`2023-03-09 10:41:40+00:00`, as boto3 dumps).
fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)))
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%z"));
    parsed.ok().map(|t| t.with_timezone(&chrono::Utc))
}

/// The account id field of an ARN (`arn:aws:iam::123:role/x` -> `123`).
fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("")
}

/// Where a record of an account was seen: the file, and the account.
fn location(file: &SourceFile, line: Option<u32>, account: &str) -> Location {
    Location {
        account: (!account.is_empty()).then(|| account.to_string()),
        ..Location::file(file.path, line)
    }
}

/// `AKIA************MPLE`: the first and last four characters of an access key id.
fn redact_key_id(id: &str) -> String {
    if id.len() <= 8 || !id.is_ascii() {
        return "*".repeat(id.len());
    }
    format!(
        "{}{}{}",
        &id[..4],
        "*".repeat(id.len() - 8),
        &id[id.len() - 4..]
    )
}

#[cfg(test)]
mod tests;
