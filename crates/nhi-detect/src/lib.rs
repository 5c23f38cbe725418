//! ITDR core of nhi (`nhi hunt`, `nhi watch`): audit-log normalisers and a Sigma rule engine.
//!
//! Invariant: pure functions over bytes and values, no file or network I/O. Normalisers turn raw
//! log bytes into [`Record`]s (an [`nhi_model::Event`] plus the raw JSON that rules read); the
//! [`SigmaEngine`] evaluates every loaded rule over records, in time order when correlating.
//! Detectors of other kinds plug in beside it the same way: they consume `(index, &Record)` one at
//! a time, in time order, and report which records made them fire.

mod behaviour;
mod hunt;
mod normalise;
mod shipped;
mod sigma;

pub use behaviour::{detector_rules, BehaviourConfig, InventorySnapshot};
pub use hunt::{Hunt, MAX_LISTED_EVENTS};
pub use shipped::SHIPPED_SIGMA_RULES;

pub use normalise::{
    earliest_time, normalise, CallerFacts, LogSource, NormaliseError, Normalised, Position, Record,
    RecordProblem,
};
pub use sigma::{
    group_alerts, EventRef, LoadProblem, MatchKind, RuleLoadError, Screened, SigmaEngine,
    SigmaEngineBuilder, SigmaMatch, SigmaStream,
};
