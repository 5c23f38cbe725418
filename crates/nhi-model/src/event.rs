//! Normalised audit events and the alerts that detectors raise over them.

use crate::{OwaspNhi, Severity, Timestamp};
use serde::{Deserialize, Serialize};

/// Result of the action an audit record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Denied,
    Error,
    Unknown,
}

/// One audit record in nhi's own shape. `id` is the source's own record id where it has one
/// (CloudTrail `eventID`, Kubernetes `auditID`, GCP `insertId`), so an alert traces back to the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub time: Timestamp,
    /// `cloudtrail`, `k8s-audit`, `gcp-audit`, `azure-signin`, `github-audit`.
    pub source: String,
    /// Identity id of the acting principal.
    pub principal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Where the raw record lives: `file:line` or `file#index`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_ref: Option<String>,
}

/// A detection: one per identity and behaviour, with the events behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub detector: String,
    pub severity: Severity,
    #[serde(default)]
    pub owasp: Vec<OwaspNhi>,
    pub principal: String,
    /// Time of the first event behind the alert.
    pub time: Timestamp,
    /// Ids of the events behind the alert.
    pub events: Vec<String>,
    /// What happened and what to do, for a human.
    pub summary: String,
}
