//! `nhi paths`: privilege-escalation and attack paths in the identity graph of the stored
//! inventory, from every identity (or `--from ID`) to admin (or `--to ID`), printed as steps.

use crate::cli::{CommonArgs, OutputFormat, PathsArgs};
use crate::exit::Status;
use crate::output::Output;
use anyhow::bail;
use nhi_analysis::{describe_step, AnalysisContext, IdentityGraph, PathStep, PathTarget};
use serde::Serialize;
use std::fmt::Write as _;

/// One path: where it starts, where it ends (and why that end matters), and the steps.
#[derive(Serialize)]
struct AttackPath<'a> {
    from: &'a str,
    to: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_reason: Option<&'a str>,
    steps: Vec<&'a PathStep>,
}

pub fn run(common: &CommonArgs, args: &PathsArgs) -> anyhow::Result<Status> {
    let store = super::open_store(common)?;
    let inventory = store.inventory()?;
    let ctx = AnalysisContext::new(chrono::Utc::now());
    let graph = ctx.graph(&inventory);
    let target = match args.to.as_str() {
        "admin" => PathTarget::Admin,
        id => PathTarget::Node(node_id(&inventory, id)),
    };
    let starts: Vec<&str> = match &args.from {
        Some(from) => vec![from.as_str()],
        None => graph.sources(),
    };
    let paths = find_paths(graph, &starts, &target);
    let mut output = Output::open(common)?;
    match common.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(output.writer(), &paths)?;
            writeln!(output.writer())?;
        }
        OutputFormat::Jsonl => {
            for path in &paths {
                serde_json::to_writer(output.writer(), path)?;
                writeln!(output.writer())?;
            }
        }
        OutputFormat::Table => output
            .writer()
            .write_all(describe(&paths, graph, &target).as_bytes())?,
        other => bail!("`nhi paths` prints table, json or jsonl, not {other:?}"),
    }
    output.finish()?;
    Ok(Status::Clean)
}

/// The graph node a user means: an id as given, or a bare ARN of a role or user in the inventory.
fn node_id(inventory: &nhi_model::Inventory, wanted: &str) -> String {
    if wanted.starts_with("arn:") {
        for prefix in ["aws:role:", "aws:user:"] {
            let id = format!("{prefix}{wanted}");
            if inventory.identities.contains_key(&id) {
                return id;
            }
        }
    }
    wanted.to_string()
}

fn find_paths<'a>(
    graph: &'a IdentityGraph,
    starts: &[&'a str],
    target: &PathTarget,
) -> Vec<AttackPath<'a>> {
    starts
        .iter()
        .filter(|start| !matches!(target, PathTarget::Admin) || graph.admin_reason(start).is_none())
        .filter_map(|&from| {
            let steps = graph.shortest_path(from, target)?;
            let to = steps.last()?.to.as_str();
            Some(AttackPath {
                from,
                to,
                target_reason: graph.admin_reason(to),
                steps,
            })
        })
        .collect()
}

fn describe(paths: &[AttackPath], graph: &IdentityGraph, target: &PathTarget) -> String {
    let mut out = String::new();
    let goal = match target {
        PathTarget::Admin => "admin".to_string(),
        PathTarget::Node(id) => id.clone(),
    };
    let _ = writeln!(
        out,
        "{} path(s) to {goal} ({} admin-equivalent identities in the graph)\n",
        paths.len(),
        graph.admins().len()
    );
    for path in paths {
        let _ = writeln!(
            out,
            "{} -> {} in {} step(s)",
            path.from,
            path.to,
            path.steps.len()
        );
        for (i, step) in path.steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", i + 1, describe_step(step));
        }
        if let Some(reason) = path.target_reason {
            let _ = writeln!(out, "  = {} is admin: {reason}", path.to);
        }
        out.push('\n');
    }
    out
}
