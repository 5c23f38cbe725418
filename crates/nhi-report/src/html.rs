//! One self-contained HTML page: header, summary cards, SVG charts, a filterable findings table and
//! the inventory tables. Invariants: every text from the data goes through `escape`; the page loads
//! nothing from the network, and its Content-Security-Policy allows only its own inline style and
//! the one script whose hash it names, so even a missed escape could not run or fetch anything.

mod chart;

use crate::summary;
use crate::text::{by_severity, credential_status, date, finding_place, owasp_codes, status, time};
use crate::{ReportData, ReportError, View};
use chart::Bar;
use nhi_model::{Credential, Identity, OwaspNhi, Severity, TrackedFinding};
use std::io::Write;

const STYLE: &str = include_str!("html/style.css");
const FILTER_SCRIPT: &str = include_str!("html/filter.js");
/// Base64 SHA-256 of `FILTER_SCRIPT`, as CSP wants it (a test recomputes it from the page).
const FILTER_SCRIPT_SHA256: &str = "JTK27o+vYdUVJ8/kSqdQhUph7VAsvU3KqMp9QI5/82w=";

/// Write `view` of `data` as one HTML page.
pub(crate) fn render(
    data: &ReportData,
    view: View,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let show_findings = view != View::Inventory;
    let show_inventory = view != View::Findings;
    write_head(data, out)?;
    write_header(data, out)?;
    writeln!(out, "<main>")?;
    write_cards(data, show_findings, show_inventory, out)?;
    write_charts(data, show_findings, show_inventory, out)?;
    if show_findings {
        write_findings(data.findings, out)?;
    }
    if show_inventory {
        write_identities(&data.identities, out)?;
        write_credentials(&data.credentials, out)?;
    }
    writeln!(out, "</main>")?;
    writeln!(
        out,
        "<footer>Made by nhi {}.</footer>",
        escape(data.tool_version)
    )?;
    if show_findings && !data.findings.is_empty() {
        writeln!(out, "<script>{FILTER_SCRIPT}</script>")?;
    }
    writeln!(out, "</body>\n</html>")?;
    Ok(())
}

/// `text` safe in HTML text and in double- or single-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

fn write_head(data: &ReportData, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'sha256-{FILTER_SCRIPT_SHA256}'; \
         base-uri 'none'; form-action 'none'\">"
    )?;
    writeln!(out, "<title>{}</title>", escape(&data.title))?;
    writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>")
}

fn write_header(data: &ReportData, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "<header>\n<h1>{}</h1>", escape(&data.title))?;
    writeln!(
        out,
        "<div class=\"muted\">Generated <time datetime=\"{generated}\">{generated}</time> by nhi {}</div>\n</header>",
        escape(data.tool_version),
        generated = time(Some(data.generated)),
    )
}

fn write_cards(
    data: &ReportData,
    show_findings: bool,
    show_inventory: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let card = |out: &mut dyn Write, class: &str, count: usize, label: &str| {
        writeln!(
            out,
            "<div class=\"card {class}\"><span class=\"count\">{count}</span><span class=\"label\">{label}</span></div>"
        )
    };
    writeln!(out, "<section class=\"cards\" aria-label=\"Summary\">")?;
    if show_findings {
        card(out, "", data.findings.len(), "findings")?;
        for (severity, count) in summary::by_severity(data.findings) {
            card(out, severity_class(severity), count, severity.as_str())?;
        }
    }
    if show_inventory {
        card(out, "", data.identities.len(), "identities")?;
        card(out, "", data.credentials.len(), "credentials")?;
    }
    writeln!(out, "</section>")
}

fn write_charts(
    data: &ReportData,
    show_findings: bool,
    show_inventory: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out, "<section class=\"charts\">")?;
    if show_findings {
        let bars: Vec<Bar> = summary::by_severity(data.findings)
            .into_iter()
            .map(|(severity, value)| Bar {
                label: severity.as_str().to_string(),
                value,
                class: severity_class(severity),
            })
            .collect();
        chart::write("Findings by severity", &bars, out)?;
        let bars: Vec<Bar> = summary::by_owasp(data.findings)
            .into_iter()
            .map(|(category, value)| Bar {
                label: owasp_label(category),
                value,
                class: "",
            })
            .collect();
        chart::write("Findings by OWASP NHI Top 10 category", &bars, out)?;
    }
    if show_inventory {
        let kinds = |counts: Vec<(&str, usize)>| -> Vec<Bar> {
            counts
                .into_iter()
                .map(|(kind, value)| Bar {
                    label: kind.to_string(),
                    value,
                    class: "",
                })
                .collect()
        };
        let identities = summary::by_kind(data.identities.iter().map(|i| i.kind.as_str()));
        chart::write("Identities by kind", &kinds(identities), out)?;
        let credentials = summary::by_kind(data.credentials.iter().map(|c| c.kind.as_str()));
        chart::write("Credentials by kind", &kinds(credentials), out)?;
    }
    writeln!(out, "</section>")
}

fn write_findings(findings: &[TrackedFinding], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "<section id=\"findings\">")?;
    if findings.is_empty() {
        return writeln!(
            out,
            "<h2>Findings</h2>\n<p class=\"muted\">No findings.</p>\n</section>"
        );
    }
    writeln!(
        out,
        "<h2>Findings <span class=\"muted\">(<span id=\"findings-shown\">{total}</span> of {total} shown)</span></h2>",
        total = findings.len()
    )?;
    write_filters(out)?;
    writeln!(
        out,
        "<table id=\"findings-table\">\n<thead><tr><th>Severity</th><th>Rule</th><th>Finding</th>\
         <th>Location</th><th>Subjects</th></tr></thead>\n<tbody>"
    )?;
    for tracked in by_severity(findings) {
        write_finding_row(tracked, out)?;
    }
    writeln!(out, "</tbody>\n</table>\n</section>")
}

fn write_filters(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "<div class=\"filters\">\n<input id=\"finding-filter\" type=\"search\" \
         placeholder=\"Filter by text: rule, title, path, subject…\" aria-label=\"Filter findings by text\">"
    )?;
    writeln!(out, "<select id=\"severity-filter\" aria-label=\"Severity\"><option value=\"\">All severities</option>")?;
    for severity in Severity::ALL_DESCENDING {
        writeln!(out, "<option value=\"{severity}\">{severity}</option>")?;
    }
    writeln!(out, "</select>")?;
    writeln!(
        out,
        "<select id=\"owasp-filter\" aria-label=\"OWASP NHI category\"><option value=\"\">All OWASP NHI categories</option>"
    )?;
    for category in OwaspNhi::ALL {
        writeln!(
            out,
            "<option value=\"{category}\">{}</option>",
            escape(&owasp_label(category))
        )?;
    }
    writeln!(out, "</select>\n</div>")
}

fn write_finding_row(tracked: &TrackedFinding, out: &mut dyn Write) -> std::io::Result<()> {
    let finding = &tracked.finding;
    let severity = finding.severity;
    writeln!(
        out,
        "<tr data-severity=\"{severity}\" data-owasp=\"{}\">",
        owasp_codes(&finding.owasp, " ")
    )?;
    writeln!(
        out,
        "<td><span class=\"badge {}\">{severity}</span></td>",
        severity_class(severity)
    )?;
    writeln!(
        out,
        "<td><code>{}</code><div class=\"owasp\">{}</div></td>",
        escape(&finding.rule),
        owasp_codes(&finding.owasp, " · ")
    )?;
    writeln!(out, "<td>{}", escape(&finding.title))?;
    writeln!(out, "<details><summary>Remediation and details</summary>")?;
    writeln!(out, "<p>{}</p>\n<dl>", escape(&finding.remediation))?;
    writeln!(
        out,
        "<dt>Finding id</dt><dd><code>{}</code></dd>",
        escape(&finding.id)
    )?;
    if let Some(lifecycle) = &tracked.lifecycle {
        writeln!(out, "<dt>Status</dt><dd>{}</dd>", status(tracked))?;
        writeln!(
            out,
            "<dt>First seen</dt><dd>{}</dd>",
            time(Some(lifecycle.first_seen))
        )?;
        writeln!(
            out,
            "<dt>Last seen</dt><dd>{}</dd>",
            time(Some(lifecycle.last_seen))
        )?;
    }
    writeln!(out, "</dl>")?;
    if !finding.evidence.is_null() {
        let evidence = serde_json::to_string_pretty(&finding.evidence).unwrap_or_default();
        writeln!(out, "<pre>{}</pre>", escape(&evidence))?;
    }
    writeln!(out, "</details></td>")?;
    writeln!(
        out,
        "<td><code>{}</code></td>",
        escape(&finding_place(finding))
    )?;
    write_list_cell(finding.subjects.iter().map(String::as_str), out)?;
    writeln!(out, "</tr>")
}

fn write_identities(identities: &[&Identity], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "<section id=\"identities\">\n<h2>Identities ({})</h2>",
        identities.len()
    )?;
    if identities.is_empty() {
        return writeln!(out, "<p class=\"muted\">No identities.</p>\n</section>");
    }
    writeln!(
        out,
        "<table>\n<thead><tr><th>Id</th><th>Kind</th><th>Provider</th><th>Name</th><th>Environment</th>\
         <th>Owner</th><th>Created</th><th>Last used</th></tr></thead>\n<tbody>"
    )?;
    for identity in identities {
        writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"date\">{}</td><td class=\"date\">{}</td></tr>",
            escape(&identity.id),
            identity.kind.as_str(),
            escape(&identity.provider),
            escape(&identity.name),
            escape(identity.environment.as_deref().unwrap_or("")),
            escape(identity.owner.as_deref().unwrap_or("")),
            date(identity.created),
            date(identity.last_used),
        )?;
    }
    writeln!(out, "</tbody>\n</table>\n</section>")
}

fn write_credentials(credentials: &[&Credential], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "<section id=\"credentials\">\n<h2>Credentials ({})</h2>",
        credentials.len()
    )?;
    if credentials.is_empty() {
        return writeln!(out, "<p class=\"muted\">No credentials.</p>\n</section>");
    }
    writeln!(
        out,
        "<table>\n<thead><tr><th>Id</th><th>Kind</th><th>Identity</th><th>Fingerprint</th><th>Status</th>\
         <th>Expires</th><th>Locations</th></tr></thead>\n<tbody>"
    )?;
    for credential in credentials {
        writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td>\
             <td class=\"date\">{}</td>",
            escape(&credential.id),
            credential.kind.as_str(),
            escape(credential.identity.as_deref().unwrap_or("")),
            escape(&credential.fingerprint),
            credential_status(credential.status),
            date(credential.expires),
        )?;
        let places: Vec<String> = credential.locations.iter().map(|l| l.display()).collect();
        write_list_cell(places.iter().map(String::as_str), out)?;
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody>\n</table>\n</section>")
}

/// A `<td>` holding a list of code items.
fn write_list_cell<'i>(
    items: impl Iterator<Item = &'i str>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    write!(out, "<td><ul>")?;
    for item in items {
        write!(out, "<li><code>{}</code></li>", escape(item))?;
    }
    writeln!(out, "</ul></td>")
}

fn owasp_label(category: OwaspNhi) -> String {
    format!("{} {}", category.code(), category.title())
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "sev-critical",
        Severity::High => "sev-high",
        Severity::Medium => "sev-medium",
        Severity::Low => "sev-low",
        Severity::Info => "sev-info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
