//! nhi's secret scanner core: secret rules as data (YAML files embedded in the binary, plus user
//! files) and a fast matching engine over bytes. The engine does no I/O: callers hand it bytes
//! from files or git blobs, fingerprint what it reports, and drop the plaintext.
//!
//! ```
//! use nhi_secrets::{RuleSet, Scanner};
//! let scanner = Scanner::new(RuleSet::builtin().unwrap()).unwrap();
//! let mut ids = Vec::new();
//! scanner.scan(b"token: glpat-Xk2mP9qR4sT7vW1yZ3bC", |m| ids.push(m.rule.id().to_string()));
//! assert_eq!(ids, ["gitlab-pat"]);
//! ```

mod compile;
mod context;
mod decode;
mod entropy;
mod error;
mod filters;
mod redact;
mod rule;
mod ruleset;
mod scanner;
mod selftest;
mod text;
mod validators;

pub use context::{secret_context, ContextField, ContextRole, SecretSpot};
pub use decode::Encoding;
pub use error::RuleError;
pub use redact::redact;
pub use rule::{Rule, Slot};
pub use ruleset::{catalog, RuleSet};
pub use scanner::{DecodeLimits, ScanOptions, ScanOutcome, Scanner, SecretMatch};
pub use selftest::ExampleFailure;
pub use validators::{Validation, ValidatorKind};
