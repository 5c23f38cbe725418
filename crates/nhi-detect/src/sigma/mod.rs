//! The Sigma engine: SigmaHQ rule YAML (detections and v2 correlations) parsed, compiled once
//! into a [`SigmaEngine`], and evaluated over normalised records routed by log source.
//! Invariant: loading never panics and never drops a rule silently: every rule that cannot be
//! used comes back as a [`RuleLoadError`] naming its file, line and reason.

mod compile;
mod condition;
mod correlation;
mod engine;
mod error;
mod eval;
mod fieldmap;
mod matches;
mod modifiers;
mod parse;
mod pattern;
mod regex;
mod rule;
mod transform;

pub(crate) use engine::StreamHit;
pub use engine::{Screened, SigmaEngine, SigmaEngineBuilder, SigmaStream};
pub use error::{LoadProblem, RuleLoadError};
pub(crate) use matches::summary as sigma_summary;
pub use matches::{group_alerts, EventRef, MatchKind, SigmaMatch};
