//! Puts outsiders into the identity graph: anyone who can open a pull request can act as a
//! workflow that runs pull request code with secrets or a write token (the `github-untrusted-
//! checkout-privileged` condition), and from there reach every cloud role the workflow logs in to.
//!
//! Invariant: one node, [`PULL_REQUEST_AUTHOR`], and one edge per such workflow; the edges from
//! workflows to cloud roles come from the source itself.

use super::pipeline::pipelines;
use super::untrusted::{privileges, untrusted_checkouts, untrusted_triggers};
use crate::graph::{edge, EdgeDeriver, IdentityGraph};
use nhi_model::{EdgeKind, Inventory};

/// The graph node that stands for anyone who can open a pull request or comment on one.
pub(crate) const PULL_REQUEST_AUTHOR: &str = "github:external:pull-request-author";

/// Derives `can-impersonate` edges from pull request authors to workflows that run their code.
pub(crate) struct PullRequestEdges;

impl EdgeDeriver for PullRequestEdges {
    fn derive(&self, inventory: &Inventory, graph: &mut IdentityGraph) {
        for pipeline in pipelines(inventory) {
            let exposed = pipeline.jobs.iter().find(|job| {
                !untrusted_checkouts(&pipeline, job).is_empty() && !privileges(job).is_empty()
            });
            if let Some(job) = exposed {
                let method = format!(
                    "{} job `{}` runs the pull request's code",
                    untrusted_triggers(&pipeline).join("/"),
                    job.id
                );
                graph.add_edge(edge(
                    PULL_REQUEST_AUTHOR,
                    &pipeline.identity.id,
                    EdgeKind::CanImpersonate,
                    &method,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::examples::{aws_login, inventory, job, workflow};
    use super::*;
    use crate::graph::PathTarget;
    use serde_json::json;

    #[test]
    fn a_pull_request_author_reaches_the_role_of_a_pwn_request_workflow() {
        let checkout = json!([{"line": 12, "via": "actions/checkout", "ref": "${{ github.event.pull_request.head.sha }}"}]);
        let preview = workflow(
            "preview.yml",
            &["pull_request_target"],
            vec![job(
                "preview",
                json!({"checkouts": checkout, "cloud_logins": [aws_login("preview")]}),
            )],
        );
        let workflow_id = preview.id.clone();
        let mut inventory = inventory(vec![preview]);
        inventory.edges.push(edge(
            &workflow_id,
            "aws:role:x",
            EdgeKind::CanAssume,
            "OIDC",
        ));
        let mut graph = IdentityGraph::default();
        inventory
            .edges
            .iter()
            .for_each(|e| graph.add_edge(e.clone()));
        PullRequestEdges.derive(&inventory, &mut graph);
        let path = graph
            .shortest_path(PULL_REQUEST_AUTHOR, &PathTarget::Node("aws:role:x".into()))
            .unwrap();
        assert_eq!(path.len(), 2);
        assert_eq!(path[0].to, workflow_id);
    }
}
