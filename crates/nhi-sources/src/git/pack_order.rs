//! The order in which to inflate blobs: as they lie in their packs. A delta's base lies before it
//! in a pack, so in this order the base is usually still in the decoder's cache when the delta
//! comes; history order instead resolves long delta chains again and again (about twice slower).
//!
//! Invariant: only the order changes, never the set; blobs not found in any pack index (loose
//! objects, alternates, unreadable indexes) come last, in index order.

use super::index::BlobIndex;
use gix::odb::pack;
use gix::Repository;
use std::fs;

/// Indices into `index.blobs`, in pack order.
pub(crate) fn pack_order(repo: &Repository, index: &BlobIndex) -> Vec<u32> {
    let mut indexes: Vec<_> = fs::read_dir(repo.objects.store_ref().path().join("pack"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "idx"))
        .collect();
    indexes.sort();
    // (pack number, offset in that pack, blob); u32::MAX sorts the blobs in no pack last.
    let mut keys: Vec<(u32, u64, u32)> = (0..index.blobs.len() as u32)
        .map(|i| (u32::MAX, 0, i))
        .collect();
    for (number, path) in indexes.iter().enumerate() {
        let Ok(pack_index) = pack::index::File::at(path, repo.object_hash()) else {
            continue; // only the order suffers; reading the objects reports the problem
        };
        for key in keys.iter_mut().filter(|key| key.0 == u32::MAX) {
            if let Some(entry) = pack_index.lookup(index.blobs[key.2 as usize].id) {
                *key = (number as u32, pack_index.pack_offset_at_index(entry), key.2);
            }
        }
    }
    keys.sort_unstable();
    keys.into_iter().map(|(_, _, blob)| blob).collect()
}
