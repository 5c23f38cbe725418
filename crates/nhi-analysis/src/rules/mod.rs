//! The registry of risk rules. One module per family; each rule is listed once here.

use crate::RiskRule;

/// Every built-in risk rule, in the order `nhi rules` lists them.
pub fn rules() -> &'static [&'static dyn RiskRule] {
    &[]
}
