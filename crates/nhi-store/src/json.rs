//! The JSON columns: every stored item keeps its full model type as JSON beside the indexed
//! columns, so a model field added later is stored without a migration.

use crate::error::Fault;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Serialise a value for a JSON column. The model types always serialise; a failure would be a bug
/// in a `Serialize` impl, and is reported as SQLite's "value cannot be stored" rather than panicked on.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, Fault> {
    serde_json::to_string(value)
        .map_err(|e| Fault::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

/// Parse a JSON column; `what` names the row for the error (called only on failure).
pub(crate) fn from_json<T: DeserializeOwned>(
    what: impl FnOnce() -> String,
    text: &str,
) -> Result<T, Fault> {
    serde_json::from_str(text).map_err(|e| Fault::decode(what(), e))
}
