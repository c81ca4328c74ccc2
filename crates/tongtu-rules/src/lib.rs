//! Tongtu supervision rules: deterministic per-vehicle state machines over position
//! streams (speeding, fatigue, daily driving, the 02:00–05:00 ban, offline, signal
//! shielding, drift, tampering, terminal alarm bits), the same code live and in replay.

pub mod config;
pub mod engine;

pub use config::{ClassRules, RuleConfig};
pub use engine::{collect, local_minute, replay, Alarm, Engine, Event, Rule, Severity};
