//! The commit graph: every commit reachable from the tips, read once, then put oldest first.
//!
//! Invariants: in [`Commits::order`] every parent comes before its children, and among commits
//! that are ready at the same time the older committer time (then the smaller id) goes first, so
//! the order depends on the history alone. Parents of a shallow boundary are not followed.

use super::{HistoryOutcome, Repo};
use gix::hashtable::{HashMap, HashSet};
use gix::objs::FindExt;
use gix::{ObjectId, Repository};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// One commit, as much as the walk needs of it.
pub(crate) struct Commit {
    pub id: ObjectId,
    pub tree: ObjectId,
    /// Indices of the parents that could be read.
    pub parents: Vec<u32>,
    /// Index into [`Commits::authors`].
    pub author: u32,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

/// The commits of a history, with authors interned (a few per project, many commits each).
#[derive(Default)]
pub(crate) struct Commits {
    pub commits: Vec<Commit>,
    pub authors: Vec<String>,
    /// Indices into `commits`, oldest first.
    pub order: Vec<u32>,
}

impl Commits {
    pub(crate) fn len(&self) -> usize {
        self.commits.len()
    }
}

/// Read every commit reachable from `tips`; unreadable commits are errors and are left out.
pub(crate) fn load(
    repo: &Repository,
    tips: &[ObjectId],
    at: &Repo,
    outcome: &mut HistoryOutcome,
) -> Commits {
    let boundary = shallow_boundary(repo, at, outcome);
    let mut loaded = Commits::default();
    let mut author_ids: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut index: HashMap<ObjectId, u32> = HashMap::default();
    let mut parent_ids: Vec<Vec<ObjectId>> = Vec::new();
    let mut seen: HashSet<ObjectId> = tips.iter().copied().collect();
    let mut queue: VecDeque<ObjectId> = tips.iter().copied().collect();
    let mut buf = Vec::new();
    while let Some(id) = queue.pop_front() {
        let commit = match repo.objects.find_commit(&id, &mut buf) {
            Ok(commit) => commit,
            Err(err) => {
                outcome
                    .errors
                    .push(at.error(Some(&id), format!("cannot read commit: {err}")));
                continue;
            }
        };
        let mut parents: Vec<ObjectId> = if boundary.contains(&id) {
            Vec::new()
        } else {
            commit.parents().collect()
        };
        parents.sort_unstable();
        parents.dedup();
        for parent in &parents {
            if seen.insert(*parent) {
                queue.push_back(*parent);
            }
        }
        let author = match commit.author() {
            Ok(sig) => {
                let sig = sig.trim();
                format!("{} <{}>", sig.name, sig.email)
            }
            Err(_) => String::from_utf8_lossy(commit.author).into_owned(),
        };
        let next_author = author_ids.len() as u32;
        let author = *author_ids.entry(author).or_insert(next_author);
        let time = commit.committer().map(|sig| sig.seconds()).unwrap_or(0);
        index.insert(id, loaded.commits.len() as u32);
        loaded.commits.push(Commit {
            id,
            tree: commit.tree(),
            parents: Vec::new(),
            author,
            time,
        });
        parent_ids.push(parents);
    }
    for (commit, parents) in loaded.commits.iter_mut().zip(parent_ids) {
        commit.parents = parents
            .iter()
            .filter_map(|p| index.get(p).copied())
            .collect();
    }
    loaded.authors = vec![String::new(); author_ids.len()];
    for (author, i) in author_ids {
        loaded.authors[i as usize] = author;
    }
    loaded.order = oldest_first(&loaded.commits);
    loaded
}

/// The commits whose parents a shallow clone does not have; marks the outcome shallow.
fn shallow_boundary(
    repo: &Repository,
    at: &Repo,
    outcome: &mut HistoryOutcome,
) -> HashSet<ObjectId> {
    match repo.shallow_commits() {
        Ok(Some(commits)) => {
            outcome.shallow = true;
            commits.iter().copied().collect()
        }
        Ok(None) => HashSet::default(),
        Err(err) => {
            outcome.shallow = true;
            outcome
                .errors
                .push(at.error(None, format!("cannot read the shallow boundary: {err}")));
            HashSet::default()
        }
    }
}

/// Parents before children; ties broken by committer time, then id (Kahn's algorithm). Commit
/// ids are hashes of their parents' ids, so the graph has no cycle and every commit is placed.
fn oldest_first(commits: &[Commit]) -> Vec<u32> {
    let mut waiting: Vec<usize> = commits.iter().map(|c| c.parents.len()).collect();
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); commits.len()];
    for (i, commit) in commits.iter().enumerate() {
        for &parent in &commit.parents {
            children[parent as usize].push(i as u32);
        }
    }
    let key = |i: u32| Reverse((commits[i as usize].time, commits[i as usize].id, i));
    let mut ready: BinaryHeap<_> = (0..commits.len() as u32)
        .filter(|&i| waiting[i as usize] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(commits.len());
    while let Some(Reverse((_, _, i))) = ready.pop() {
        order.push(i);
        for &child in &children[i as usize] {
            waiting[child as usize] -= 1;
            if waiting[child as usize] == 0 {
                ready.push(key(child));
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(n: u8, time: i64, parents: &[u32]) -> Commit {
        Commit {
            id: ObjectId::from_bytes_or_panic(&[n; 20]),
            tree: ObjectId::empty_tree(gix::hash::Kind::Sha1),
            parents: parents.to_vec(),
            author: 0,
            time,
        }
    }

    #[test]
    fn parents_come_first_even_when_a_child_claims_an_older_time() {
        // 0 <- 1 <- 3 (merge of 1 and 2), 0 <- 2; commit 1 has a clock set in the past.
        let commits = vec![
            commit(9, 100, &[]),
            commit(8, 50, &[0]),
            commit(7, 200, &[0]),
            commit(6, 300, &[1, 2]),
        ];
        assert_eq!(oldest_first(&commits), vec![0, 1, 2, 3]);
    }

    #[test]
    fn ready_commits_go_by_time_then_id() {
        let commits = vec![commit(5, 10, &[]), commit(3, 10, &[]), commit(1, 5, &[])];
        assert_eq!(oldest_first(&commits), vec![2, 1, 0]);
    }
}
