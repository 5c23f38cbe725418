//! Store-wide settings kept in the `meta` table. Today that is the fingerprint key: 32 random bytes
//! made on first open and never changed after, so fingerprints stay comparable across runs. The key
//! never leaves the process except inside the database file (mode 0600).

use crate::error::Fault;
use nhi_model::{Fingerprinter, FINGERPRINT_KEY_LEN};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

const FINGERPRINT_KEY: &str = "fingerprint_key";

/// The store's fingerprinter, creating its key if the database has none yet. The check and the
/// insert share one write transaction, so two first opens agree on a single key.
pub(crate) fn fingerprinter(conn: &mut Connection) -> Result<Fingerprinter, Fault> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored: Option<Vec<u8>> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [FINGERPRINT_KEY],
            |row| row.get(0),
        )
        .optional()?;
    let key = match stored {
        Some(bytes) => <[u8; FINGERPRINT_KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
            Fault::decode(
                "fingerprint key",
                format!("{} bytes, expected {FINGERPRINT_KEY_LEN}", bytes.len()),
            )
        })?,
        None => {
            let mut key = [0u8; FINGERPRINT_KEY_LEN];
            getrandom::fill(&mut key).map_err(Fault::Random)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                (FINGERPRINT_KEY, key.as_slice()),
            )?;
            key
        }
    };
    tx.commit()?;
    Ok(Fingerprinter::new(key))
}
