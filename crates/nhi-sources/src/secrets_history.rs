//! Secrets in git history: every blob reachable from every ref, scanned once, each secret located
//! at the commit that first introduced it (path, line, author, date) and marked `at_head` when the
//! blob is still in HEAD's tree.

use crate::git::{scan_history, HistoryOptions, HistoryOutcome};
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use nhi_model::Location;
use std::path::Path;
use std::sync::Mutex;

/// Scan the history of the repository at `repo` with `source`. Paths in locations are the
/// repository as given joined with the path inside it.
pub fn scan_history_secrets(
    repo: &Path,
    source: &crate::SecretsSource,
    options: &HistoryOptions,
    ctx: &SourceContext,
) -> (Discovery, HistoryOutcome) {
    let found = Mutex::new(Discovery::default());
    let root = repo.to_string_lossy();
    let root = root.trim_end_matches('/');
    let outcome = scan_history(repo, options, |blob, bytes| {
        let path = format!("{root}/{}", blob.path);
        let file = SourceFile { path: &path, bytes };
        let mut discovery = Discovery::default();
        source.read(&file, ctx, &mut discovery);
        if discovery.inventory.credentials.is_empty() {
            return;
        }
        for credential in discovery.inventory.credentials.values_mut() {
            let before = credential.locations.clone();
            for location in &mut credential.locations {
                location.commit = Some(blob.commit.clone());
                location.author = Some(blob.author.clone());
                location.committed = Some(blob.committed);
            }
            crate::secrets::rekey_sightings(credential, &before);
            let at_head = credential
                .attributes
                .entry("at_head".to_string())
                .or_insert(false.into());
            if blob.at_head {
                *at_head = true.into();
            }
        }
        let mut all = found
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.inventory.absorb(discovery.inventory);
    });
    let mut discovery = found
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for error in &outcome.errors {
        discovery.errors.push(SourceError::new(
            error.repository.clone(),
            None,
            error
                .to_string()
                .trim_start_matches(&format!("{}: ", error.repository))
                .to_string(),
        ));
    }
    (discovery, outcome)
}

/// Drop working-tree sightings that history already explains: a location without a commit whose
/// path and line a located commit also has. What is left without a commit is uncommitted work.
pub fn prefer_history_locations(locations: &mut Vec<Location>) {
    let committed: Vec<(Option<String>, Option<u32>)> = locations
        .iter()
        .filter(|l| l.commit.is_some())
        .map(|l| (l.path.clone(), l.line))
        .collect();
    locations.retain(|l| l.commit.is_some() || !committed.contains(&(l.path.clone(), l.line)));
}
