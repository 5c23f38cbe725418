//! Finding and alert severity, ordered from `Info` (lowest) to `Critical` (highest).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordering follows risk: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Every severity, highest first (the order reports list them in).
    pub const ALL_DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name used in JSON, CLI flags and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL_DESCENDING
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity '{s}' (expected critical, high, medium, low or info)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_risk_and_round_trips_names() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        for sev in Severity::ALL_DESCENDING {
            assert_eq!(sev.as_str().parse::<Severity>(), Ok(sev));
        }
        assert!("severe".parse::<Severity>().is_err());
    }
}
