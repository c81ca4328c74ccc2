//! Tongtu supervision rules: deterministic per-vehicle state machines over position
//! streams (speeding, fatigue, daily driving, the 02:00–05:00 ban, offline, signal
//! shielding, drift, tampering, terminal alarm bits, the 7-day driving limit, geofences:
//! enter/leave, forbidden zones, route deviation, zone speed limits), the same code live
//! and in replay; and the national assessment indicators ([`indicators`]).

pub mod config;
pub mod engine;
mod fences;
pub mod geofence;
pub mod indicators;

pub use config::{ClassRules, RuleConfig};
pub use engine::{
    collect, local_minute, replay, rule_from_code, Alarm, Engine, Event, Rule, Severity,
};
pub use geofence::{FenceKind, Geofence, PreparedShape, Shape};
