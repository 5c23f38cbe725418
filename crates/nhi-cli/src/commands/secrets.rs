//! `nhi secrets`: secret scanning only. Every file under the paths, and the full history of every
//! git repository found there (every blob reachable from every ref, scanned once), unless
//! `--no-history`. CI-friendly: exits 1 when anything is found (or per `--fail-on`), SARIF for
//! code-scanning UIs, `.nhiignore` and inline `nhi:allow` for accepted findings.

use crate::cli::{CommonArgs, OutputFormat, SecretsArgs};
use crate::exit::Status;
use crate::ignore::IgnoreList;
use crate::output::{note, Output};
use crate::progress::FileProgress;
use anyhow::Context;
use nhi_analysis::AnalysisContext;
use nhi_model::{Finding, Fingerprinter, Inventory, Severity, TrackedFinding};
use nhi_report::{ReportData, View};
use nhi_secrets::RuleSet;
use nhi_sources::git::{find_repositories, HistoryOptions};
use nhi_sources::{scan_paths_with, ScanOptions, SecretsSource, SourceContext};
use serde::Serialize;

/// One secret finding as scripts read it (the brief's contract for `nhi secrets --format json`).
#[derive(Serialize)]
struct SecretRecord<'a> {
    id: &'a str,
    rule: &'a str,
    severity: Severity,
    title: &'a str,
    path: Option<&'a str>,
    line: Option<u32>,
    commit: Option<&'a str>,
    author: Option<&'a str>,
    date: Option<String>,
    at_head: Option<bool>,
    fingerprint: Option<&'a str>,
    redacted: Option<&'a str>,
    validation: Option<&'a str>,
    /// What the validator or the rule learnt (a weak password, a JWT's weaknesses...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
    owasp: &'a [nhi_model::OwaspNhi],
    remediation: &'a str,
}

pub fn run(common: &CommonArgs, args: &SecretsArgs) -> anyhow::Result<Status> {
    for path in &args.paths {
        if std::fs::symlink_metadata(path).is_err() {
            anyhow::bail!("{}: no such file or directory", path.display());
        }
    }
    let mut rules = RuleSet::builtin().context("built-in secret rules")?;
    if let Some(extra) = &args.rules {
        let added = rules
            .load_user(extra)
            .with_context(|| format!("cannot load secret rules from {}", extra.display()))?;
        note(
            common,
            format!("loaded {added} secret rules from {}", extra.display()),
        );
    }
    let source =
        SecretsSource::new(rules, args.show_secrets).context("cannot compile secret rules")?;
    let fingerprinter = fingerprinter(common, args)?;
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let options = ScanOptions {
        max_file_size: args.max_file_size,
        exclude: Vec::new(),
    };
    let history = HistoryOptions {
        max_blob_size: args.max_file_size,
    };
    // The history walk starts with a pass on one thread (commit graph, blob index) that leaves
    // the other cores idle; the files are scanned meanwhile. Results merge in the same order as
    // if one ran after the other.
    let (outcome, histories) = std::thread::scope(|scope| {
        let histories = (!args.no_history).then(|| {
            scope.spawn(|| {
                args.paths
                    .iter()
                    .flat_map(|p| find_repositories(p))
                    .map(|repo| {
                        let (found, walked) =
                            nhi_sources::scan_history_secrets(&repo, &source, &history, &ctx);
                        (repo, found, walked)
                    })
                    .collect::<Vec<_>>()
            })
        });
        let progress = FileProgress::new(common.quiet);
        let outcome = scan_paths_with(&args.paths, &options, &[&source], &ctx, &progress);
        progress.finish();
        let histories = histories.map(|walk| {
            walk.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (outcome, histories.unwrap_or_default())
    });
    let mut inventory = outcome.inventory;
    let mut errors: Vec<String> = outcome.errors.iter().map(ToString::to_string).collect();
    for (repo, found, walked) in histories {
        if common.verbose > 0 {
            note(
                common,
                format!(
                    "{}: {} commits, {} blobs ({} bytes) scanned{}",
                    repo.display(),
                    walked.commits,
                    walked.blobs_visited,
                    walked.bytes_visited,
                    if walked.shallow {
                        " (shallow clone)"
                    } else {
                        ""
                    }
                ),
            );
        }
        inventory.absorb(found.inventory);
        errors.extend(found.errors.iter().map(ToString::to_string));
    }
    for credential in inventory.credentials.values_mut() {
        nhi_sources::prefer_history_locations(&mut credential.locations);
    }
    for error in &errors {
        note(common, format!("nhi: error: {error}"));
    }

    let ignore = IgnoreList::load(&args.paths)?;
    let findings: Vec<TrackedFinding> =
        nhi_analysis::analyse(&inventory, &AnalysisContext::new(chrono::Utc::now()))
            .into_iter()
            .filter(|f| !ignore.suppresses(f))
            .map(|finding| TrackedFinding {
                finding,
                lifecycle: None,
            })
            .collect();
    let findings = super::apply_baseline(common, findings)?;
    let findings = super::drop_orphan_context(findings);

    let mut output = Output::open(common)?;
    match common.format {
        OutputFormat::Json => {
            let records: Vec<SecretRecord> = findings
                .iter()
                .map(|f| record(&f.finding, &inventory))
                .collect();
            serde_json::to_writer_pretty(output.writer(), &records)?;
            writeln!(output.writer())?;
        }
        OutputFormat::Jsonl => {
            for finding in &findings {
                serde_json::to_writer(output.writer(), &record(&finding.finding, &inventory))?;
                writeln!(output.writer())?;
            }
        }
        _ => {
            let rules = super::all_rules();
            let data = ReportData {
                identities: Vec::new(),
                credentials: Vec::new(),
                findings: &findings,
                rules: &rules,
                generated: chrono::Utc::now(),
                tool_version: env!("CARGO_PKG_VERSION"),
                title: format!(
                    "nhi secrets {}",
                    args.paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
            output.render(&data, View::Findings)?;
        }
    }
    output.finish()?;
    note(
        common,
        format!(
            "{} secret finding(s) in {} files ({} bytes){}",
            findings.len(),
            outcome.files_read,
            outcome.bytes_read,
            if args.no_history {
                ", history not scanned"
            } else {
                ""
            }
        ),
    );
    // Secret scanning fails CI on any finding unless told otherwise.
    let fail_on = common.fail_on.or(Some(Severity::Info));
    Ok(Status::of_run(
        findings.iter().map(|f| f.finding.severity),
        fail_on,
        errors.len(),
    ))
}

/// The fingerprint key: `NHI_FINGERPRINT_KEY` (64 hex digits, to pin it in CI), else the store's
/// own key (so fingerprints match what `nhi scan` records), else a key for this run only.
fn fingerprinter(common: &CommonArgs, args: &SecretsArgs) -> anyhow::Result<Fingerprinter> {
    if let Ok(hex_key) = std::env::var("NHI_FINGERPRINT_KEY") {
        let bytes = hex::decode(hex_key.trim()).context("NHI_FINGERPRINT_KEY is not hex")?;
        let key: [u8; nhi_model::FINGERPRINT_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("NHI_FINGERPRINT_KEY must be 64 hex digits (32 bytes)"))?;
        return Ok(Fingerprinter::new(key));
    }
    let store = if args.no_store {
        nhi_store::Store::open_in_memory()?
    } else {
        nhi_store::Store::open(&common.db)
            .with_context(|| format!("cannot open store {}", common.db.display()))?
    };
    Ok(store.fingerprinter())
}

fn record<'a>(finding: &'a Finding, inventory: &'a Inventory) -> SecretRecord<'a> {
    let location = finding.location.as_ref();
    let credential = finding
        .subjects
        .first()
        .and_then(|id| inventory.credentials.get(id));
    let text = |key: &str| finding.evidence.get(key).and_then(|v| v.as_str());
    SecretRecord {
        id: &finding.id,
        rule: &finding.rule,
        severity: finding.severity,
        title: &finding.title,
        path: location.and_then(|l| l.path.as_deref()),
        line: location.and_then(|l| l.line),
        commit: location.and_then(|l| l.commit.as_deref()),
        author: location.and_then(|l| l.author.as_deref()),
        date: location.and_then(|l| l.committed).map(|t| t.to_rfc3339()),
        at_head: credential
            .and_then(|c| c.attributes.get("at_head"))
            .and_then(|v| v.as_bool()),
        fingerprint: text("fingerprint"),
        redacted: text("redacted"),
        validation: text("validation"),
        notes: finding.evidence["notes"]
            .as_array()
            .map(|notes| notes.iter().filter_map(|n| n.as_str()).collect())
            .unwrap_or_default(),
        // A context line names an account or host: its record never carries the secret it
        // explains, even with --show-secrets (the secret's own record does).
        secret: credential
            .filter(|_| !nhi_analysis::is_secret_context(finding))
            .and_then(|c| c.attributes.get("plaintext"))
            .and_then(|v| v.as_str()),
        owasp: &finding.owasp,
        remediation: &finding.remediation,
    }
}
