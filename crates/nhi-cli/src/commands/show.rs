//! `nhi show ID`: one identity or credential with everything the store knows about it.

use crate::cli::{CommonArgs, OutputFormat, ShowArgs};
use crate::exit::Status;
use crate::output::Output;
use anyhow::bail;
use nhi_model::{Credential, Identity, Inventory, TrackedFinding};
use nhi_store::ItemHistory;
use serde::Serialize;
use std::fmt::Write as _;

/// Everything `nhi show` prints about one subject.
#[derive(Serialize)]
struct Subject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<&'a Identity>,
    credentials: Vec<&'a Credential>,
    grants: Vec<&'a nhi_model::Grant>,
    edges: Vec<&'a nhi_model::Edge>,
    findings: Vec<TrackedFinding>,
    /// When the store first and last saw the subject (by scan time and run id).
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<ItemHistory>,
}

pub fn run(common: &CommonArgs, args: &ShowArgs) -> anyhow::Result<Status> {
    let store = super::open_store(common)?;
    let inventory = store.inventory()?;
    let subject_id = resolve(&inventory, &args.id)?;
    let identity = inventory.identities.get(&subject_id);
    let credentials: Vec<&Credential> = match identity {
        Some(identity) => inventory.credentials_of(&identity.id).collect(),
        None => inventory.credentials.get(&subject_id).into_iter().collect(),
    };
    let mut ids: Vec<&str> = vec![subject_id.as_str()];
    ids.extend(credentials.iter().map(|c| c.id.as_str()));
    let mut findings = Vec::new();
    for id in &ids {
        for finding in store.findings_about(id)? {
            if !findings
                .iter()
                .any(|f: &TrackedFinding| f.finding.id == finding.finding.id)
            {
                findings.push(finding);
            }
        }
    }
    let history = match identity {
        Some(_) => store.identity(&subject_id)?.map(|r| r.history),
        None => store.credential(&subject_id)?.map(|r| r.history),
    };
    let subject = Subject {
        history,
        identity,
        credentials,
        grants: inventory
            .grants
            .iter()
            .filter(|g| ids.contains(&g.identity.as_str()))
            .collect(),
        edges: inventory
            .edges
            .iter()
            .filter(|e| ids.contains(&e.from.as_str()) || ids.contains(&e.to.as_str()))
            .collect(),
        findings,
    };
    let mut output = Output::open(common)?;
    match common.format {
        OutputFormat::Json | OutputFormat::Jsonl => {
            serde_json::to_writer_pretty(output.writer(), &subject)?;
            writeln!(output.writer())?;
        }
        OutputFormat::Table => output.writer().write_all(describe(&subject).as_bytes())?,
        other => bail!("`nhi show` prints table or json, not {other:?}"),
    }
    output.finish()?;
    Ok(Status::Clean)
}

/// Find the subject a user meant: an exact id, else a unique id prefix, else a unique name.
fn resolve(inventory: &Inventory, wanted: &str) -> anyhow::Result<String> {
    let ids = inventory
        .identities
        .keys()
        .chain(inventory.credentials.keys());
    if ids.clone().any(|id| id == wanted) {
        return Ok(wanted.to_string());
    }
    let mut matches: Vec<&String> = ids.filter(|id| id.starts_with(wanted)).collect();
    if matches.is_empty() {
        matches = inventory
            .identities
            .values()
            .filter(|i| i.name == wanted)
            .map(|i| &i.id)
            .collect();
    }
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!("nothing in the inventory has the id or name '{wanted}' (see `nhi inventory`)"),
        many => bail!(
            "'{wanted}' is ambiguous: {} match, e.g. {}",
            many.len(),
            many.iter()
                .take(5)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The human-readable form of a subject.
fn describe(subject: &Subject) -> String {
    let mut out = String::new();
    if let Some(identity) = subject.identity {
        let _ = writeln!(
            out,
            "{}  ({}, {})",
            identity.name,
            identity.kind.as_str(),
            identity.provider
        );
        let _ = writeln!(out, "  id           {}", identity.id);
        for (label, value) in [
            ("owner", identity.owner.clone()),
            ("environment", identity.environment.clone()),
            ("created", identity.created.map(|t| t.to_rfc3339())),
            ("last used", identity.last_used.map(|t| t.to_rfc3339())),
        ] {
            let _ = writeln!(
                out,
                "  {label:<12} {}",
                value.unwrap_or_else(|| "unknown".into())
            );
        }
        for (key, value) in &identity.attributes {
            let _ = writeln!(out, "  {key:<12} {value}");
        }
    }
    if let Some(history) = &subject.history {
        let _ = writeln!(
            out,
            "  {:<12} first seen {} (run {}), last seen {} (run {})",
            "timeline",
            history.first_seen.format("%Y-%m-%d %H:%M"),
            history.first_run,
            history.last_seen.format("%Y-%m-%d %H:%M"),
            history.last_run
        );
    }
    let _ = writeln!(out, "\nCredentials ({})", subject.credentials.len());
    for credential in &subject.credentials {
        let _ = writeln!(out, "  {}  {}", credential.kind.as_str(), credential.id);
        let _ = writeln!(out, "    fingerprint  {}", credential.fingerprint);
        if let Some(redacted) = &credential.redacted {
            let _ = writeln!(out, "    value        {redacted}");
        }
        for (label, time) in [
            ("created", credential.created),
            ("rotated", credential.rotated),
            ("expires", credential.expires),
            ("last used", credential.last_used),
        ] {
            if let Some(time) = time {
                let _ = writeln!(out, "    {label:<12} {}", time.to_rfc3339());
            }
        }
        for location in &credential.locations {
            let _ = writeln!(out, "    seen at      {}", location.display());
        }
    }
    if !subject.grants.is_empty() {
        let _ = writeln!(out, "\nGrants ({})", subject.grants.len());
        for grant in &subject.grants {
            let _ = writeln!(
                out,
                "  {} {} on {}{}",
                grant.effect,
                grant.actions.join(", "),
                grant.resources.join(", "),
                grant
                    .conditions
                    .as_ref()
                    .map(|c| format!(" if {c}"))
                    .unwrap_or_default()
            );
        }
    }
    if !subject.edges.is_empty() {
        let _ = writeln!(out, "\nRelations ({})", subject.edges.len());
        for edge in &subject.edges {
            let _ = writeln!(out, "  {} -[{:?}]-> {}", edge.from, edge.kind, edge.to);
        }
    }
    let _ = writeln!(out, "\nFindings ({})", subject.findings.len());
    for tracked in &subject.findings {
        let finding = &tracked.finding;
        let status = tracked
            .lifecycle
            .as_ref()
            .map(|l| {
                format!(
                    " [{:?}, first seen {}]",
                    l.status,
                    l.first_seen.format("%Y-%m-%d")
                )
                .to_lowercase()
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<8} {}  {}{}",
            finding.severity.as_str(),
            finding.rule,
            finding.title,
            status
        );
        let _ = writeln!(out, "           fix: {}", finding.remediation);
    }
    out
}
