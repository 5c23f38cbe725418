//! The OWASP Non-Human Identities Top 10 (2025) categories that every finding maps to.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One category of the OWASP Non-Human Identities Top 10, serialised as `"NHI1"`..`"NHI10"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OwaspNhi {
    NHI1,
    NHI2,
    NHI3,
    NHI4,
    NHI5,
    NHI6,
    NHI7,
    NHI8,
    NHI9,
    NHI10,
}

impl OwaspNhi {
    /// All ten categories in order.
    pub const ALL: [OwaspNhi; 10] = [
        OwaspNhi::NHI1,
        OwaspNhi::NHI2,
        OwaspNhi::NHI3,
        OwaspNhi::NHI4,
        OwaspNhi::NHI5,
        OwaspNhi::NHI6,
        OwaspNhi::NHI7,
        OwaspNhi::NHI8,
        OwaspNhi::NHI9,
        OwaspNhi::NHI10,
    ];

    /// The short code, e.g. `NHI7`.
    pub fn code(self) -> &'static str {
        match self {
            OwaspNhi::NHI1 => "NHI1",
            OwaspNhi::NHI2 => "NHI2",
            OwaspNhi::NHI3 => "NHI3",
            OwaspNhi::NHI4 => "NHI4",
            OwaspNhi::NHI5 => "NHI5",
            OwaspNhi::NHI6 => "NHI6",
            OwaspNhi::NHI7 => "NHI7",
            OwaspNhi::NHI8 => "NHI8",
            OwaspNhi::NHI9 => "NHI9",
            OwaspNhi::NHI10 => "NHI10",
        }
    }

    /// The category's title in the OWASP list.
    pub fn title(self) -> &'static str {
        match self {
            OwaspNhi::NHI1 => "Improper Offboarding",
            OwaspNhi::NHI2 => "Secret Leakage",
            OwaspNhi::NHI3 => "Vulnerable Third-Party NHI",
            OwaspNhi::NHI4 => "Insecure Authentication",
            OwaspNhi::NHI5 => "Overprivileged NHI",
            OwaspNhi::NHI6 => "Insecure Cloud Deployment Configurations",
            OwaspNhi::NHI7 => "Long-Lived Secrets",
            OwaspNhi::NHI8 => "Environment Isolation",
            OwaspNhi::NHI9 => "NHI Reuse",
            OwaspNhi::NHI10 => "Human Use of NHI",
        }
    }
}

impl fmt::Display for OwaspNhi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_its_code() {
        for cat in OwaspNhi::ALL {
            let json = serde_json::to_string(&cat).unwrap();
            assert_eq!(json, format!("\"{}\"", cat.code()));
        }
    }
}
