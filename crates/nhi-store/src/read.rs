//! Reading the store back: the inventory as of every run so far, one item with its history, and
//! findings filtered the way `nhi findings` asks. Model types are rebuilt from their stored JSON;
//! a credential's locations come from its own table, sorted.

use crate::error::Fault;
use crate::json::from_json;
use crate::schema::severity_rank;
use nhi_model::{
    Credential, Finding, FindingStatus, Identity, Inventory, Lifecycle, Location, Severity,
    Timestamp, TrackedFinding,
};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Which findings [`crate::Store::findings`] returns. The default is every open finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingQuery {
    pub status: StatusFilter,
    /// Only findings first seen by the latest run (what appeared since the run before it).
    pub new_since_previous_run: bool,
    /// Only findings at or above this severity.
    pub min_severity: Option<Severity>,
    /// Only findings of this rule id.
    pub rule: Option<String>,
    /// Only findings about this identity or credential id.
    pub subject: Option<String>,
}

/// Findings by lifecycle status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    Open,
    Resolved,
    All,
}

/// When the store first and last saw an item, by time and by run id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemHistory {
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub first_run: i64,
    pub last_run: i64,
}

/// A stored item together with its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded<T> {
    pub item: T,
    pub history: ItemHistory,
}

/// Every identity, credential (with every location it was ever seen at), grant and edge stored.
pub(crate) fn inventory(conn: &Connection) -> Result<Inventory, Fault> {
    let mut inventory = Inventory::default();
    for identity in json_column::<Identity>(conn, "identities", "id")? {
        inventory.identities.insert(identity.id.clone(), identity);
    }
    for credential in json_column::<Credential>(conn, "credentials", "id")? {
        inventory
            .credentials
            .insert(credential.id.clone(), credential);
    }
    let mut stmt = conn.prepare("SELECT credential_id, location FROM credential_locations")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let credential_id: String = row.get(0)?;
        let location = location(row, &credential_id)?;
        if let Some(credential) = inventory.credentials.get_mut(&credential_id) {
            credential.locations.push(location);
        }
    }
    inventory
        .credentials
        .values_mut()
        .for_each(|c| c.locations.sort());
    inventory.grants = json_column(conn, "grants", "rowid")?;
    inventory.edges = json_column(conn, "edges", "rowid")?;
    Ok(inventory)
}

/// When every stored identity was first and last seen, and when it was last used (as far as any
/// run knew), keyed by identity id.
pub(crate) fn identity_sightings(
    conn: &Connection,
) -> Result<std::collections::HashMap<String, IdentitySighting>, Fault> {
    let mut stmt = conn.prepare(
        "SELECT id, first_seen, last_seen, first_run, last_run, json_extract(json, '$.last_used') \
         FROM identities",
    )?;
    let mut rows = stmt.query([])?;
    let mut sightings = std::collections::HashMap::new();
    while let Some(row) = rows.next()? {
        let last_used: Option<String> = row.get(5)?;
        let sighting = IdentitySighting {
            history: ItemHistory {
                first_seen: row.get(1)?,
                last_seen: row.get(2)?,
                first_run: row.get(3)?,
                last_run: row.get(4)?,
            },
            last_used: last_used
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&chrono::Utc)),
        };
        sightings.insert(row.get(0)?, sighting);
    }
    Ok(sightings)
}

/// What the store remembers of an identity between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentitySighting {
    pub history: ItemHistory,
    /// The latest `last_used` any run recorded.
    pub last_used: Option<Timestamp>,
}

/// One identity with its history.
pub(crate) fn identity(conn: &Connection, id: &str) -> Result<Option<Recorded<Identity>>, Fault> {
    recorded(conn, "identities", id)
}

/// One credential, with every location it was seen at, and its history.
pub(crate) fn credential(
    conn: &Connection,
    id: &str,
) -> Result<Option<Recorded<Credential>>, Fault> {
    let Some(mut recorded) = recorded::<Credential>(conn, "credentials", id)? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT credential_id, location FROM credential_locations WHERE credential_id = ?1",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(row) = rows.next()? {
        recorded.item.locations.push(location(row, id)?);
    }
    recorded.item.locations.sort();
    Ok(Some(recorded))
}

/// Findings matching `query`, worst first, then by rule and id.
pub(crate) fn findings(
    conn: &Connection,
    query: &FindingQuery,
) -> Result<Vec<TrackedFinding>, Fault> {
    let status = match query.status {
        StatusFilter::Open => Some("open"),
        StatusFilter::Resolved => Some("resolved"),
        StatusFilter::All => None,
    };
    let mut stmt = conn.prepare(
        "SELECT f.id, f.json, f.status, f.first_seen, f.last_seen, f.resolved_at FROM findings f
         WHERE (?1 IS NULL OR f.status = ?1)
           AND (NOT ?2 OR f.first_run = (SELECT max(id) FROM runs))
           AND f.severity_rank >= ?3
           AND (?4 IS NULL OR f.rule = ?4)
           AND (?5 IS NULL OR EXISTS (SELECT 1 FROM finding_subjects s
                                      WHERE s.subject_id = ?5 AND s.finding_id = f.id))
         ORDER BY f.severity_rank DESC, f.rule, f.id",
    )?;
    let mut rows = stmt.query((
        status,
        query.new_since_previous_run,
        query.min_severity.map_or(i64::MIN, severity_rank),
        &query.rule,
        &query.subject,
    ))?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(tracked_finding(row)?);
    }
    Ok(found)
}

fn tracked_finding(row: &Row<'_>) -> Result<TrackedFinding, Fault> {
    let id: String = row.get(0)?;
    let json: String = row.get(1)?;
    let finding: Finding = from_json(|| format!("finding {id}"), &json)?;
    let status: String = row.get(2)?;
    let status = match status.as_str() {
        "open" => FindingStatus::Open,
        "resolved" => FindingStatus::Resolved,
        other => {
            return Err(Fault::decode(
                format!("finding {id}"),
                format!("status '{other}'"),
            ))
        }
    };
    Ok(TrackedFinding {
        finding,
        lifecycle: Some(Lifecycle {
            status,
            first_seen: row.get(3)?,
            last_seen: row.get(4)?,
            resolved_at: row.get(5)?,
        }),
    })
}

/// The item with `id` in `table` (a table with `id`, `json` and sighting columns).
fn recorded<T: DeserializeOwned>(
    conn: &Connection,
    table: &str,
    id: &str,
) -> Result<Option<Recorded<T>>, Fault> {
    let row = conn
        .query_row(
            &format!(
                "SELECT json, first_seen, last_seen, first_run, last_run FROM {table} WHERE id = ?1"
            ),
            [id],
            |row| {
                let history = ItemHistory {
                    first_seen: row.get(1)?,
                    last_seen: row.get(2)?,
                    first_run: row.get(3)?,
                    last_run: row.get(4)?,
                };
                Ok((row.get::<_, String>(0)?, history))
            },
        )
        .optional()?;
    row.map(|(json, history)| {
        let item = from_json(|| format!("{table} row {id}"), &json)?;
        Ok(Recorded { item, history })
    })
    .transpose()
}

/// The parsed `json` column of every row of `table`, in `order`.
fn json_column<T: DeserializeOwned>(
    conn: &Connection,
    table: &str,
    order: &str,
) -> Result<Vec<T>, Fault> {
    let mut stmt = conn.prepare(&format!("SELECT json FROM {table} ORDER BY {order}"))?;
    let mut rows = stmt.query([])?;
    let mut values = Vec::new();
    while let Some(row) = rows.next()? {
        let json: String = row.get(0)?;
        values.push(from_json(|| format!("{table} row"), &json)?);
    }
    Ok(values)
}

/// The location in column 1 of a `credential_locations` row.
fn location(row: &Row<'_>, credential_id: &str) -> Result<Location, Fault> {
    let json: String = row.get(1)?;
    from_json(|| format!("location of credential {credential_id}"), &json)
}
