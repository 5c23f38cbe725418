//! The identity graph: who can become whom. Providers derive edges from the inventory (a trust
//! policy plus the caller's permission is a `can-assume` edge; permission to create a pod in a
//! namespace is a `can-impersonate` edge to every service account there) and mark the identities
//! that are already admin-equivalent. Escalation paths are shortest paths to those marks.
//!
//! Invariant: pure; built once per analysis (see [`AnalysisContext::graph`](crate::AnalysisContext::graph)).

use nhi_model::{Edge, EdgeKind, Inventory};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Turns part of an inventory into graph edges and admin marks. One per provider.
pub trait EdgeDeriver: Sync {
    /// Add this provider's edges and admin marks to `graph`.
    fn derive(&self, inventory: &Inventory, graph: &mut IdentityGraph);
}

/// Every built-in edge deriver.
pub fn edge_derivers() -> &'static [&'static dyn EdgeDeriver] {
    &[
        &crate::gcp::ImpersonationEdges,
        &crate::aws::AwsEdges,
        &crate::k8s::RbacEdges,
        &crate::cicd::PullRequestEdges,
    ]
}

/// Directed graph over identity ids (and a few resource ids), with the nodes that hold
/// admin-equivalent power and why.
#[derive(Debug, Default, Clone)]
pub struct IdentityGraph {
    edges: Vec<Edge>,
    outgoing: HashMap<String, Vec<usize>>,
    /// Admin-equivalent nodes: id -> the reason (e.g. "policy AdministratorAccess allows *:*").
    admins: BTreeMap<String, String>,
}

/// One step of a path: the edge taken, with the method that makes it possible.
pub type PathStep = Edge;

/// Which nodes a path search ends at.
#[derive(Debug, Clone)]
pub enum PathTarget {
    /// Any admin-equivalent node.
    Admin,
    /// One node by id.
    Node(String),
}

impl IdentityGraph {
    /// Build the graph from an inventory: its own edges plus what every deriver adds.
    pub fn build(inventory: &Inventory) -> IdentityGraph {
        let mut graph = IdentityGraph::default();
        for edge in &inventory.edges {
            graph.add_edge(edge.clone());
        }
        for deriver in edge_derivers() {
            deriver.derive(inventory, &mut graph);
        }
        graph
    }

    /// Add an edge. By convention `attributes["method"]` says how the step is taken
    /// (e.g. `"iam:PassRole + lambda:CreateFunction"`).
    pub fn add_edge(&mut self, edge: Edge) {
        let index = self.edges.len();
        self.outgoing
            .entry(edge.from.clone())
            .or_default()
            .push(index);
        self.edges.push(edge);
    }

    /// Mark a node as admin-equivalent, with the reason.
    pub fn mark_admin(&mut self, id: impl Into<String>, reason: impl Into<String>) {
        self.admins
            .entry(id.into())
            .or_insert_with(|| reason.into());
    }

    /// Whether `id` is admin-equivalent, and why.
    pub fn admin_reason(&self, id: &str) -> Option<&str> {
        self.admins.get(id).map(String::as_str)
    }

    /// Every admin-equivalent node and why.
    pub fn admins(&self) -> &BTreeMap<String, String> {
        &self.admins
    }

    /// All edges.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The shortest path (fewest steps) from `from` to a node matching `target`, not counting
    /// `from` itself. Deterministic: ties go to the edge added first.
    pub fn shortest_path(&self, from: &str, target: &PathTarget) -> Option<Vec<&PathStep>> {
        let is_target = |id: &str| match target {
            PathTarget::Admin => self.admins.contains_key(id),
            PathTarget::Node(node) => node == id,
        };
        let mut came_by: HashMap<&str, usize> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            for &index in self
                .outgoing
                .get(node)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let next = self.edges[index].to.as_str();
                if next == from || came_by.contains_key(next) {
                    continue;
                }
                came_by.insert(next, index);
                if is_target(next) {
                    return Some(self.unwind(from, next, &came_by));
                }
                queue.push_back(next);
            }
        }
        None
    }

    fn unwind<'a>(
        &'a self,
        from: &str,
        mut at: &'a str,
        came_by: &HashMap<&str, usize>,
    ) -> Vec<&'a PathStep> {
        let mut steps = Vec::new();
        while at != from {
            let edge = &self.edges[came_by[at]];
            steps.push(edge);
            at = edge.from.as_str();
        }
        steps.reverse();
        steps
    }

    /// Every node that has at least one outgoing edge, sorted: the starts worth searching from.
    pub fn sources(&self) -> Vec<&str> {
        let mut nodes: Vec<&str> = self.outgoing.keys().map(String::as_str).collect();
        nodes.sort_unstable();
        nodes
    }
}

/// A human line for one step: `a -[can-assume: sts:AssumeRole]-> b`.
pub fn describe_step(step: &PathStep) -> String {
    let kind = serde_json::to_value(step.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{:?}", step.kind));
    match step.attributes.get("method").and_then(|m| m.as_str()) {
        Some(method) => format!("{} -[{kind}: {method}]-> {}", step.from, step.to),
        None => format!("{} -[{kind}]-> {}", step.from, step.to),
    }
}

/// A convenience constructor for derived edges.
pub fn edge(from: &str, to: &str, kind: EdgeKind, method: &str) -> Edge {
    let mut edge = Edge {
        from: from.to_string(),
        to: to.to_string(),
        kind,
        attributes: Default::default(),
    };
    edge.attributes.insert("method".into(), method.into());
    edge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_shortest_path_to_an_admin() {
        let mut graph = IdentityGraph::default();
        graph.add_edge(edge("a", "b", EdgeKind::CanAssume, "sts:AssumeRole"));
        graph.add_edge(edge(
            "b",
            "c",
            EdgeKind::CanImpersonate,
            "iam:PassRole + ec2:RunInstances",
        ));
        graph.add_edge(edge("a", "d", EdgeKind::CanAssume, "sts:AssumeRole"));
        graph.add_edge(edge("d", "c", EdgeKind::CanAssume, "sts:AssumeRole"));
        graph.add_edge(edge("c", "a", EdgeKind::CanAssume, "loop back"));
        graph.mark_admin("c", "policy allows *:*");
        let path = graph.shortest_path("a", &PathTarget::Admin).unwrap();
        assert_eq!(path.len(), 2);
        assert_eq!(
            describe_step(path[0]),
            "a -[can-assume: sts:AssumeRole]-> b"
        );
        assert!(graph
            .shortest_path("c", &PathTarget::Node("zzz".into()))
            .is_none());
        assert_eq!(
            graph
                .shortest_path("a", &PathTarget::Node("d".into()))
                .unwrap()
                .len(),
            1
        );
    }
}
