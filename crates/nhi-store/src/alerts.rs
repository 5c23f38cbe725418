//! Alerts from `nhi hunt` and `nhi watch`: one row per detector, principal and first event, with
//! the ids of every event behind it. Hunting the same logs again updates the same rows (events
//! are unioned, the worst severity and the earliest time kept) instead of duplicating them.

use crate::error::Fault;
use crate::json::{from_json, to_json};
use crate::schema::severity_rank;
use nhi_model::{finding_id, Alert, Timestamp};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

/// What recording a batch of alerts changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAlerts {
    /// Alerts the store did not hold.
    pub new: usize,
    /// Alerts already held, now merged with the new sighting.
    pub updated: usize,
}

/// The stable id of an alert: detector, principal and first event (16 hex digits of BLAKE3, as
/// for findings), so the same detection over the same log is the same alert.
pub fn alert_id(alert: &Alert) -> String {
    let first = alert.events.first().cloned().unwrap_or_default();
    finding_id(&alert.detector, &[alert.principal.clone(), first], None)
}

/// Writes every alert in one transaction: all of them, or on any error none.
pub(crate) fn record(
    conn: &mut Connection,
    alerts: &[Alert],
    recorded: Timestamp,
) -> Result<RecordedAlerts, Fault> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut counts = RecordedAlerts::default();
    for alert in alerts {
        let id = alert_id(alert);
        let stored: Option<String> = tx
            .query_row("SELECT json FROM alerts WHERE id = ?1", [&id], |row| {
                row.get(0)
            })
            .optional()?;
        let merged = match stored {
            Some(json) => {
                counts.updated += 1;
                let mut old: Alert = from_json(|| format!("alert {id}"), &json)?;
                merge(&mut old, alert);
                old
            }
            None => {
                counts.new += 1;
                alert.clone()
            }
        };
        tx.execute(
            "INSERT INTO alerts (id, detector, severity, severity_rank, principal, time, summary, json, recorded)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET severity = excluded.severity,
                 severity_rank = excluded.severity_rank, time = excluded.time,
                 summary = excluded.summary, json = excluded.json, recorded = excluded.recorded",
            params![
                id,
                merged.detector,
                merged.severity.as_str(),
                severity_rank(merged.severity),
                merged.principal,
                merged.time,
                merged.summary,
                to_json(&merged)?,
                recorded,
            ],
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO alert_events (alert_id, event_id) VALUES (?1, ?2)",
        )?;
        for event in &merged.events {
            insert.execute(params![id, event])?;
        }
    }
    tx.commit()?;
    Ok(counts)
}

/// A later sighting of the same alert folded into the stored one.
fn merge(stored: &mut Alert, newer: &Alert) {
    stored.severity = stored.severity.max(newer.severity);
    stored.time = stored.time.min(newer.time);
    stored.summary.clone_from(&newer.summary);
    for category in &newer.owasp {
        if !stored.owasp.contains(category) {
            stored.owasp.push(*category);
        }
    }
    for event in &newer.events {
        if !stored.events.contains(event) {
            stored.events.push(event.clone());
        }
    }
}

/// Every stored alert, oldest first (then by detector and principal).
pub(crate) fn all(conn: &Connection) -> Result<Vec<Alert>, Fault> {
    let mut statement =
        conn.prepare("SELECT id, json FROM alerts ORDER BY time, detector, principal")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut alerts = Vec::new();
    for row in rows {
        let (id, json) = row?;
        alerts.push(from_json(|| format!("alert {id}"), &json)?);
    }
    Ok(alerts)
}

/// The alerts an event is behind (by the log's own event id).
pub(crate) fn for_event(conn: &Connection, event_id: &str) -> Result<Vec<String>, Fault> {
    let mut statement =
        conn.prepare("SELECT alert_id FROM alert_events WHERE event_id = ?1 ORDER BY alert_id")?;
    let ids = statement.query_map([event_id], |row| row.get(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use chrono::{TimeZone, Utc};
    use nhi_model::{Alert, OwaspNhi, Severity};

    fn alert(events: &[&str], severity: Severity, second: i64) -> Alert {
        Alert {
            detector: "aws-cloudtrail-tampering".into(),
            severity,
            owasp: vec![OwaspNhi::NHI5],
            principal: "aws:user:arn:aws:iam::1:user/ci".into(),
            time: Utc.timestamp_opt(1_700_000_000 + second, 0).unwrap(),
            events: events.iter().map(|id| id.to_string()).collect(),
            summary: format!("{} events", events.len()),
        }
    }

    #[test]
    fn the_same_alert_recorded_twice_is_merged_not_duplicated() {
        let mut store = Store::open_in_memory().unwrap();
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let first = store
            .record_alerts(&[alert(&["e1", "e2"], Severity::Medium, 10)], now)
            .unwrap();
        assert_eq!((first.new, first.updated), (1, 0));
        let again = store
            .record_alerts(&[alert(&["e1", "e3"], Severity::High, 20)], now)
            .unwrap();
        assert_eq!((again.new, again.updated), (0, 1));
        let alerts = store.alerts().unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].events, vec!["e1", "e2", "e3"]);
        assert_eq!(alerts[0].severity, Severity::High);
        assert_eq!(alerts[0].time, Utc.timestamp_opt(1_700_000_010, 0).unwrap());
        assert_eq!(store.alerts_for_event("e3").unwrap().len(), 1);
        assert!(store.alerts_for_event("e9").unwrap().is_empty());
    }

    #[test]
    fn alerts_with_other_first_events_are_kept_apart() {
        let mut store = Store::open_in_memory().unwrap();
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let batch = [
            alert(&["e1"], Severity::Low, 0),
            alert(&["e7"], Severity::Low, 5),
        ];
        let counts = store.record_alerts(&batch, now).unwrap();
        assert_eq!(counts.new, 2);
        assert_eq!(store.alerts().unwrap().len(), 2);
    }
}
