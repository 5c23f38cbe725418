//! The first pass: walks the tree of every commit, oldest first, and records for each distinct
//! blob the first commit and path that hold it, plus which blobs HEAD holds.
//!
//! Invariants: a tree is read once per walk (a tree seen before holds only blobs already
//! recorded by an older commit), so the pass costs the number of distinct trees, not commits
//! times files; the index keeps ids and interned paths only, never contents; gitlinks are noted.

use super::graph::Commits;
use super::{HistoryOutcome, Repo};
use gix::bstr::{BStr, BString, ByteVec};
use gix::hashtable::HashSet;
use gix::objs::tree::EntryKind;
use gix::objs::FindExt;
use gix::{ObjectId, Repository};
use std::collections::{BTreeSet, HashMap};

/// Where a blob first appears.
pub(crate) struct BlobOrigin {
    pub id: ObjectId,
    /// Index into [`Commits::commits`].
    pub commit: u32,
    /// Index into [`BlobIndex::paths`].
    pub path: u32,
}

/// Every distinct blob of the history, in the order the oldest-first walk met them.
pub(crate) struct BlobIndex {
    pub blobs: Vec<BlobOrigin>,
    pub paths: Vec<String>,
    /// Blobs in HEAD's tree (empty when HEAD is unborn).
    pub at_head: HashSet<ObjectId>,
}

/// Index every blob of `commits`, and the blobs of HEAD.
pub(crate) fn build(
    repo: &Repository,
    commits: &Commits,
    at: &Repo,
    outcome: &mut HistoryOutcome,
) -> BlobIndex {
    let mut seen_blobs: HashSet<ObjectId> = HashSet::default();
    let mut blobs = Vec::new();
    let mut path_ids: HashMap<String, u32> = HashMap::new();
    let mut gitlinks = BTreeSet::new();
    let mut walk = TreeWalk::new(repo);
    for &c in &commits.order {
        let commit = &commits.commits[c as usize];
        walk.walk(commit.tree, at, outcome, |kind, id, dir, name| match kind {
            EntryKind::Commit => {
                gitlinks.insert(join(dir, name));
            }
            _ => {
                if seen_blobs.insert(id) {
                    let next = path_ids.len() as u32;
                    let path = *path_ids.entry(join(dir, name)).or_insert(next);
                    blobs.push(BlobOrigin {
                        id,
                        commit: c,
                        path,
                    });
                }
            }
        });
    }
    outcome.submodules = gitlinks.into_iter().collect();
    let mut paths = vec![String::new(); path_ids.len()];
    for (path, i) in path_ids {
        paths[i as usize] = path;
    }
    BlobIndex {
        blobs,
        paths,
        at_head: head_blobs(repo, at, outcome),
    }
}

/// The blobs of HEAD's tree, at any path.
fn head_blobs(repo: &Repository, at: &Repo, outcome: &mut HistoryOutcome) -> HashSet<ObjectId> {
    let mut blobs = HashSet::default();
    let tree = match repo.head_commit() {
        Ok(commit) => commit.tree_id(),
        Err(_) => return blobs, // unborn or unreadable HEAD: already reported by the tips
    };
    match tree {
        Ok(tree) => TreeWalk::new(repo).walk(tree.detach(), at, outcome, |kind, id, _, _| {
            if kind != EntryKind::Commit {
                blobs.insert(id);
            }
        }),
        Err(err) => outcome
            .errors
            .push(at.error(None, format!("cannot read HEAD's tree: {err}"))),
    }
    blobs
}

fn join(dir: &BStr, name: &BStr) -> String {
    let mut path = BString::from(dir);
    path.push_str(name);
    path.to_string()
}

/// Depth-first walks over trees that skip every tree already walked by the same `TreeWalk`.
struct TreeWalk<'r> {
    repo: &'r Repository,
    seen_trees: HashSet<ObjectId>,
    buf: Vec<u8>,
}

impl<'r> TreeWalk<'r> {
    fn new(repo: &'r Repository) -> Self {
        TreeWalk {
            repo,
            seen_trees: HashSet::default(),
            buf: Vec::new(),
        }
    }

    /// Call `entry(kind, id, directory, name)` for every non-tree entry under `root` not walked
    /// before; `directory` is empty or ends with `/`. An explicit stack: tree depth is the
    /// repository's to choose, and must not overflow ours.
    fn walk(
        &mut self,
        root: ObjectId,
        at: &Repo,
        outcome: &mut HistoryOutcome,
        mut entry: impl FnMut(EntryKind, ObjectId, &BStr, &BStr),
    ) {
        let mut stack: Vec<(ObjectId, BString)> = Vec::new();
        if self.seen_trees.insert(root) {
            stack.push((root, BString::default()));
        }
        while let Some((tree_id, dir)) = stack.pop() {
            let tree = match self.repo.objects.find_tree_iter(&tree_id, &mut self.buf) {
                Ok(tree) => tree,
                Err(err) => {
                    let message = format!("cannot read tree at '{dir}': {err}");
                    outcome.errors.push(at.error(Some(&tree_id), message));
                    continue;
                }
            };
            let mut subtrees = Vec::new();
            for item in tree {
                let item = match item {
                    Ok(item) => item,
                    Err(err) => {
                        let message = format!("cannot decode tree at '{dir}': {err}");
                        outcome.errors.push(at.error(Some(&tree_id), message));
                        break;
                    }
                };
                let id = item.oid.to_owned();
                match item.mode.kind() {
                    EntryKind::Tree => {
                        if self.seen_trees.insert(id) {
                            let mut sub = dir.clone();
                            sub.push_str(item.filename);
                            sub.push(b'/');
                            subtrees.push((id, sub));
                        }
                    }
                    kind => entry(kind, id, dir.as_ref(), item.filename),
                }
            }
            // Reversed so that subdirectories are walked in the tree's own (name) order.
            stack.extend(subtrees.into_iter().rev());
        }
    }
}
