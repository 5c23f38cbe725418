//! The shared language of nhi: plain data types for identities, credentials, grants, edges,
//! findings, audit events and alerts, plus rule metadata.
//!
//! Invariant: this crate does no I/O. Every other crate speaks in these types; they serialise with
//! serde into the JSON contract that scripts rely on (see `BRIEF.md`).

mod credential;
mod event;
mod finding;
mod fingerprint;
mod identity;
mod inventory;
mod location;
mod owasp;
mod rule;
mod severity;

pub use credential::{
    AuthorizedKeyDetails, CertificateDetails, Credential, CredentialDetails, CredentialKind,
    CredentialStatus, KeyAlgorithm, KeyDetails,
};
pub use event::{Alert, Event, Outcome};
pub use finding::{finding_id, Finding, FindingStatus, Lifecycle, TrackedFinding};
pub use fingerprint::{Fingerprinter, FINGERPRINT_KEY_LEN};
pub use identity::{Identity, IdentityKind};
pub use inventory::{Edge, EdgeKind, Grant, Inventory};
pub use location::Location;
pub use owasp::OwaspNhi;
pub use rule::{RuleKind, RuleMeta};
pub use severity::Severity;

/// Timestamps everywhere in nhi are UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Free-form, ordered key/value attributes that a source knows and the model does not type.
pub type Attributes = std::collections::BTreeMap<String, serde_json::Value>;
