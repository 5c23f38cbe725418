//! Escalation paths to an admin-equivalent node for many starts at once: one breadth-first search
//! backwards from every admin node gives each node its next step, so a path for any subject costs
//! its length instead of a search of the whole graph.

use crate::graph::IdentityGraph;
use nhi_model::Edge;
use std::collections::{HashMap, VecDeque};

/// Shortest paths to the nearest admin-equivalent node.
pub(crate) struct EscalationPaths<'g> {
    graph: &'g IdentityGraph,
    /// Node -> index of the edge that starts its shortest path.
    next: HashMap<&'g str, usize>,
}

impl<'g> EscalationPaths<'g> {
    /// Search backwards from every admin node of `graph`.
    pub fn new(graph: &'g IdentityGraph) -> Self {
        let edges = graph.edges();
        let mut incoming: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, edge) in edges.iter().enumerate() {
            incoming.entry(edge.to.as_str()).or_default().push(index);
        }
        let admins = graph.admins();
        let mut next = HashMap::new();
        let mut queue: VecDeque<&str> = admins.keys().map(String::as_str).collect();
        while let Some(node) = queue.pop_front() {
            for &index in incoming.get(node).map(Vec::as_slice).unwrap_or_default() {
                let from = edges[index].from.as_str();
                if admins.contains_key(from) || next.contains_key(from) {
                    continue;
                }
                next.insert(from, index);
                queue.push_back(from);
            }
        }
        EscalationPaths { graph, next }
    }

    /// The steps from `from` to the nearest admin node; `None` when there is none or `from` is
    /// already admin.
    pub fn path(&self, from: &str) -> Option<Vec<&'g Edge>> {
        let edges = self.graph.edges();
        let mut steps = Vec::new();
        let mut at = from;
        while let Some(&index) = self.next.get(at) {
            let step = &edges[index];
            steps.push(step);
            at = step.to.as_str();
            if steps.len() > edges.len() {
                return None; // cannot happen with BFS parents; a guard against a loop all the same
            }
        }
        (!steps.is_empty()).then_some(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::edge;
    use nhi_model::EdgeKind;

    #[test]
    fn every_start_gets_its_shortest_path() {
        let mut graph = IdentityGraph::default();
        graph.add_edge(edge("a", "b", EdgeKind::CanImpersonate, "1"));
        graph.add_edge(edge("b", "admin", EdgeKind::CanImpersonate, "2"));
        graph.add_edge(edge("a", "c", EdgeKind::CanImpersonate, "3"));
        graph.add_edge(edge("c", "d", EdgeKind::CanImpersonate, "4"));
        graph.add_edge(edge("d", "admin", EdgeKind::CanImpersonate, "5"));
        graph.mark_admin("admin", "test");
        let paths = EscalationPaths::new(&graph);
        assert_eq!(paths.path("a").unwrap().len(), 2);
        assert_eq!(paths.path("c").unwrap().len(), 2);
        assert!(paths.path("admin").is_none());
        assert!(paths.path("nowhere").is_none());
    }
}
