//! Metadata every rule, secret pattern and detector carries, listed by `nhi rules`.

use crate::{OwaspNhi, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Which engine a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// An inventory risk rule (crate `nhi-analysis`).
    Risk,
    /// A secret pattern (crate `nhi-secrets`).
    Secret,
    /// An audit-log detector (crate `nhi-detect`).
    Detector,
}

/// What a user needs to know about a rule: stable id, severity, OWASP mapping, what it means and
/// how to fix what it finds. Fields are `Cow` so that built-in rules are `const` statics while rules
/// loaded from user files own their text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMeta {
    /// Stable, readable id (`x509-certificate-expired`): users put it in ignore files.
    pub id: Cow<'static, str>,
    pub kind: RuleKind,
    pub title: Cow<'static, str>,
    pub severity: Severity,
    pub owasp: Cow<'static, [OwaspNhi]>,
    /// One line: what the rule looks for.
    pub description: Cow<'static, str>,
    /// How to fix what it finds.
    pub remediation: Cow<'static, str>,
}
