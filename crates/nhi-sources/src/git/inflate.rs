//! The second pass: inflates the indexed blobs in parallel and hands each one to the visitor.
//!
//! Invariants: each blob's bytes live only while the visitor runs (one reused buffer per
//! worker); a blob over the size cap is never inflated (its header is read first); blobs go in
//! pack order, in chunks, and problems are reported in that order whatever the thread timing.

use super::graph::Commits;
use super::index::{BlobIndex, BlobOrigin};
use super::pack_order::pack_order;
use super::{BlobRef, HistoryError, HistoryOptions, HistoryOutcome, Repo};
use gix::objs::{FindExt, Kind};
use gix::{Repository, ThreadSafeRepository};
use rayon::prelude::*;

/// Blobs one worker takes at a time: enough that its object caches pay off, small enough that
/// the work spreads over every core.
const MIN_CHUNK: usize = 64;
const MAX_CHUNK: usize = 4096;

/// What one chunk of blobs gave, merged in chunk order.
#[derive(Default)]
struct Part {
    blobs: u64,
    bytes: u64,
    warnings: Vec<HistoryError>,
    errors: Vec<HistoryError>,
}

/// Everything a worker reads while it inflates; shared by all of them.
struct Pass<'a, V> {
    commits: &'a Commits,
    index: &'a BlobIndex,
    options: &'a HistoryOptions,
    at: &'a Repo<'a>,
    visit: V,
}

/// Inflate every blob of `index` and call `visit` with it.
pub(crate) fn visit_all(
    shared: &ThreadSafeRepository,
    commits: &Commits,
    index: &BlobIndex,
    options: &HistoryOptions,
    at: &Repo,
    outcome: &mut HistoryOutcome,
    visit: impl Fn(&BlobRef, &[u8]) + Sync,
) {
    let pass = Pass {
        commits,
        index,
        options,
        at,
        visit,
    };
    let workers = rayon::current_num_threads().max(1);
    let chunk = (index.blobs.len() / (workers * 16)).clamp(MIN_CHUNK, MAX_CHUNK);
    let parts: Vec<Part> = pack_order(&shared.to_thread_local(), index)
        .par_chunks(chunk)
        .map(|blobs| {
            let repo = shared.to_thread_local();
            let mut buf = Vec::new();
            let mut part = Part::default();
            for &blob in blobs {
                pass.visit_one(&repo, &index.blobs[blob as usize], &mut buf, &mut part);
            }
            part
        })
        .collect();
    for part in parts {
        outcome.blobs_visited += part.blobs;
        outcome.bytes_visited += part.bytes;
        outcome.warnings.extend(part.warnings);
        outcome.errors.extend(part.errors);
    }
}

impl<V: Fn(&BlobRef, &[u8])> Pass<'_, V> {
    /// Read one blob's header, then (when it is a blob under the cap) its bytes, and visit it.
    fn visit_one(&self, repo: &Repository, blob: &BlobOrigin, buf: &mut Vec<u8>, part: &mut Part) {
        let commit = &self.commits.commits[blob.commit as usize];
        let path = &self.index.paths[blob.path as usize];
        let at = self.at;
        let whereabouts = || format!("'{path}' in commit {}", commit.id);
        let header = match repo.find_header(blob.id) {
            Ok(header) => header,
            Err(err) => {
                let message = format!("cannot read blob at {}: {err}", whereabouts());
                part.errors.push(at.error(Some(&blob.id), message));
                return;
            }
        };
        if header.kind() != Kind::Blob {
            let message = format!("{} is a {}, not a blob", whereabouts(), header.kind());
            part.errors.push(at.error(Some(&blob.id), message));
            return;
        }
        if header.size() > self.options.max_blob_size {
            let message = format!(
                "skipped {}: larger than --max-file-size ({} bytes)",
                whereabouts(),
                self.options.max_blob_size
            );
            part.warnings.push(at.error(Some(&blob.id), message));
            return;
        }
        let data = match repo.objects.find(&blob.id, buf) {
            Ok(data) => data,
            Err(err) => {
                let message = format!("cannot inflate blob at {}: {err}", whereabouts());
                part.errors.push(at.error(Some(&blob.id), message));
                return;
            }
        };
        let found = BlobRef {
            blob: blob.id.to_string(),
            path: path.clone(),
            commit: commit.id.to_string(),
            author: self.commits.authors[commit.author as usize].clone(),
            committed: chrono::DateTime::from_timestamp(commit.time, 0).unwrap_or_default(),
            at_head: self.index.at_head.contains(&blob.id),
        };
        (self.visit)(&found, data.data);
        part.blobs += 1;
        part.bytes += data.data.len() as u64;
    }
}
