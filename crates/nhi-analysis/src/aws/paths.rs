//! Shortest escalation paths to admin for every node at once: one breadth-first search backwards
//! from all admin nodes, instead of one forward search per principal (which is quadratic).
//!
//! Invariant: deterministic. Admin nodes seed the search in id order and edges are tried in the
//! order they were added, so the same graph always yields the same paths.

use crate::IdentityGraph;
use nhi_model::Edge;
use std::collections::{HashMap, VecDeque};

/// Distance to the nearest admin node, and the first edge of one shortest path, for every node
/// that can reach one.
pub(crate) struct AdminPaths<'g> {
    graph: &'g IdentityGraph,
    distance: HashMap<&'g str, usize>,
    next: HashMap<&'g str, usize>,
    outgoing: HashMap<&'g str, Vec<usize>>,
}

impl<'g> AdminPaths<'g> {
    pub(crate) fn compute(graph: &'g IdentityGraph) -> AdminPaths<'g> {
        let edges = graph.edges();
        let mut incoming: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut outgoing: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in edges.iter().enumerate() {
            incoming.entry(e.to.as_str()).or_default().push(i);
            outgoing.entry(e.from.as_str()).or_default().push(i);
        }
        let mut distance: HashMap<&str, usize> = HashMap::new();
        let mut next: HashMap<&str, usize> = HashMap::new();
        let mut queue = VecDeque::new();
        for admin in graph.admins().keys() {
            distance.insert(admin.as_str(), 0);
            queue.push_back(admin.as_str());
        }
        while let Some(node) = queue.pop_front() {
            let d = distance[node];
            for &i in incoming.get(node).map(Vec::as_slice).unwrap_or_default() {
                let from = edges[i].from.as_str();
                if !distance.contains_key(from) {
                    distance.insert(from, d + 1);
                    next.insert(from, i);
                    queue.push_back(from);
                }
            }
        }
        AdminPaths {
            graph,
            distance,
            next,
            outgoing,
        }
    }

    /// One shortest path from `from` to an admin node; `None` when `from` is admin itself or
    /// cannot reach one.
    pub(crate) fn path(&self, from: &str) -> Option<Vec<&'g Edge>> {
        let edges = self.graph.edges();
        let mut steps = Vec::new();
        let mut at = from;
        while let Some(&i) = self.next.get(at) {
            steps.push(&edges[i]);
            at = edges[i].to.as_str();
        }
        (!steps.is_empty()).then_some(steps)
    }

    /// Every edge out of `from` that starts a shortest path: the alternative first steps.
    pub(crate) fn first_steps(&self, from: &str) -> Vec<&'g Edge> {
        let Some(&d) = self.distance.get(from) else {
            return Vec::new();
        };
        let edges = self.graph.edges();
        self.outgoing
            .get(from)
            .into_iter()
            .flatten()
            .map(|&i| &edges[i])
            .filter(|e| d > 0 && self.distance.get(e.to.as_str()) == Some(&(d - 1)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edge;
    use nhi_model::EdgeKind;

    #[test]
    fn every_node_gets_its_shortest_path_and_alternatives() {
        let mut graph = IdentityGraph::default();
        graph.add_edge(edge("a", "b", EdgeKind::CanAssume, "sts:AssumeRole"));
        graph.add_edge(edge(
            "b",
            "admin",
            EdgeKind::CanImpersonate,
            "iam:PutRolePolicy",
        ));
        graph.add_edge(edge("a", "c", EdgeKind::CanAssume, "sts:AssumeRole"));
        graph.add_edge(edge(
            "c",
            "admin",
            EdgeKind::CanImpersonate,
            "iam:AttachRolePolicy",
        ));
        graph.add_edge(edge(
            "d",
            "a",
            EdgeKind::CanCreateToken,
            "iam:CreateAccessKey",
        ));
        graph.add_edge(edge("x", "y", EdgeKind::CanAssume, "sts:AssumeRole"));
        graph.mark_admin("admin", "test");
        let paths = AdminPaths::compute(&graph);
        assert_eq!(paths.path("d").unwrap().len(), 3);
        assert_eq!(paths.path("a").unwrap()[0].to, "b");
        assert_eq!(paths.first_steps("a").len(), 2);
        assert!(paths.path("admin").is_none() && paths.path("x").is_none());
    }
}
