//! Where a history walk starts: the commit behind every ref (branches, tags peeled, remotes,
//! notes, `refs/stash` and every entry of its reflog) and HEAD, even when detached.
//!
//! Invariant: only commits are returned, sorted and without duplicates; a ref to a tree or a blob
//! is a warning, a ref that cannot be read an error, and neither stops the others.

use super::{HistoryOutcome, Repo};
use gix::objs::Kind;
use gix::{ObjectId, Repository};

/// The reflog whose older entries are stashes that no ref names any more.
const STASH: &str = "refs/stash";

/// The distinct commits the walk starts from.
pub(crate) fn collect(repo: &Repository, at: &Repo, outcome: &mut HistoryOutcome) -> Vec<ObjectId> {
    let mut tips = Vec::new();
    let mut candidates: Vec<(String, ObjectId)> = Vec::new();
    match repo.head() {
        Ok(head) => candidates.extend(head.id().map(|id| ("HEAD".to_string(), id.detach()))),
        Err(err) => outcome
            .errors
            .push(at.error(None, format!("cannot read HEAD: {err}"))),
    }
    match repo
        .references()
        .and_then(|refs| refs.all().map(|all| all.collect::<Vec<_>>()))
    {
        Ok(refs) => {
            for reference in refs {
                match reference.and_then(|mut r| {
                    Ok((r.name().as_bstr().to_string(), r.peel_to_id()?.detach()))
                }) {
                    Ok(named) => candidates.push(named),
                    Err(err) => outcome
                        .errors
                        .push(at.error(None, format!("cannot read a ref: {err}"))),
                }
            }
        }
        Err(err) => outcome
            .errors
            .push(at.error(None, format!("cannot list refs: {err}"))),
    }
    stash_entries(repo, at, outcome, &mut candidates);

    for (name, id) in candidates {
        match repo.find_header(id) {
            Ok(header) if header.kind() == Kind::Commit => tips.push(id),
            Ok(header) => outcome.warnings.push(at.error(
                Some(&id),
                format!(
                    "{name} points to a {}, not a commit: not scanned",
                    header.kind()
                ),
            )),
            Err(err) => outcome.errors.push(at.error(
                Some(&id),
                format!("{name} points to an unreadable object: {err}"),
            )),
        }
    }
    tips.sort_unstable();
    tips.dedup();
    tips
}

/// Every stash in the stash reflog (the ref itself names only the newest).
fn stash_entries(
    repo: &Repository,
    at: &Repo,
    outcome: &mut HistoryOutcome,
    candidates: &mut Vec<(String, ObjectId)>,
) {
    let stash = match repo.try_find_reference(STASH) {
        Ok(Some(stash)) => stash,
        Ok(None) => return,
        Err(err) => {
            outcome
                .errors
                .push(at.error(None, format!("cannot read {STASH}: {err}")));
            return;
        }
    };
    let mut log = stash.log_iter();
    let lines = match log.all() {
        Ok(Some(lines)) => lines,
        Ok(None) => return,
        Err(err) => {
            outcome
                .errors
                .push(at.error(None, format!("cannot read the reflog of {STASH}: {err}")));
            return;
        }
    };
    for (n, line) in lines.enumerate() {
        match line {
            Ok(line) => {
                let id = line.new_oid();
                if !id.is_null() {
                    candidates.push((format!("{STASH}@{{reflog line {}}}", n + 1), id));
                }
            }
            Err(err) => outcome
                .errors
                .push(at.error(None, format!("reflog of {STASH}, line {}: {err}", n + 1))),
        }
    }
}
